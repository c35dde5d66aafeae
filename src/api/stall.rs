//! The stall timer of a streaming body: the byte stream fails when nothing arrives for the
//! stall timeout. A flood brings one body frame per chunk, so a frame only notes the time; the
//! timer is re-armed when it fires and finds that bytes came since it was set (re-arming a
//! tokio timer on every frame moved it in the timer wheel once per chunk). `TransportError`,
//! why the byte stream stopped early, lives here with the stall that is one of its causes.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::time::{Instant, Sleep};

/// Why the byte stream stopped early; kept apart from reqwest so the decoder is testable.
#[derive(Debug)]
pub enum TransportError {
    Io(String),
    Stalled(Duration),
    /// A line longer than this many bytes (see `lines`).
    LineTooLong(usize),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => f.write_str(e),
            Self::Stalled(d) => write!(f, "stalled for {} s", d.as_secs()),
            Self::LineTooLong(max) => write!(f, "a line longer than {max} bytes"),
        }
    }
}

/// Fails the byte stream when nothing arrives for `timeout`. It watches bytes, not events, so
/// keep-alive comments (which the SSE layer swallows) count as life.
pub(super) struct StallGuard<S> {
    inner: S,
    timeout: Duration,
    timer: Pin<Box<Sleep>>,
    /// When the last item came (or the guard began).
    last: Instant,
    tripped: bool,
}

impl<S> StallGuard<S> {
    pub(super) fn new(inner: S, timeout: Duration) -> Self {
        let last = Instant::now();
        Self {
            inner,
            timeout,
            timer: Box::pin(tokio::time::sleep_until(last + timeout)),
            last,
            tripped: false,
        }
    }
}

impl<S> Stream for StallGuard<S>
where
    S: Stream<Item = Result<Bytes, TransportError>> + Unpin,
{
    type Item = Result<Bytes, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.tripped {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = self.inner.poll_next_unpin(cx) {
            self.last = Instant::now();
            return Poll::Ready(item);
        }
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let deadline = self.last + self.timeout;
            if deadline <= self.timer.deadline() {
                self.tripped = true;
                return Poll::Ready(Some(Err(TransportError::Stalled(self.timeout))));
            }
            // Bytes came since the timer was set: the silence is counted from the last of them.
            self.timer.as_mut().reset(deadline);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::mpsc;
    use futures::stream;

    type Item = Result<Bytes, TransportError>;

    const TIMEOUT: Duration = Duration::from_secs(10);

    fn guard() -> (
        mpsc::UnboundedSender<Item>,
        StallGuard<mpsc::UnboundedReceiver<Item>>,
    ) {
        let (tx, rx) = mpsc::unbounded();
        (tx, StallGuard::new(rx, TIMEOUT))
    }

    fn bytes() -> Item {
        Ok(Bytes::from_static(b"data: {}\n\n"))
    }

    /// Whether the guard has nothing to say at this moment.
    fn pending(g: &mut StallGuard<mpsc::UnboundedReceiver<Item>>) -> bool {
        futures::FutureExt::now_or_never(g.next()).is_none()
    }

    #[tokio::test(start_paused = true)]
    async fn frames_do_not_move_the_timer_and_a_stall_is_still_caught_on_time() {
        let start = Instant::now();
        let (tx, mut g) = guard();
        for _ in 0..3 {
            tokio::time::advance(Duration::from_secs(3)).await;
            tx.unbounded_send(bytes()).unwrap();
            assert!(g.next().await.unwrap().is_ok());
        }
        // Three frames, and the timer is still the one set at the start.
        assert_eq!(g.timer.deadline(), start + TIMEOUT);
        let last = Instant::now();
        tokio::time::advance(TIMEOUT - Duration::from_millis(1)).await;
        assert!(pending(&mut g), "bytes came 9.999 s ago: no stall yet");
        assert_eq!(
            g.timer.deadline(),
            last + TIMEOUT,
            "re-armed once, when it fired"
        );
        let failed = g.next().await;
        assert_eq!(Instant::now(), last + TIMEOUT);
        assert!(matches!(failed, Some(Err(TransportError::Stalled(t))) if t == TIMEOUT));
        assert!(g.next().await.is_none(), "nothing after the stall");
    }

    #[tokio::test(start_paused = true)]
    async fn silence_from_the_start_is_a_stall_after_the_timeout() {
        let start = Instant::now();
        let (_tx, mut g) = guard();
        assert!(pending(&mut g));
        let failed = g.next().await;
        assert_eq!(Instant::now(), start + TIMEOUT);
        assert!(matches!(failed, Some(Err(TransportError::Stalled(_)))));
    }

    #[tokio::test(start_paused = true)]
    async fn the_end_of_the_body_passes_through() {
        let mut g = StallGuard::new(stream::iter(vec![bytes()]), TIMEOUT);
        assert!(g.next().await.unwrap().is_ok());
        assert!(g.next().await.is_none());
    }
}
