//! A way past JSON for the chunks that make up nearly all of a stream. A provider repeats every
//! field of a text delta but the text (id, model, provider, created, index, role, the null
//! finish reasons), so a chunk whose bytes equal the last text-only chunk's everywhere outside
//! its `delta.content` string is that chunk with other text: only the string is read. Decoding
//! each chunk's JSON was 40% of `ask`'s instructions in a flood (issue 10).
//!
//! Why the answer is exact: the template is a chunk that was parsed whole and found to carry
//! text and nothing else, in which `"content"` occurs once, as a key, and which has no
//! backslash outside that key's string, so no escaped key (`"cont\u0065nt"`) can be the one
//! serde read. A new chunk with the same bytes before that string and after it, and between
//! them exactly one JSON string (serde checks that), has the same tokens but for that one
//! string: parsed whole, it would give the template's chunk with this text.

use std::borrow::Cow;

use serde::Deserialize;

use super::wire::Chunk;

/// Templates the next chunk missed, in a row, before none is learnt for the rest of the stream.
const GIVE_UP: u32 = 8;

#[derive(Debug, Default)]
pub(super) struct Template {
    /// The template chunk's bytes; empty when there is none.
    line: String,
    /// Its `content` string: where the opening quote is, and just past the closing one.
    start: usize,
    end: usize,
    /// Chunks in a row that did not match the template. A provider that varies another field
    /// in every chunk (OpenAI's `obfuscation` padding) never matches; after `GIVE_UP` misses
    /// such a stream stops paying for templates it cannot use.
    misses: u32,
}

/// A JSON string, borrowed from the line when it has no escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl Template {
    /// The text of `data` when `data` is the template's chunk but for its text.
    pub fn text<'a>(&mut self, data: &'a str) -> Option<Cow<'a, str>> {
        if self.line.is_empty() {
            return None;
        }
        let text = self.matching(data);
        if text.is_some() {
            self.misses = 0;
        } else {
            self.misses += 1;
        }
        text
    }

    fn matching<'a>(&self, data: &'a str) -> Option<Cow<'a, str>> {
        if self.line.is_empty() {
            return None;
        }
        let suffix = &self.line.as_bytes()[self.end..];
        let text_end = data.len().checked_sub(suffix.len())?;
        if text_end < self.start {
            return None;
        }
        let bytes = data.as_bytes();
        if bytes[..self.start] != self.line.as_bytes()[..self.start] || &bytes[text_end..] != suffix
        {
            return None;
        }
        serde_json::from_str::<Text<'a>>(data.get(self.start..text_end)?)
            .ok()
            .map(|t| t.0)
    }

    /// Makes `data` the template when `chunk`, its parse, carries only text; otherwise there
    /// is none until the next chunk that does.
    pub fn learn(&mut self, data: &str, chunk: &Chunk<'_>) {
        self.line.clear();
        if self.misses >= GIVE_UP {
            return;
        }
        let Some(text) = text_only(chunk) else {
            return;
        };
        let Some((start, end)) = content_span(data) else {
            return;
        };
        let escaped = |s: &str| memchr::memchr(b'\\', s.as_bytes()).is_some();
        if escaped(&data[..start]) || escaped(&data[end..]) {
            return;
        }
        // What `text` would read from this very line must be what serde read.
        let read = serde_json::from_str::<Text<'_>>(&data[start..end]).ok();
        if read.is_none_or(|t| t.0 != text) {
            return;
        }
        self.line.push_str(data);
        self.start = start;
        self.end = end;
    }

    pub fn forget(&mut self) {
        self.line.clear();
    }
}

/// The chunk's text, when it carries text and nothing else: one choice, no finish reason,
/// reasoning, citations, usage or error. Written out field by field, so that a field added to
/// the wire types does not compile until it is decided here.
fn text_only<'c>(chunk: &'c Chunk<'_>) -> Option<&'c str> {
    let Chunk {
        id: _,
        model: _,
        provider: _,
        choices,
        usage,
        error,
    } = chunk;
    let [choice] = choices.as_deref()? else {
        return None;
    };
    let super::wire::Choice {
        delta,
        finish_reason,
        native_finish_reason,
        error: choice_error,
    } = choice;
    let super::wire::Delta {
        content,
        reasoning,
        reasoning_content,
        reasoning_details,
        annotations,
    } = delta.as_ref()?;
    let quiet = usage.is_none()
        && error.is_none()
        && choice_error.is_none()
        && finish_reason.is_none()
        && native_finish_reason.is_none()
        && reasoning.is_none()
        && reasoning_content.is_none()
        && reasoning_details.is_none()
        && annotations.is_none();
    if quiet { content.as_deref() } else { None }
}

/// Where the string after the only `"content"` key is: its opening quote, and just past its
/// closing one. In valid JSON a `"content"` is a string token (inside a string every quote is
/// escaped), and the colon after it makes it a key.
fn content_span(data: &str) -> Option<(usize, usize)> {
    const KEY: &str = "\"content\"";
    let at = data.find(KEY)? + KEY.len();
    if data[at..].contains(KEY) {
        return None;
    }
    let blank = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let rest = data[at..].trim_start_matches(blank).strip_prefix(':')?;
    let rest = rest.trim_start_matches(blank);
    if !rest.starts_with('"') {
        return None;
    }
    let start = data.len() - rest.len();
    let bytes = data.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some((start, i + 1)),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::StreamEvent;
    use crate::api::sse::ChunkDecoder;
    use proptest::prelude::*;

    /// The events of `lines` decoded as the stream does, and decoded with every chunk parsed
    /// whole.
    fn both_ways(lines: &[String]) -> (Vec<StreamEvent>, Vec<StreamEvent>) {
        let (mut fast, mut whole) = (ChunkDecoder::new(), ChunkDecoder::new());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for line in lines {
            let over = fast.feed(line, &mut a);
            whole.template.forget();
            assert_eq!(over, whole.feed(line, &mut b), "{line}");
        }
        fast.end(StreamEvent::Done, &mut a);
        whole.end(StreamEvent::Done, &mut b);
        (a, b)
    }

    #[test]
    fn every_recording_decodes_as_if_each_chunk_were_parsed_whole() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut dirs = vec![std::path::PathBuf::from(root)];
        let mut streams = 0;
        let mut taken = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "sse") {
                    continue;
                }
                let body = std::fs::read_to_string(&path).unwrap();
                let lines: Vec<String> = body
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|l| l.trim().to_owned())
                    .collect();
                let (fast, whole) = both_ways(&lines);
                assert_eq!(fast, whole, "{}", path.display());
                let mut d = ChunkDecoder::new();
                let mut out = Vec::new();
                for line in &lines {
                    if d.template.matching(line.trim()).is_some() {
                        taken += 1;
                    }
                    d.feed(line, &mut out);
                }
                streams += 1;
            }
        }
        assert!(streams >= 20, "{streams} recordings");
        assert!(taken > 100, "the way past JSON was taken {taken} times");
    }

    fn chunk_line(id: u8, text: &str, extra: &str) -> String {
        let text = serde_json::to_string(text).unwrap();
        format!(
            r#"{{"id":"gen-{id}","model":"m/a","provider":"P","choices":[{{"index":0,"delta":{{"content":{text},"role":"assistant"{extra}}},"finish_reason":null}}]}}"#
        )
    }

    /// A text-only chunk of `text` with `from` replaced by `to`.
    fn edited(text: &str, from: &str, to: &str) -> String {
        chunk_line(0, text, "").replace(from, to)
    }

    fn any_line() -> impl Strategy<Value = String> {
        const NULL: &str = "\"finish_reason\":null";
        const USAGE: &str = "}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}";
        let text = prop_oneof![
            "[a-z ]{0,6}",
            "[\\\"{}:,\\[\\]a-z\n\u{1b}\u{e9}\u{65e5}]{0,8}",
            Just("\"content\":\"x\"".to_owned()),
        ];
        prop_oneof![
            8 => (0u8..2, text.clone()).prop_map(|(id, t)| chunk_line(id, &t, "")),
            1 => text.clone().prop_map(|t| chunk_line(0, &t, r#","reasoning":"r""#)),
            1 => text.clone().prop_map(|t| edited(&t, NULL, "\"finish_reason\":\"stop\"")),
            1 => text.clone().prop_map(|t| edited(&t, "}]}", USAGE)),
            1 => "[ -~]{0,40}",
            // Changes of the same length as what they replace, before the text and after it.
            1 => text.clone().prop_map(|t| edited(&t, "m/a", "m/b")),
            1 => text.clone().prop_map(|t| edited(&t, NULL, "\"finish_reason\":\"nu\"")),
        ]
    }

    proptest! {
        #[test]
        fn any_stream_decodes_as_if_each_chunk_were_parsed_whole(
            lines in proptest::collection::vec(any_line(), 0..40)
        ) {
            let (fast, whole) = both_ways(&lines);
            prop_assert_eq!(fast, whole);
        }
    }

    fn learnt(line: &str) -> Template {
        let mut t = Template::default();
        let chunk: Chunk<'_> = serde_json::from_str(line).unwrap();
        t.learn(line, &chunk);
        t
    }

    const LINE: &str = r#"{"id":"gen-1","model":"m/a","provider":"P","choices":[{"index":0,"delta":{"content":"Hello","role":"assistant"},"finish_reason":null}]}"#;

    #[test]
    fn a_chunk_like_the_last_but_for_its_text_is_read_without_parsing_it() {
        let mut t = learnt(LINE);
        assert!(!t.line.is_empty());
        for text in ["", " world", "a \\\"quoted\\\" \\u00e9 \\n", "日本"] {
            let line = LINE.replace("\"Hello\"", &format!("\"{text}\""));
            let want: Chunk<'_> = serde_json::from_str(&line).unwrap();
            let want = want.choices.unwrap()[0]
                .delta
                .as_ref()
                .unwrap()
                .content
                .clone()
                .unwrap();
            assert_eq!(t.text(&line), Some(want), "{line}");
        }
    }

    #[test]
    fn anything_else_is_left_to_the_parser() {
        let mut t = learnt(LINE);
        for line in [
            // Another field changed, before or after the text.
            LINE.replace("gen-1", "gen-2"),
            LINE.replace("\"role\"", "\"rolf\""),
            LINE.replace("\"finish_reason\":null", "\"finish_reason\":\"stop\""),
            // The text's place holds more than one string.
            LINE.replace("\"Hello\"", r#""a","reasoning":"b""#),
            LINE.replace("\"Hello\"", r#""a"}, "x":{"y":"b""#),
            LINE.replace("\"Hello\"", "\"unterminated\\\""),
            LINE.replace("\"Hello\"", "null"),
            LINE.replace("\"Hello\"", "12"),
            // Shorter than the template's bytes around the text.
            "{}".to_owned(),
            String::new(),
        ] {
            assert_eq!(t.text(&line), None, "{line}");
        }
    }

    #[test]
    fn a_stream_whose_chunks_never_match_stops_learning_templates() {
        // OpenAI's padding: another field that differs in every chunk.
        let padded = |i: usize| {
            LINE.replace(
                "}]}",
                &format!("}}],\"obfuscation\":\"{}\"}}", "x".repeat(i % 7)),
            )
        };
        let mut d = ChunkDecoder::new();
        let mut out = Vec::new();
        for i in 0..GIVE_UP as usize {
            d.feed(&padded(i), &mut out);
            assert!(!d.template.line.is_empty(), "chunk {i} is learnt");
        }
        d.feed(&padded(GIVE_UP as usize), &mut out);
        assert!(
            d.template.line.is_empty(),
            "after {GIVE_UP} misses, no more"
        );
        assert_eq!(
            out.iter()
                .filter(|e| matches!(e, StreamEvent::Content(_)))
                .count(),
            9
        );
        // A match resets the count.
        let mut t = learnt(LINE);
        t.misses = GIVE_UP - 1;
        assert!(t.text(&LINE.replace("Hello", "Hi")).is_some());
        assert_eq!(t.misses, 0);
    }

    #[test]
    fn only_a_text_only_chunk_with_one_plain_content_key_becomes_the_template() {
        for line in [
            // Not text only.
            LINE.replace("\"finish_reason\":null", "\"finish_reason\":\"stop\""),
            LINE.replace("\"role\"", "\"reasoning\":\"r\",\"role\""),
            LINE.replace("}]}", "}],\"usage\":{\"prompt_tokens\":1}}"),
            LINE.replace("\"index\":0,", "\"index\":0,\"error\":{\"message\":\"x\"},"),
            // A second `"content"` key somewhere serde ignores.
            LINE.replace("\"index\":0", "\"logprobs\":{\"content\":[]}"),
            // An escape outside the text: a key might hide behind it.
            LINE.replace("m/a", "m\\/a"),
        ] {
            assert!(learnt(&line).line.is_empty(), "{line}");
        }
        // The content key's name escaped: serde reads it, the template never does.
        let escaped = LINE.replace("\"content\"", "\"cont\\u0065nt\"");
        assert!(learnt(&escaped).line.is_empty());
        // Text with escapes is fine: they are inside the string.
        let quoted = LINE.replace("\"Hello\"", r#""say \"hi\"\n""#);
        assert!(!learnt(&quoted).line.is_empty());
    }
}
