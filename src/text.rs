//! Word wrapping by display width (CJK and emoji take two columns, combining marks none, and a
//! grapheme is never split) at the line-break opportunities of UAX #14, so no row starts with
//! closing punctuation or a quote and a hyphenated word breaks only after its hyphen; and
//! `WrappedText`, which wraps a growing answer incrementally:
//! finished lines are wrapped once, only the line still being written is wrapped again.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::sanitize::Clean;

/// Display columns of `s`.
pub fn width_of(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `text` to `width` columns, ending in `…` where it was cut (for one-row labels).
pub fn fit(text: &str, width: usize) -> String {
    if width_of(text) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in text.graphemes(true) {
        let w = width_of(g);
        if used + w + 1 > width {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// The units a line may break between, with their byte offsets: each run of text up to a
/// UAX #14 break opportunity, its trailing spaces a unit of their own (they vanish at a break).
pub fn break_units(text: &str) -> Vec<(usize, &str)> {
    let mut out: Vec<(usize, &str)> = Vec::new();
    let mut start = 0;
    for (end, _) in unicode_linebreak::linebreaks(text) {
        let piece = &text[start..end];
        let body = piece.trim_end_matches(' ').len();
        let mut from = start;
        // A number and its unit (`10 ms`, `0.05 s`, `173 tok`) go together.
        if let [.., (at, number), (_, " ")] = out.as_slice() {
            if is_unit(&piece[..body]) && number.ends_with(|c: char| c.is_ascii_digit()) {
                from = *at;
                out.truncate(out.len() - 2);
            }
        }
        if body > 0 {
            out.push((from, &text[from..start + body]));
        }
        if body < piece.len() {
            out.push((start + body, &piece[body..]));
        }
        start = end;
    }
    out
}

/// Whether a break unit is a unit of measure a number before it must not be parted from.
fn is_unit(piece: &str) -> bool {
    const UNITS: [&str; 16] = [
        "s", "ms", "µs", "ns", "min", "h", "tok", "tok/s", "%", "B", "KB", "MB", "GB", "k", "M",
        "x",
    ];
    let word = piece.trim_end_matches([' ', ',', '.', ';', ':', '!', '?', ')']);
    UNITS.contains(&word)
}

/// Wraps a line of fields joined by ` · ` (a footer: `$0.00384 · 10→173 tok · TTFT 0.05 s`)
/// so that each field stays whole on one row while it fits the width; one that does not
/// fit alone wraps by words on rows of its own.
pub fn wrap_fields(text: &str, width: usize) -> Vec<String> {
    const SEP: &str = " · ";
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut row = String::new();
    for field in text.split(SEP) {
        let w = width_of(field);
        if !row.is_empty() && width_of(&row) + width_of(SEP) + w <= width {
            row.push_str(SEP);
            row.push_str(field);
            continue;
        }
        if !row.is_empty() {
            out.push(std::mem::take(&mut row));
        }
        if w <= width {
            row.push_str(field);
        } else {
            let mut rows = wrap(field, width);
            row = rows.pop().unwrap_or_default();
            out.extend(rows);
        }
    }
    if !row.is_empty() || out.is_empty() {
        out.push(row);
    }
    out
}

/// Wraps `text` to `width` columns. Every source line gives at least one row.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.split('\n') {
        wrap_line(line, width.max(1), &mut out);
    }
    out
}

fn wrap_line(line: &str, width: usize, out: &mut Vec<String>) {
    let mut row = String::new();
    let mut row_w = 0;
    let start = out.len();
    let flush = |row: &mut String, row_w: &mut usize, out: &mut Vec<String>| {
        let trimmed = row.trim_end_matches(' ').len();
        row.truncate(trimmed);
        out.push(std::mem::take(row));
        *row_w = 0;
    };
    for (_, word) in break_units(line) {
        let w = width_of(word);
        if word.chars().all(|c| c == ' ') {
            if row_w + w <= width {
                row.push_str(word);
                row_w += w;
            } else if row_w > 0 {
                // The spaces at a wrap point disappear.
                flush(&mut row, &mut row_w, out);
            }
            continue;
        }
        if row_w + w <= width {
            row.push_str(word);
            row_w += w;
            continue;
        }
        if w <= width && row_w > 0 {
            flush(&mut row, &mut row_w, out);
            row.push_str(word);
            row_w = w;
            continue;
        }
        // A word wider than the pane: break it between graphemes.
        for g in word.graphemes(true) {
            let gw = width_of(g);
            if row_w + gw > width && row_w > 0 {
                flush(&mut row, &mut row_w, out);
            }
            row.push_str(g);
            row_w += gw;
        }
    }
    if row_w > 0 || out.len() == start {
        flush(&mut row, &mut row_w, out);
    }
}

/// The wrapped rows of a text that may still be growing. Its rows reach the screen, so it
/// wraps only `Clean` text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WrappedText {
    width: u16,
    /// Rows of the source lines that are finished (ended by a newline).
    done: Vec<String>,
    /// Bytes of the source already wrapped into `done`.
    consumed: usize,
    /// Rows of the last, unfinished source line.
    tail: Vec<String>,
    /// Bytes of the source as of the last update.
    seen: usize,
}

impl WrappedText {
    pub fn new(text: &Clean, width: u16) -> Self {
        let mut w = Self {
            width,
            ..Self::default()
        };
        w.update(text);
        w
    }

    /// Catches up with `text`, which must extend the text seen so far.
    pub fn update(&mut self, text: &Clean) {
        let clean = text;
        let text = clean.as_str();
        let width = usize::from(self.width.max(1));
        if self.consumed > text.len() || !text.is_char_boundary(self.consumed) {
            *self = Self::new(clean, self.width);
            return;
        }
        let fresh = &text[self.consumed..];
        if let Some(last_nl) = fresh.rfind('\n') {
            for line in fresh[..last_nl].split('\n') {
                wrap_line(line, width, &mut self.done);
            }
            self.consumed += last_nl + 1;
        }
        self.tail.clear();
        let rest = &text[self.consumed..];
        if !rest.is_empty() {
            wrap_line(rest, width, &mut self.tail);
        }
        self.seen = text.len();
    }

    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether these rows are `text` (which only ever grows) wrapped at `width`.
    pub fn is_current(&self, text: &str, width: u16) -> bool {
        self.width == width && self.seen == text.len()
    }

    pub fn rewrap(&mut self, text: &Clean, width: u16) {
        *self = Self::new(text, width);
    }

    pub fn len(&self) -> usize {
        self.done.len() + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, i: usize) -> Option<&str> {
        if i < self.done.len() {
            self.done.get(i).map(String::as_str)
        } else {
            self.tail.get(i - self.done.len()).map(String::as_str)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_spaces_and_long_words_break() {
        assert_eq!(
            wrap("the quick brown fox", 10),
            vec!["the quick", "brown fox"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 10), vec!["a", "", "b"]);
        assert_eq!(wrap("", 10), vec![""]);
        assert_eq!(wrap("    indented code", 30), vec!["    indented code"]);
    }

    #[test]
    fn no_row_starts_with_closing_punctuation_or_after_a_hyphen_split() {
        // Every unit fits from 10 columns on, so no row may be forced to start badly.
        let text =
            "Yes, well-known (really) \"quoted\" words; end: ok! why? 10 ms, «fin» — “done” ‘x’.";
        for width in 10..60 {
            let rows = wrap(text, width);
            for row in &rows[1..] {
                let first = row.chars().next().unwrap_or(' ');
                // An ASCII quote may open a row, never close one.
                let closing_quote =
                    row.starts_with('"') && !row[1..].starts_with(char::is_alphanumeric);
                assert!(
                    !",.;:!?)»”’".contains(first) && !closing_quote,
                    "{width}: a row starts with {first:?}: {rows:?}"
                );
                assert!(
                    !row.starts_with("ms"),
                    "{width}: a number lost its unit: {rows:?}"
                );
                assert!(!row.starts_with("-known"), "{width}: {rows:?}");
            }
        }
        assert_eq!(wrap("it is well-known", 11), vec!["it is well-", "known"]);
        assert_eq!(
            wrap("a quick (test) here", 13),
            vec!["a quick", "(test) here"]
        );
        assert_eq!(wrap("wait, what?", 5), vec!["wait,", "what?"]);
    }

    #[test]
    fn footer_fields_stay_whole_on_one_row() {
        let footer =
            "── Aurora Cloud · $0.00384 · 10→173 tok (74 reasoning) · TTFT 0.05 s · 72 tok/s";
        for width in 26..90 {
            let rows = wrap_fields(footer, width);
            for field in footer.split(" · ") {
                assert!(
                    rows.iter().any(|r| r.contains(field)),
                    "{width}: {field:?} was split: {rows:?}"
                );
            }
            assert!(rows.iter().all(|r| width_of(r) <= width), "{rows:?}");
        }
        assert_eq!(
            wrap_fields("■ stopped · $0.001 · TTFT 0.05 s", 20),
            vec!["■ stopped · $0.001", "TTFT 0.05 s"]
        );
        // A field wider than the row wraps by words on rows of its own.
        assert_eq!(
            wrap_fields("$0 · ⚠ cut off at max_tokens (finish: length)", 16),
            vec!["$0", "⚠ cut off at", "max_tokens", "(finish: length)"]
        );
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let rows = wrap("日本語のテキスト", 6);
        assert_eq!(rows, vec!["日本語", "のテキ", "スト"]);
        assert!(rows.iter().all(|r| width_of(r) <= 6));
        let rows = wrap("🦀🦀🦀", 5);
        assert_eq!(rows, vec!["🦀🦀", "🦀"]);
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        let rows = wrap("e\u{301}e\u{301}e\u{301}", 2);
        assert_eq!(rows, vec!["e\u{301}e\u{301}", "e\u{301}"]);
    }

    #[test]
    fn incremental_wrapping_matches_wrapping_at_once() {
        let text =
            "First line of an answer that wraps.\nSecond, with 日本語 and more words\n\nLast";
        let mut w = WrappedText::new(&Clean::default(), 12);
        let mut seen = String::new();
        for piece in text.split_inclusive([' ', '\n']) {
            seen.push_str(piece);
            w.update(&Clean::text(&seen));
        }
        let expected = wrap(text, 12);
        let got: Vec<&str> = (0..w.len()).filter_map(|i| w.row(i)).collect();
        assert_eq!(got, expected);
    }
}
