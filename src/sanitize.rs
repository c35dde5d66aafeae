//! Model output is untrusted: before it reaches a terminal, every escape sequence (CSI, OSC,
//! DCS…), C0 and C1 control, bidirectional override and invisible format character goes.
//! Newlines stay; tabs are kept or expanded as the caller asks. `Clean` is the room's one trust
//! boundary: text that state keeps for the screen has this type, and its only constructors
//! sanitise. JSON printed for scripts keeps the text whole but writes those characters as
//! `\uXXXX` escapes (`write_json_line`).

use std::fmt;
use std::io::{self, Write};
use std::ops::Deref;

/// Tabs in text shown in the room become this (a terminal cell cannot hold a tab).
pub const TAB: &str = "    ";

/// Removes terminal control sequences and control characters from `input`.
/// `tab` is what a tab becomes (`"\t"` to keep it, spaces for a TUI that cannot render it).
pub fn sanitize(input: &str, tab: &str) -> String {
    Sanitizer::default().push(input, tab)
}

/// Where a stream of text stands inside an escape sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum State {
    #[default]
    Text,
    /// After ESC.
    Escape,
    /// Inside CSI: parameters and intermediates until a final byte.
    Csi,
    /// Inside OSC, DCS, SOS, PM or APC: until BEL or ST.
    Str,
    /// ESC inside such a string (the start of ST, `ESC \`).
    StrEscape,
}

/// `sanitize` for text that arrives in pieces: a sequence cut between two stream deltas is
/// still recognised and removed whole, instead of leaving its printable tail (`;;http://…`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sanitizer {
    state: State,
}

impl Sanitizer {
    /// The safe text of the next piece.
    pub fn push(&mut self, input: &str, tab: &str) -> String {
        let mut out = String::with_capacity(input.len());
        let bytes = input.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if self.state == State::Text {
                // Most text holds nothing to remove: a run of bytes none of which can begin an
                // unsafe character is copied whole (reopening a long session sanitises
                // megabytes, and every streamed token comes through here).
                let run = at + first_suspect(&bytes[at..]);
                out.push_str(&input[at..run]);
                at = run;
            }
            // `at` is a char boundary: a suspect byte is ASCII or a UTF-8 lead byte, and any
            // other state moves one whole char at a time.
            let Some(c) = input.get(at..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            at += c.len_utf8();
            self.state = match self.state {
                State::Text => text(c, tab, &mut out),
                State::Escape => match c {
                    '[' => State::Csi,
                    ']' | 'P' | 'X' | '^' | '_' => State::Str,
                    // Two-character escapes (ESC c, ESC 7, …): this character went with it.
                    _ => State::Text,
                },
                // A malformed sequence ends at anything that cannot be part of one, which stays.
                State::Csi if !('\u{20}'..='\u{7e}').contains(&c) => text(c, tab, &mut out),
                State::Csi if ('\u{40}'..='\u{7e}').contains(&c) => State::Text,
                State::Csi => State::Csi,
                State::Str => match c {
                    '\u{7}' | '\u{9c}' => State::Text,
                    '\u{1b}' => State::StrEscape,
                    _ => State::Str,
                },
                // ESC ends the string; a following `\` belongs to it, anything else is text.
                State::StrEscape if c == '\\' => State::Text,
                State::StrEscape => text(c, tab, &mut out),
            };
        }
        out
    }
}

/// Whether `b` may begin a character `text` does not copy as it is: C0 controls but the
/// newline, DEL, and the UTF-8 lead bytes of every range `is_unsafe` names or that starts a
/// sequence (C1 controls, U+061C, U+2000–U+2FFF, U+FE00–U+FFFF, U+E0000 and up). A test
/// checks this against `is_unsafe` for every char. Comparisons rather than a table lookup,
/// so `first_suspect` compiles to vector instructions.
const fn suspect(b: u8) -> bool {
    (b < 0x20 && b != b'\n')
        | (b == 0x7f)
        | (b == 0xc2)
        | (b == 0xd8)
        | (b == 0xe2)
        | (b == 0xef)
        | (b == 0xf3)
}

/// The index of the first suspect byte of `bytes`, or its length. Reopening a long session
/// sanitises every stored answer (tens of MB): blocks of 32 bytes are checked at once and
/// only the block holding a suspect byte is looked at byte by byte.
fn first_suspect(bytes: &[u8]) -> usize {
    const BLOCK: usize = 32;
    let mut at = 0;
    for block in bytes.chunks_exact(BLOCK) {
        if block.iter().fold(false, |any, &b| any | suspect(b)) {
            break;
        }
        at += BLOCK;
    }
    bytes[at..]
        .iter()
        .position(|&b| suspect(b))
        .map_or(bytes.len(), |n| at + n)
}

/// Text safe to draw: no escape sequence, no control character but the newline, no bidi
/// override. Nothing makes one without sanitising, so a view holding a `Clean` needs no check,
/// and a string from a server, a file or a gateway record cannot reach the screen raw: the
/// compiler asks for the conversion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Clean(String);

impl Clean {
    /// A label, a name, a notice or an error: tabs become one space.
    pub fn line(raw: &str) -> Self {
        Self(sanitize(raw, " "))
    }

    /// Text shown as a block (an answer, its reasoning): tabs become `TAB`.
    pub fn text(raw: &str) -> Self {
        Self(sanitize(raw, TAB))
    }

    /// Appends the next piece of a stream, cleaned by that stream's own sanitiser (a sequence
    /// cut between two pieces goes whole).
    pub fn push_piece(&mut self, stream: &mut Sanitizer, piece: &str) {
        self.0.push_str(&stream.push(piece, TAB));
    }

    /// Appends text that is clean already.
    pub fn push(&mut self, more: &Clean) {
        self.0.push_str(&more.0);
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for Clean {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Clean {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Clean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Clean {
    fn from(raw: &str) -> Self {
        Self::line(raw)
    }
}

impl From<String> for Clean {
    fn from(raw: String) -> Self {
        Self::line(&raw)
    }
}

impl From<&String> for Clean {
    fn from(raw: &String) -> Self {
        Self::line(raw)
    }
}

impl From<Clean> for String {
    fn from(c: Clean) -> String {
        c.0
    }
}

impl PartialEq<str> for Clean {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Clean {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl serde::Serialize for Clean {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// One character outside any sequence: kept, expanded, dropped, or the start of a sequence.
fn text(c: char, tab: &str, out: &mut String) -> State {
    match c {
        '\n' => out.push('\n'),
        '\t' => out.push_str(tab),
        '\u{1b}' => return State::Escape,
        '\u{9b}' => return State::Csi,
        '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => return State::Str,
        c if is_unsafe(c) => {}
        c => out.push(c),
    }
    State::Text
}

/// C0 and C1 controls, DEL, the bidi marks, embeddings, overrides and isolates that can make
/// text display differently from what it is ("Trojan Source"), and invisible characters that
/// hide text or split a word so it looks like another: zero-width space, word joiner and
/// invisible operators, BOM, interlinear annotations, the deprecated format controls, and tag
/// characters ("ASCII smuggling"; a subdivision flag shows as its black flag). Zero-width
/// joiner and non-joiner stay: emoji sequences and several scripts need them.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// Writes `value` as one line of JSON in which every character `is_unsafe` rejects is an
/// escape (`\u202e`), so a terminal showing the line cannot be driven by it, while a program
/// reading it gets the text exactly as it was.
pub fn write_json_line(out: &mut dyn Write, value: &serde_json::Value) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeJson);
    serde::Serialize::serialize(value, &mut ser).map_err(io::Error::other)?;
    buf.push(b'\n');
    out.write_all(&buf)
}

/// serde_json's compact output, with unsafe characters escaped (C0 ones it escapes itself).
struct SafeJson;

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> String {
        sanitize(s, "    ")
    }

    #[test]
    fn every_char_the_fast_path_would_copy_is_safe() {
        // The fast path copies runs without looking at chars; any char it would let through
        // must be one `text` keeps as it is.
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let lead = c.encode_utf8(&mut buf).as_bytes()[0];
            let kept_as_is = c == '\n'
                || !(is_unsafe(c)
                    || matches!(
                        c,
                        '\t' | '\u{1b}'
                            | '\u{9b}'
                            | '\u{90}'
                            | '\u{98}'
                            | '\u{9d}'
                            | '\u{9e}'
                            | '\u{9f}'
                    ));
            if !suspect(lead) {
                assert!(
                    kept_as_is,
                    "U+{:04X} would be copied unchecked",
                    u32::from(c)
                );
            }
        }
    }

    #[test]
    fn the_block_scan_finds_the_first_suspect_byte_wherever_it_falls() {
        // Every suspect byte, at every offset across three 32-byte blocks and the tail.
        let suspects: Vec<u8> = (0..=u8::MAX).filter(|&b| suspect(b)).collect();
        assert_eq!(
            suspects.len(),
            31 + 1 + 5,
            "C0 but \\n, DEL and five lead bytes"
        );
        for &b in &suspects {
            for len in [0, 1, 31, 32, 33, 64, 100] {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert_eq!(first_suspect(&bytes), at, "byte {b:#x} at {at} of {len}");
                }
                assert_eq!(first_suspect(&vec![0xe6; len]), len);
            }
        }
    }

    #[test]
    fn unsafe_chars_inside_long_clean_runs_are_still_removed() {
        let clean_run = "plain words — and “quotes” … ".repeat(50);
        let dirty = format!("{clean_run}\u{1b}[31mred\u{202e}{clean_run}\u{e0041}\tend\u{85}");
        let out = clean(&dirty);
        assert_eq!(out, format!("{clean_run}red{clean_run}    end"));
        // A sequence split across pieces, with clean runs around it.
        let mut s = Sanitizer::default();
        let a = s.push("abc\u{1b}]8;;http://x", TAB);
        let b = s.push("\u{7}link\u{1b}]8;;\u{7} tail", TAB);
        assert_eq!(format!("{a}{b}"), "abclink tail");
    }

    #[test]
    fn plain_text_and_unicode_pass_through() {
        let s = "Hello, 世界! café e\u{301} 🦀\nnext line";
        assert_eq!(clean(s), s);
    }

    #[test]
    fn csi_sequences_are_removed() {
        assert_eq!(clean("a\u{1b}[2Jb\u{1b}[1;31mred\u{1b}[0m"), "abred");
        assert_eq!(clean("x\u{9b}31my"), "xy");
    }

    #[test]
    fn osc_clipboard_and_hyperlinks_are_removed() {
        assert_eq!(clean("a\u{1b}]52;c;aGVsbG8=\u{7}b"), "ab");
        assert_eq!(
            clean("\u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "link"
        );
        assert_eq!(clean("a\u{9d}0;title\u{9c}b"), "ab");
    }

    #[test]
    fn controls_and_bidi_overrides_are_removed() {
        assert_eq!(clean("a\u{7}b\u{8}c\rd\u{0}e\u{7f}f"), "abcdef");
        assert_eq!(clean("abc\u{202e}def\u{2066}"), "abcdef");
        assert_eq!(clean("tab\there"), "tab    here");
        assert_eq!(sanitize("tab\there", "\t"), "tab\there");
    }

    #[test]
    fn c1_controls_and_invisible_spoofing_characters_are_removed() {
        // C1 controls outside any sequence (NEL, PAD, a lone ST), and every bidi control.
        assert_eq!(clean("a\u{85}b\u{80}c\u{9c}d"), "abcd");
        let bidi = "\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}";
        assert_eq!(clean(&format!("x{bidi}\u{200e}\u{200f}\u{61c}y")), "xy");
        // Invisible characters that split or hide text.
        assert_eq!(
            clean("pay\u{200b}pal\u{2060}\u{2062}\u{feff}\u{fff9}\u{206a}!"),
            "paypal!"
        );
        assert_eq!(
            clean("ok\u{e0041}\u{e0042}\u{e007f}"),
            "ok",
            "tag characters"
        );
        // Joiners stay: emoji and scripts need them.
        let family = "👩\u{200d}👩\u{200d}👧 \u{645}\u{200c}\u{627}";
        assert_eq!(clean(family), family);
    }

    #[test]
    fn json_keeps_the_text_but_escapes_what_a_terminal_would_obey() {
        let v = serde_json::json!({"content": "a\u{1b}[2Jb\u{9b}31m\u{202e}c\u{e0041}é"});
        let mut out = Vec::new();
        write_json_line(&mut out, &v).unwrap();
        let line = String::from_utf8(out).unwrap();
        assert_eq!(
            line,
            "{\"content\":\"a\\u001b[2Jb\\u009b31m\\u202ec\\udb40\\udc41é\"}\n"
        );
        assert!(line.chars().all(|c| c == '\n' || !is_unsafe(c)));
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn truncated_sequences_do_not_swallow_text_after_a_newline() {
        assert_eq!(clean("a\u{1b}[12\nb"), "a\nb");
        assert_eq!(clean("end\u{1b}"), "end");
    }

    #[test]
    fn a_sequence_cut_between_pieces_is_removed_whole() {
        let whole =
            "a\u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\ b\u{1b}[1;31mred\u{1b}[0m!";
        let expected = clean(whole);
        assert_eq!(expected, "alink bred!");
        // Every way of cutting it in two gives the same text.
        let cuts: Vec<usize> = whole.char_indices().map(|(i, _)| i).collect();
        for &cut in &cuts {
            let mut s = Sanitizer::default();
            let got = s.push(&whole[..cut], "    ") + &s.push(&whole[cut..], "    ");
            assert_eq!(got, expected, "cut at byte {cut}");
        }
        // One character at a time, too.
        let mut s = Sanitizer::default();
        let got: String = whole
            .chars()
            .map(|c| s.push(c.encode_utf8(&mut [0; 4]), "    "))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn clean_text_has_only_its_printable_part() {
        let hostile = "a\u{1b}[2Jb\u{1b}]0;title\u{7}c\u{202e}d\te";
        assert_eq!(Clean::line(hostile), "abcd e");
        assert_eq!(Clean::text(hostile), "abcd    e");
        assert_eq!(Clean::from(hostile.to_owned()), "abcd e");
        let mut streamed = Clean::default();
        let mut s = Sanitizer::default();
        for piece in ["x\u{1b}[", "2J", "y"] {
            streamed.push_piece(&mut s, piece);
        }
        assert_eq!(streamed, "xy");
    }

    #[test]
    fn nothing_dangerous_survives_random_input() {
        // Every char from a dense control-heavy alphabet, in many combinations.
        let alphabet: Vec<char> = "\u{1b}[]\\P;0m\u{7}\u{9b}\u{9c}\u{9d}\u{85}\u{202e}\r\ta\n"
            .chars()
            .collect();
        let mut seed = 0x2545_f491_u32;
        for _ in 0..5000 {
            let s: String = (0..24)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    alphabet[seed as usize % alphabet.len()]
                })
                .collect();
            let out = clean(&s);
            assert!(
                out.chars().all(|c| c == '\n' || !is_unsafe(c)),
                "{s:?} -> {out:?}"
            );
        }
    }
}
