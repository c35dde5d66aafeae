//! Bytes from the socket → whole SSE lines, before `eventsource-stream` parses them.
//!
//! Two things the parser does badly are done here instead. It re-scans its whole buffer each
//! time bytes arrive without a line end, so one long `data:` line costs time quadratic in its
//! length (8 MB took 9 s, 50 MB never finished: upstream issue
//! <https://github.com/jpopesculian/eventsource-stream/issues/11>); here each byte is looked
//! at once and a line longer than the cap is refused with a clear error. And one invalid UTF-8
//! byte anywhere (even in a comment) fails its whole stream; here bad bytes become U+FFFD,
//! are counted, and the answer goes on.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::{Stream, StreamExt};

use super::redact::Secrets;
use super::sse::TransportError;

/// The longest SSE line accepted by default. OpenRouter's largest chunks (a signed or
/// encrypted reasoning item) are tens of KB; 8 MiB leaves room for any honest server.
pub const DEFAULT_MAX_LINE: usize = 8 * 1024 * 1024;

/// Splits bytes into lines (each ending with its `\n` or `\r`, the last one maybe not), each
/// valid UTF-8. Pure, so it is tested and fuzzed without a socket.
#[derive(Debug)]
pub struct LineFramer {
    pending: Vec<u8>,
    max_line: usize,
    /// Invalid UTF-8 sequences replaced so far.
    replaced: u64,
    secrets: Secrets,
    /// Past the byte-order marks at the start of the body.
    started: bool,
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// A line longer than the cap: the stream is refused rather than buffered without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong {
    pub max: usize,
}

impl LineFramer {
    pub fn new(max_line: usize, secrets: Secrets) -> Self {
        Self {
            pending: Vec::new(),
            max_line: max_line.max(1),
            replaced: 0,
            secrets,
            started: false,
        }
    }

    pub fn replaced(&self) -> u64 {
        self.replaced
    }

    /// Adds `data`; every line it completes goes to `out`.
    pub fn push(&mut self, data: &[u8], out: &mut VecDeque<Bytes>) -> Result<(), LineTooLong> {
        if self.started {
            return self.lines(data, out);
        }
        // Leading byte-order marks go here: `eventsource-stream` strips one by slicing off one
        // byte of its three, and panics (found by the fuzz tests).
        self.pending.extend_from_slice(data);
        while self.pending.starts_with(BOM) {
            self.pending.drain(..BOM.len());
        }
        if BOM.starts_with(&self.pending) {
            return Ok(());
        }
        self.started = true;
        let data = std::mem::take(&mut self.pending);
        self.lines(&data, out)
    }

    fn lines(&mut self, mut data: &[u8], out: &mut VecDeque<Bytes>) -> Result<(), LineTooLong> {
        while let Some(i) = memchr::memchr2(b'\n', b'\r', data) {
            let (line, rest) = data.split_at(i + 1);
            // The line end itself does not count against the cap.
            if self.pending.len() + i > self.max_line {
                return Err(self.too_long());
            }
            self.pending.extend_from_slice(line);
            let line = std::mem::take(&mut self.pending);
            out.push_back(self.valid(line));
            data = rest;
        }
        if self.pending.len() + data.len() > self.max_line {
            return Err(self.too_long());
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }

    /// The unfinished last line, at the end of the body.
    pub fn finish(&mut self, out: &mut VecDeque<Bytes>) {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            out.push_back(self.valid(line));
        }
    }

    fn too_long(&mut self) -> LineTooLong {
        self.pending = Vec::new();
        LineTooLong { max: self.max_line }
    }

    /// The line as valid UTF-8, without secrets. A line end is ASCII, so no character is ever
    /// cut between two lines and each line can be checked alone.
    fn valid(&mut self, line: Vec<u8>) -> Bytes {
        let line = match self.secrets.scrub_bytes(&line) {
            std::borrow::Cow::Owned(clean) => clean,
            std::borrow::Cow::Borrowed(_) => line,
        };
        if std::str::from_utf8(&line).is_ok() {
            return Bytes::from(line);
        }
        let mut fixed = String::with_capacity(line.len() + 8);
        for chunk in line.utf8_chunks() {
            fixed.push_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                fixed.push(char::REPLACEMENT_CHARACTER);
                self.replaced += 1;
            }
        }
        Bytes::from(fixed)
    }
}

/// `LineFramer` over a byte stream. The count of replaced sequences is shared with whoever
/// turns the events into answers, since the SSE parser in between cannot carry it.
pub struct Lines<S> {
    inner: S,
    framer: LineFramer,
    ready: VecDeque<Bytes>,
    replaced: Arc<AtomicU64>,
    ended: bool,
}

impl<S> Lines<S> {
    pub fn new(inner: S, max_line: usize, secrets: Secrets) -> (Self, Arc<AtomicU64>) {
        let replaced = Arc::new(AtomicU64::new(0));
        let lines = Self {
            inner,
            framer: LineFramer::new(max_line, secrets),
            ready: VecDeque::new(),
            replaced: replaced.clone(),
            ended: false,
        };
        (lines, replaced)
    }
}

impl<S> Stream for Lines<S>
where
    S: Stream<Item = Result<Bytes, TransportError>> + Unpin,
{
    type Item = Result<Bytes, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            // One line per item: the parser then never holds more than one line.
            if let Some(line) = self.ready.pop_front() {
                return Poll::Ready(Some(Ok(line)));
            }
            if self.ended {
                return Poll::Ready(None);
            }
            let this = &mut *self;
            match this.inner.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.ended = true;
                    this.framer.finish(&mut this.ready);
                }
                Poll::Ready(Some(Err(e))) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(bytes))) => {
                    let pushed = this.framer.push(&bytes, &mut this.ready);
                    this.replaced
                        .store(this.framer.replaced(), Ordering::Relaxed);
                    if let Err(LineTooLong { max }) = pushed {
                        this.ended = true;
                        this.ready.clear();
                        return Poll::Ready(Some(Err(TransportError::LineTooLong(max))));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(pieces: &[&[u8]], max: usize) -> (Result<Vec<String>, LineTooLong>, u64) {
        let mut f = LineFramer::new(max, Secrets::default());
        let mut out = VecDeque::new();
        for p in pieces {
            if let Err(e) = f.push(p, &mut out) {
                return (Err(e), f.replaced());
            }
        }
        f.finish(&mut out);
        let text = out
            .into_iter()
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
            .collect();
        (Ok(text), f.replaced())
    }

    #[test]
    fn lines_keep_their_ends_whatever_the_reads() {
        let (got, _) = lines(
            &[b"data: a\r", b"\ndata: b\n", b"\n: c", b"omment\rtail"],
            100,
        );
        assert_eq!(
            got.unwrap(),
            ["data: a\r", "\n", "data: b\n", "\n", ": comment\r", "tail"]
        );
    }

    #[test]
    fn bad_bytes_become_replacement_characters_and_are_counted() {
        let (got, replaced) = lines(&[b": ok \xff\n", b"data: \xe2\x82", b"\xac \xc3\n"], 100);
        assert_eq!(got.unwrap(), [": ok \u{fffd}\n", "data: € \u{fffd}\n"]);
        assert_eq!(replaced, 2);
    }

    #[test]
    fn byte_order_marks_at_the_start_go_whatever_the_reads() {
        let (got, _) = lines(&[b"\xef", b"\xbb", b"\xbf\xef\xbb\xbfdata: a\n"], 100);
        assert_eq!(got.unwrap(), ["data: a\n"]);
        let (got, _) = lines(&[b"data: \xef\xbb\xbf\n"], 100);
        assert_eq!(got.unwrap(), ["data: \u{feff}\n"], "only at the start");
    }

    #[test]
    fn a_line_past_the_cap_is_refused_and_one_at_the_cap_is_not() {
        let (got, _) = lines(&[b"data: 1234\n"], 10);
        assert_eq!(got.unwrap(), ["data: 1234\n"]);
        let (got, _) = lines(&[b"data: 12", b"345"], 10);
        assert_eq!(got, Err(LineTooLong { max: 10 }));
        let (got, _) = lines(&[b"data: 12345\n"], 10);
        assert_eq!(got, Err(LineTooLong { max: 10 }));
    }
}
