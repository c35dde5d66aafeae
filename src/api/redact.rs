//! The configured key(s) are never kept or shown, even when a server echoes them back (in a
//! 401 message, an error's `metadata.raw`, a provider name or the answer itself). Everything a
//! server sends is scrubbed here before it leaves `api`: whole bodies and SSE lines as bytes,
//! and streamed text as it arrives, holding back a possible start of a key cut between deltas.

use std::borrow::Cow;
use std::sync::Arc;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Shorter "keys" are placeholders (`EMPTY` for vLLM, `ollama`): not secret, and replacing
/// every such word in answers would corrupt them.
pub const MIN_SECRET_LEN: usize = 8;

/// The secrets one endpoint knows: its API key, and a user or password in its base URL.
#[derive(Debug, Clone, Default)]
pub struct Secrets(Arc<[String]>);

impl Secrets {
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut list: Vec<String> = secrets
            .into_iter()
            .map(Into::into)
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .collect();
        // Longest first, so a key that contains another is replaced whole.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        list.dedup();
        Self(list.into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every secret replaced.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for s in self.0.iter() {
            if out.contains(s.as_str()) {
                out = Cow::Owned(out.replace(s.as_str(), REDACTED));
            }
        }
        out
    }

    pub fn scrub_string(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.scrub(text) {
            *text = clean;
        }
    }

    pub fn scrub_opt(&self, text: &mut Option<String>) {
        if let Some(t) = text {
            self.scrub_string(t);
        }
    }

    /// A body or line as bytes, before it is parsed. Secrets are ASCII in practice; bytes
    /// that are not UTF-8 are matched as they are.
    pub fn scrub_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        self.scrub_bytes_with(&self.finders(), bytes)
    }

    /// One searcher per secret, in order, for `scrub_bytes_with`.
    pub fn finders(&self) -> Vec<memchr::memmem::Finder<'static>> {
        self.0
            .iter()
            .map(|s| memchr::memmem::Finder::new(s.as_bytes()).into_owned())
            .collect()
    }

    /// `scrub_bytes` with searchers built once (`finders`), for the many lines of a stream.
    pub fn scrub_bytes_with<'a>(
        &self,
        finders: &[memchr::memmem::Finder<'static>],
        bytes: &'a [u8],
    ) -> Cow<'a, [u8]> {
        let mut out = Cow::Borrowed(bytes);
        for (s, finder) in self.0.iter().zip(finders) {
            if finder.find(&out).is_none() {
                continue;
            }
            let mut fixed = Vec::with_capacity(out.len());
            let mut rest: &[u8] = &out;
            while let Some(i) = finder.find(rest) {
                fixed.extend_from_slice(&rest[..i]);
                fixed.extend_from_slice(REDACTED.as_bytes());
                rest = &rest[i + s.len()..];
            }
            fixed.extend_from_slice(rest);
            out = Cow::Owned(fixed);
        }
        out
    }

    /// How many trailing bytes of `text` could be the start of a secret.
    fn possible_start(&self, text: &str) -> usize {
        let longest = self.0.first().map_or(0, String::len);
        let mut held = 0;
        for (i, _) in text.char_indices().rev() {
            let tail = &text[i..];
            if tail.len() >= longest {
                break;
            }
            if self
                .0
                .iter()
                .any(|s| s.len() > tail.len() && s.starts_with(tail))
            {
                held = tail.len();
            }
        }
        held
    }
}

/// Scrubs text that arrives in pieces: a key split between two deltas is still caught.
#[derive(Debug, Clone, Default)]
pub struct StreamScrubber {
    held: String,
}

impl StreamScrubber {
    /// The part of the text so far that is safe to pass on.
    pub fn push(&mut self, secrets: &Secrets, piece: &str) -> String {
        if secrets.is_empty() {
            return piece.to_owned();
        }
        self.held.push_str(piece);
        // The held text becomes the piece passed on (one allocation per piece, not three);
        // what may start a key goes back to be held.
        let mut out = match secrets.scrub(&self.held) {
            Cow::Borrowed(_) => std::mem::take(&mut self.held),
            Cow::Owned(clean) => {
                self.held.clear();
                clean
            }
        };
        let cut = out.len() - secrets.possible_start(&out);
        self.held.push_str(&out[cut..]);
        out.truncate(cut);
        out
    }

    /// What is still held back, at the end of the stream: it was not a key after all.
    pub fn flush(&mut self) -> String {
        std::mem::take(&mut self.held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-or-v1-0123456789abcdef";

    #[test]
    fn every_copy_is_replaced_and_short_placeholders_are_not_secrets() {
        let s = Secrets::new([KEY, "EMPTY"]);
        assert_eq!(
            s.scrub(&format!("bad key {KEY} ({KEY}) EMPTY")),
            "bad key <redacted> (<redacted>) EMPTY"
        );
        let body = format!(r#"{{"error":{{"message":"{KEY}"}}}}"#);
        assert_eq!(
            &*s.scrub_bytes(body.as_bytes()),
            br#"{"error":{"message":"<redacted>"}}"#
        );
    }

    #[test]
    fn a_key_cut_anywhere_between_deltas_is_caught() {
        let s = Secrets::new([KEY]);
        let text = format!("your key is {KEY}, and sk-or is a prefix.");
        for cut in 1..text.len() {
            for cut2 in [cut, (cut + 5).min(text.len())] {
                let mut sc = StreamScrubber::default();
                let mut out = sc.push(&s, &text[..cut]);
                out += &sc.push(&s, &text[cut..cut2]);
                out += &sc.push(&s, &text[cut2..]);
                out += &sc.flush();
                assert_eq!(out, "your key is <redacted>, and sk-or is a prefix.");
            }
        }
    }

    #[test]
    fn text_that_only_looks_like_a_start_is_released_at_the_end() {
        let s = Secrets::new([KEY]);
        let mut sc = StreamScrubber::default();
        assert_eq!(sc.push(&s, "héllo sk-"), "héllo ");
        assert_eq!(sc.flush(), "sk-");
    }
}
