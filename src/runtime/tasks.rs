//! Performs `Effect`s: one tokio task per answer stream (aborting it drops the stream, which
//! closes the connection), timers for retries, and the small background fetches (generation
//! records, balance). Every result comes back to the loop as an `Action` over one channel.

use std::collections::HashMap;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use futures::stream::FusedStream;
use futures::{Stream, StreamExt};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

use crate::api::{ApiError, ChatRequest, Clients, Dialect, Generation, StreamEvent};
use crate::app::{AccountInfo, Action, PaneId, RequestId};

/// How long to wait before asking for a generation record, and how often to try: right after
/// a request the record may not exist yet (404).
const RECONCILE_DELAYS: [Duration; 5] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(16),
];

/// Stream events sent in one action at most, so one `update` never holds unbounded work.
const MAX_EVENTS: usize = 256;

/// Stream events sent and not yet taken by the loop, all streams together: as many as the
/// channel held when each event was an action of its own, so the sockets run no further ahead
/// of the screen than they did (a full channel of batches would be 256 times that).
const MAX_IN_FLIGHT: usize = super::ACTION_CHANNEL;

pub struct TaskPool {
    clients: Clients,
    actions: mpsc::Sender<Action>,
    streams: HashMap<RequestId, JoinHandle<()>>,
    /// One permit per stream event that may be in flight (`taken` gives them back).
    in_flight: Arc<Semaphore>,
}

impl TaskPool {
    pub fn new(clients: Clients, actions: mpsc::Sender<Action>) -> Self {
        Self {
            clients,
            actions,
            streams: HashMap::new(),
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        }
    }

    /// The loop took `n` stream events off the channel: streams may send as many more.
    pub fn taken(&self, n: usize) {
        self.in_flight.add_permits(n);
    }

    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// Where background work reports back.
    pub fn sender(&self) -> mpsc::Sender<Action> {
        self.actions.clone()
    }

    pub fn start_stream(&mut self, pane: PaneId, request: RequestId, chat: ChatRequest) {
        self.streams.retain(|_, h| !h.is_finished());
        let clients = self.clients.clone();
        let actions = self.actions.clone();
        let in_flight = self.in_flight.clone();
        let handle = tokio::spawn(async move {
            let stream = clients.stream_chat(&chat).fuse();
            forward(stream, pane, request, &actions, &in_flight).await;
        });
        if let Some(old) = self.streams.insert(request, handle) {
            old.abort();
        }
    }

    pub fn cancel(&mut self, request: RequestId) {
        if let Some(handle) = self.streams.remove(&request) {
            handle.abort();
        }
    }

    pub fn cancel_all(&mut self) {
        for (_, handle) in self.streams.drain() {
            handle.abort();
        }
    }

    pub fn retry_after(&self, pane: PaneId, request: RequestId, after: Duration) {
        let actions = self.actions.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let _ = actions.send(Action::Retry { pane, request }).await;
        });
    }

    pub fn reconcile(&self, pane: PaneId, request: RequestId, generation_id: String) {
        let client = self.clients.default_client().clone();
        let actions = self.actions.clone();
        tokio::spawn(async move {
            let result = if client.endpoint().dialect == Dialect::OpenRouter {
                let mut result = Err(ApiError::Malformed {
                    detail: "not tried".into(),
                });
                for delay in RECONCILE_DELAYS {
                    tokio::time::sleep(delay).await;
                    result = client.generation(&generation_id).await;
                    match &result {
                        Err(e) if e.status() == Some(404) || e.is_transient() => continue,
                        _ => break,
                    }
                }
                result
            } else {
                // No generation records there: the cost stays unknown, without a complaint.
                Ok(Generation::default())
            };
            let _ = actions
                .send(Action::Reconciled {
                    pane,
                    request,
                    result,
                })
                .await;
        });
    }

    /// Credits and the key's limit, for the status bar and the account view.
    /// Lists the providers of `model` for a shoot-out from pane `pane`.
    pub fn fetch_providers(&self, pane: Option<PaneId>, model: &crate::model::ModelRef) {
        let client = self.clients.default_client().clone();
        let actions = self.actions.clone();
        let id = crate::routing::split_variant(model.id()).0.to_owned();
        tokio::spawn(async move {
            let result = client.endpoints(&id).await.map(Box::new);
            let model = id;
            let _ = actions
                .send(Action::Providers {
                    pane,
                    model,
                    result,
                })
                .await;
        });
    }

    pub fn refresh_balance(&self) {
        let client = self.clients.default_client().clone();
        let actions = self.actions.clone();
        tokio::spawn(async move {
            let (credits, key) = tokio::join!(client.credits(), client.key_info());
            let info = AccountInfo { credits, key };
            let _ = actions.send(Action::Account(Box::new(info))).await;
        });
    }
}

/// The next events of `stream`, once there is one, with those that come right behind it (at
/// most `MAX_EVENTS`): per chunk, the channel, the loop's wake-up and `update` cost more than
/// applying the chunk does. The HTTP client hands the body over one frame (one SSE event) at
/// a time from its connection task, so "ready" alone would mean one event: when the body has
/// nothing, this task yields once to let that task bring the next frame, and the batch goes
/// when a turn brought nothing. The batch holds only what came, not room for `MAX_EVENTS`
/// (a full channel holds many batches).
async fn ready_events<S>(stream: &mut S) -> Option<Vec<StreamEvent>>
where
    S: Stream<Item = StreamEvent> + FusedStream + Unpin,
{
    let mut events = vec![stream.next().await?];
    let mut yielded = false;
    while events.len() < MAX_EVENTS {
        let next = std::future::poll_fn(|cx| Poll::Ready(stream.poll_next_unpin(cx))).await;
        match next {
            Poll::Ready(Some(event)) => {
                events.push(event);
                yielded = false;
            }
            Poll::Pending if !yielded => {
                tokio::task::yield_now().await;
                yielded = true;
            }
            Poll::Ready(None) | Poll::Pending => break,
        }
    }
    Some(events)
}

/// Sends `stream`'s events to the loop in batches. Enough events in flight, or a full channel,
/// slow this socket down instead of the UI.
async fn forward<S>(
    mut stream: S,
    pane: PaneId,
    request: RequestId,
    actions: &mpsc::Sender<Action>,
    in_flight: &Semaphore,
) where
    S: Stream<Item = StreamEvent> + FusedStream + Unpin,
{
    while let Some(events) = ready_events(&mut stream).await {
        // A batch is at most MAX_EVENTS, fewer than the permits there are.
        let n = u32::try_from(events.len()).unwrap_or(u32::MAX);
        let Ok(permits) = in_flight.acquire_many(n).await else {
            break;
        };
        let action = Action::Streamed {
            pane,
            request,
            events,
        };
        if actions.send(action).await.is_err() {
            break;
        }
        // Sent: the loop gives them back when it takes the batch (`TaskPool::taken`). A task
        // aborted before this point gives them back as the permits drop.
        permits.forget();
    }
}

/// Runs disk work off the UI thread and reports its result to the loop.
pub fn blocking(actions: mpsc::Sender<Action>, work: impl FnOnce() -> Action + Send + 'static) {
    blocking_maybe(actions, move || Some(work()));
}

/// `blocking`, for work that may have nothing to report.
pub fn blocking_maybe(
    actions: mpsc::Sender<Action>,
    work: impl FnOnce() -> Option<Action> + Send + 'static,
) {
    tokio::spawn(async move {
        if let Ok(Some(action)) = tokio::task::spawn_blocking(work).await {
            let _ = actions.send(action).await;
        }
    });
}

impl Drop for TaskPool {
    fn drop(&mut self) {
        self.cancel_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::mpsc::unbounded;

    fn content(n: usize) -> StreamEvent {
        StreamEvent::Content(format!("{n} "))
    }

    #[tokio::test]
    async fn what_is_ready_goes_together_and_no_more_than_the_cap() {
        let (tx, rx) = unbounded();
        let mut stream = rx.fuse();
        for n in 0..3 {
            tx.unbounded_send(content(n)).unwrap();
        }
        let first = ready_events(&mut stream).await.unwrap();
        assert_eq!(first, (0..3).map(content).collect::<Vec<_>>());
        for n in 3..603 {
            tx.unbounded_send(content(n)).unwrap();
        }
        tx.unbounded_send(StreamEvent::Done).unwrap();
        drop(tx);
        let sizes: Vec<usize> = futures::stream::unfold(stream, |mut s| async move {
            ready_events(&mut s).await.map(|b| (b, s))
        })
        .map(|b| b.len())
        .collect()
        .await;
        assert_eq!(sizes, [MAX_EVENTS, MAX_EVENTS, 600 - 2 * MAX_EVENTS + 1]);
    }

    #[tokio::test]
    async fn a_stream_runs_no_further_ahead_of_the_loop_than_the_events_in_flight() {
        let (tx, rx) = unbounded();
        for n in 0..3 * MAX_IN_FLIGHT {
            tx.unbounded_send(content(n)).unwrap();
        }
        drop(tx);
        let (actions, mut taken) = mpsc::channel(super::super::ACTION_CHANNEL);
        let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
        let permits = in_flight.clone();
        let task = tokio::spawn(async move {
            forward(rx.fuse(), PaneId(1), RequestId(1), &actions, &permits).await;
        });
        let mut received = 0;
        while received < 3 * MAX_IN_FLIGHT {
            // Let the stream send all it may before the loop takes anything.
            for _ in 0..100 {
                tokio::task::yield_now().await;
            }
            let mut now = 0;
            while let Ok(Action::Streamed { events, .. }) = taken.try_recv() {
                now += events.len();
            }
            assert!(now > 0, "the stream goes on once events are taken");
            assert!(now <= MAX_IN_FLIGHT, "{now} events in flight");
            received += now;
            in_flight.add_permits(now);
        }
        task.await.unwrap();
        assert_eq!(received, 3 * MAX_IN_FLIGHT);
    }

    #[tokio::test]
    async fn a_stream_stopped_while_its_batch_waits_for_room_gives_its_permits_back() {
        let (tx, rx) = unbounded();
        for n in 0..2 * MAX_EVENTS {
            tx.unbounded_send(content(n)).unwrap();
        }
        // Room for one action, never taken: the second batch waits to be sent.
        let (actions, _taken) = mpsc::channel(1);
        let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
        let permits = in_flight.clone();
        let task = tokio::spawn(async move {
            forward(rx.fuse(), PaneId(1), RequestId(1), &actions, &permits).await;
        });
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            in_flight.available_permits(),
            MAX_IN_FLIGHT - 2 * MAX_EVENTS
        );
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        // The batch that was sent stays counted until the loop takes it; the other is free.
        assert_eq!(in_flight.available_permits(), MAX_IN_FLIGHT - MAX_EVENTS);
    }

    #[tokio::test]
    async fn frames_handed_over_one_at_a_time_by_another_task_still_go_together() {
        // As the HTTP client's connection task does: one slot, refilled when it is taken.
        let (mut tx, rx) = futures::channel::mpsc::channel(0);
        tokio::spawn(async move {
            for n in 0..40 {
                futures::SinkExt::send(&mut tx, content(n)).await.unwrap();
            }
        });
        let mut stream = rx.fuse();
        let first = ready_events(&mut stream).await.unwrap();
        assert_eq!(first, (0..40).map(content).collect::<Vec<_>>());
        assert!(ready_events(&mut stream).await.is_none());
    }
}
