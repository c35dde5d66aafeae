//! Bytes from the socket → whole SSE lines → the `data` of each event, in one pass.
//!
//! `eventsource-stream` was used for the SSE part and did two things badly. It re-scanned its
//! whole buffer each time bytes arrived without a line end, so one long `data:` line cost time
//! quadratic in its length (8 MB took 9 s, 50 MB never finished: upstream issue
//! <https://github.com/jpopesculian/eventsource-stream/issues/11>); here each byte is looked
//! at once and a line longer than the cap is refused with a clear error. And one invalid UTF-8
//! byte anywhere (even in a comment) failed its whole stream; here bad bytes become U+FFFD,
//! are counted, and the answer goes on. Its field parsing (a second copy of every line, and a
//! `String` per event) cost as much as the rest of the decoding, so the few SSE rules the chat
//! protocol needs are applied here to the lines as they are framed (`EventParser`).

use memchr::memmem::Finder;

use super::redact::Secrets;

/// The longest SSE line accepted by default. OpenRouter's largest chunks (a signed or
/// encrypted reasoning item) are tens of KB; 8 MiB leaves room for any honest server.
pub const DEFAULT_MAX_LINE: usize = 8 * 1024 * 1024;

/// Splits bytes into lines (each ending with its `\n` or `\r`, the last one maybe not), each
/// valid UTF-8 and scrubbed of secrets. Pure, so it is tested and fuzzed without a socket.
#[derive(Debug)]
pub struct LineFramer {
    pending: Vec<u8>,
    max_line: usize,
    /// Invalid UTF-8 sequences replaced so far.
    replaced: u64,
    secrets: Secrets,
    /// Built once: building a finder per secret per line cost more than the search.
    finders: Vec<Finder<'static>>,
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
            finders: secrets.finders(),
            secrets,
            started: false,
        }
    }

    pub fn replaced(&self) -> u64 {
        self.replaced
    }

    /// Adds `data`; every line it completes goes to `each`, with the count of replaced
    /// sequences so far.
    pub fn push(
        &mut self,
        data: &[u8],
        each: &mut impl FnMut(&str, u64),
    ) -> Result<(), LineTooLong> {
        if self.started {
            return self.lines(data, each);
        }
        // Leading byte-order marks go here, whatever the reads: they are not part of a line.
        self.pending.extend_from_slice(data);
        while self.pending.starts_with(BOM) {
            self.pending.drain(..BOM.len());
        }
        if BOM.starts_with(&self.pending) {
            return Ok(());
        }
        self.started = true;
        let data = std::mem::take(&mut self.pending);
        self.lines(&data, each)
    }

    fn lines(
        &mut self,
        mut data: &[u8],
        each: &mut impl FnMut(&str, u64),
    ) -> Result<(), LineTooLong> {
        while let Some(i) = memchr::memchr2(b'\n', b'\r', data) {
            let (line, rest) = data.split_at(i + 1);
            // The line end itself does not count against the cap.
            if self.pending.len() + i > self.max_line {
                return Err(self.too_long());
            }
            if self.pending.is_empty() {
                // The usual case: the whole line is in this read, so it is not copied.
                self.emit(line, each);
            } else {
                self.pending.extend_from_slice(line);
                let mut whole = std::mem::take(&mut self.pending);
                self.emit(&whole, each);
                whole.clear();
                self.pending = whole;
            }
            data = rest;
        }
        if self.pending.len() + data.len() > self.max_line {
            return Err(self.too_long());
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }

    /// The unfinished last line, at the end of the body.
    pub fn finish(&mut self, each: &mut impl FnMut(&str, u64)) {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line, each);
        }
    }

    fn too_long(&mut self) -> LineTooLong {
        self.pending = Vec::new();
        LineTooLong { max: self.max_line }
    }

    /// The line as valid UTF-8, without secrets. A line end is ASCII, so no character is ever
    /// cut between two lines and each line can be checked alone.
    fn emit(&mut self, line: &[u8], each: &mut impl FnMut(&str, u64)) {
        let line = self.secrets.scrub_bytes_with(&self.finders, line);
        if let Ok(text) = std::str::from_utf8(&line) {
            return each(text, self.replaced);
        }
        let mut fixed = String::with_capacity(line.len() + 8);
        for chunk in line.utf8_chunks() {
            fixed.push_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                fixed.push(char::REPLACEMENT_CHARACTER);
                self.replaced += 1;
            }
        }
        each(&fixed, self.replaced)
    }
}

/// Whole lines → the `data` of each event, after the HTML spec's "Interpreting an event
/// stream": `data` fields are joined with `\n` and dispatched by an empty line, an event with
/// no `data` field is not dispatched, and an unfinished event at the end is dropped. The chat
/// protocol reads nothing else, so comments, `event`, `id`, `retry` and unknown fields are
/// ignored.
#[derive(Debug)]
pub struct EventParser {
    data: String,
    /// The most an event's joined `data` may hold: many short `data:` lines without the blank
    /// line that ends an event would otherwise grow it without end, past the line cap.
    max: usize,
    /// A `data` field came since the last dispatch (it may have been empty).
    has_data: bool,
    /// The last line ended with `\r`: a lone `\n` next is the rest of its `\r\n`.
    after_cr: bool,
}

impl EventParser {
    /// An event's data may hold at most `max` bytes (the line cap serves).
    pub fn new(max: usize) -> Self {
        Self {
            data: String::new(),
            max: max.max(1),
            has_data: false,
            after_cr: false,
        }
    }

    /// One line from `LineFramer`; the data of the event it completes, if it does. An event
    /// whose data passes the cap is refused like a line that does.
    pub fn line(&mut self, line: &str) -> Result<Option<&str>, LineTooLong> {
        let after_cr = std::mem::replace(&mut self.after_cr, line.ends_with('\r'));
        if after_cr && line == "\n" {
            return Ok(None);
        }
        // A line without its end is the unfinished last one: dropped, as the spec says.
        let Some(body) = line.strip_suffix(['\n', '\r']) else {
            return Ok(None);
        };
        if body.is_empty() {
            if !std::mem::take(&mut self.has_data) {
                return Ok(None);
            }
            return Ok(Some(&self.data));
        }
        if body.starts_with(':') {
            return Ok(None);
        }
        let (name, value) = match body.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (body, ""),
        };
        if name == "data" {
            if self.has_data {
                self.data.push('\n');
            } else {
                self.data.clear();
                self.has_data = true;
            }
            if self.data.len() + value.len() > self.max {
                self.data = String::new();
                self.has_data = false;
                return Err(LineTooLong { max: self.max });
            }
            self.data.push_str(value);
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(pieces: &[&[u8]], max: usize) -> (Result<Vec<String>, LineTooLong>, u64) {
        let mut f = LineFramer::new(max, Secrets::default());
        let mut out = Vec::new();
        let mut each = |line: &str, _| out.push(line.to_owned());
        for p in pieces {
            if let Err(e) = f.push(p, &mut each) {
                return (Err(e), f.replaced());
            }
        }
        f.finish(&mut each);
        (Ok(out), f.replaced())
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

    /// The data of every event the lines dispatch.
    fn events(lines: &[&str]) -> Vec<String> {
        let mut p = EventParser::new(DEFAULT_MAX_LINE);
        lines
            .iter()
            .filter_map(|l| p.line(l).unwrap().map(str::to_owned))
            .collect()
    }

    #[test]
    fn data_fields_join_and_an_empty_line_dispatches_them() {
        let got = events(&["data: a\n", "data:b\n", "data:  c\n", "data\n", "\n"]);
        assert_eq!(got, ["a\nb\n c\n"]);
        let got = events(&["data\n", "\n", "data: \n", "\n"]);
        assert_eq!(got, ["", ""], "an empty data field still makes an event");
    }

    #[test]
    fn comments_other_fields_and_events_without_data_are_not_dispatched() {
        let got = events(&[
            ": OPENROUTER PROCESSING\n",
            "\n",
            "event: ping\n",
            "id: 7\n",
            "retry: 100\n",
            "\n",
            "Data: x\n",
            "\n",
            "event: message\n",
            "data: {}\n",
            "\n",
        ]);
        assert_eq!(got, ["{}"]);
    }

    #[test]
    fn cr_and_crlf_end_lines_and_the_unfinished_last_event_is_dropped() {
        let got = events(&["data: a\r", "\n", "\r", "\n", "data: b\r", "\r", "\n", "\n"]);
        assert_eq!(got, ["a", "b"], "the LF of a CRLF is no empty line");
        let got = events(&["data: a\n", "\n", "data: b\n", "data: c"]);
        assert_eq!(got, ["a"]);
    }

    #[test]
    fn a_secret_is_scrubbed_from_lines_whatever_the_reads() {
        let key = "sk-or-v1-0123456789abcdef";
        let body = format!("data: {key}\n: {key}{key}\n");
        for cut in 1..body.len() {
            let mut f = LineFramer::new(100, Secrets::new([key]));
            let mut out = Vec::new();
            let mut each = |line: &str, _| out.push(line.to_owned());
            f.push(&body.as_bytes()[..cut], &mut each).unwrap();
            f.push(&body.as_bytes()[cut..], &mut each).unwrap();
            assert_eq!(out, ["data: <redacted>\n", ": <redacted><redacted>\n"]);
        }
    }
}
