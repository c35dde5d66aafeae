//! Wrapping styled text by display width: a run of styled pieces becomes rows no wider than
//! the pane, breaking between words (prose) or only at spaces (code), never inside a
//! grapheme, with CJK and emoji two columns wide. Styles follow their text across breaks.

use ratatui::style::Style;
use ratatui::text::Span;
use unicode_segmentation::UnicodeSegmentation;

use crate::text::width_of;

/// A piece of text in one style.
pub type Piece = (String, Style);

/// Where a row may break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaks {
    /// At UAX #14 break opportunities (prose: never before closing punctuation, after a
    /// hyphen rather than before it; CJK breaks between characters).
    Words,
    /// Only where there is a space (code: a token stays whole when it fits).
    Spaces,
}

/// One row: pieces whose widths add up to at most the wrap width.
#[derive(Debug, Default)]
struct Row {
    pieces: Vec<Piece>,
    width: usize,
}

impl Row {
    fn push(&mut self, text: &str, style: Style, width: usize) {
        self.width += width;
        match self.pieces.last_mut() {
            Some((t, s)) if *s == style => t.push_str(text),
            _ => self.pieces.push((text.to_owned(), style)),
        }
    }

    /// The row, without the spaces a break leaves at its end.
    fn finish(mut self) -> Vec<Span<'static>> {
        while let Some((t, _)) = self.pieces.last_mut() {
            let trimmed = t.trim_end_matches(' ').len();
            t.truncate(trimmed);
            if t.is_empty() {
                self.pieces.pop();
            } else {
                break;
            }
        }
        self.pieces
            .into_iter()
            .map(|(t, s)| Span::styled(t, s))
            .collect()
    }
}

/// Wraps one logical line (no newlines inside) to `width` columns. Always at least one row.
pub fn wrap_pieces(pieces: &[Piece], width: usize, breaks: Breaks) -> Vec<Vec<Span<'static>>> {
    let width = width.max(1);
    let text: String = pieces.iter().map(|(t, _)| t.as_str()).collect();
    // Where each piece ends in `text`, to find the style of any byte.
    let mut ends = Vec::with_capacity(pieces.len());
    let mut at = 0;
    for (t, s) in pieces {
        at += t.len();
        ends.push((at, *s));
    }
    let mut out = Vec::new();
    let mut row = Row::default();
    let flush = |row: &mut Row, out: &mut Vec<Vec<Span<'static>>>| {
        out.push(std::mem::take(row).finish());
    };
    for (start, unit) in units(&text, breaks) {
        let w = width_of(unit);
        if unit.bytes().all(|b| b == b' ') {
            if row.width + w <= width {
                push_range(&mut row, &text, start, start + unit.len(), &ends);
            } else if row.width > 0 {
                // The spaces at a wrap point disappear.
                flush(&mut row, &mut out);
            }
            continue;
        }
        if row.width + w <= width {
            push_range(&mut row, &text, start, start + unit.len(), &ends);
            continue;
        }
        if w <= width && row.width > 0 {
            flush(&mut row, &mut out);
            push_range(&mut row, &text, start, start + unit.len(), &ends);
            continue;
        }
        // A unit wider than the row: break it between graphemes.
        for (offset, g) in unit.grapheme_indices(true) {
            let gw = width_of(g);
            if row.width + gw > width && row.width > 0 {
                flush(&mut row, &mut out);
            }
            let a = start + offset;
            push_range(&mut row, &text, a, a + g.len(), &ends);
        }
    }
    if row.width > 0 || out.is_empty() {
        flush(&mut row, &mut out);
    }
    out
}

/// Byte offsets and text of the breakable units of `text`.
fn units(text: &str, breaks: Breaks) -> Vec<(usize, &str)> {
    match breaks {
        Breaks::Words => crate::text::break_units(text),
        Breaks::Spaces => {
            let mut out = Vec::new();
            let mut start = 0;
            let mut space = None;
            for (i, c) in text.char_indices() {
                let is_space = c == ' ';
                if space.is_some_and(|s| s != is_space) {
                    out.push((start, &text[start..i]));
                    start = i;
                }
                space = Some(is_space);
            }
            if start < text.len() {
                out.push((start, &text[start..]));
            }
            out
        }
    }
}

/// Appends `text[a..b]` to `row`, split where the style changes.
fn push_range(row: &mut Row, text: &str, a: usize, b: usize, ends: &[(usize, Style)]) {
    let mut from = a;
    let first = ends.partition_point(|(end, _)| *end <= a);
    for &(end, style) in &ends[first..] {
        let to = end.min(b);
        if to > from {
            let piece = &text[from..to];
            row.push(piece, style, width_of(piece));
            from = to;
        }
        if from >= b {
            break;
        }
    }
}

/// The first `width` columns of a row (a grapheme that would cross the edge is left out).
pub fn clip(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut out = Vec::with_capacity(spans.len());
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w <= width {
            used += w;
            out.push(span);
            continue;
        }
        let mut text = String::new();
        for g in span.content.graphemes(true) {
            let gw = width_of(g);
            if used + gw > width {
                break;
            }
            used += gw;
            text.push_str(g);
        }
        if !text.is_empty() {
            out.push(Span::styled(text, span.style));
        }
        break;
    }
    out
}

/// Display width of some spans.
pub fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::wrap;
    use ratatui::style::Modifier;

    #[test]
    fn clipping_keeps_whole_graphemes() {
        let row = vec![Span::raw("ab"), Span::raw("日本")];
        assert_eq!(plain(&[clip(row.clone(), 3)]), vec!["ab"]);
        assert_eq!(plain(&[clip(row, 4)]), vec!["ab日"]);
    }

    fn plain(rows: &[Vec<Span<'static>>]) -> Vec<String> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn plain_text_wraps_exactly_like_the_plain_wrapper() {
        for (text, width) in [
            ("the quick brown fox jumps over the lazy dog", 10),
            ("abcdefghij", 4),
            ("日本語のテキスト", 6),
            ("🦀🦀🦀", 5),
            ("e\u{301}e\u{301}e\u{301}", 2),
            ("    indented code", 30),
            ("", 8),
        ] {
            let rows = wrap_pieces(&[(text.to_owned(), Style::new())], width, Breaks::Words);
            assert_eq!(plain(&rows), wrap(text, width), "{text:?} at {width}");
        }
    }

    #[test]
    fn styles_follow_their_text_across_breaks() {
        let bold = Style::new().bold();
        let pieces = vec![
            ("plain ".to_owned(), Style::new()),
            ("bold words here".to_owned(), bold),
            ("ness".to_owned(), Style::new()),
        ];
        let rows = wrap_pieces(&pieces, 12, Breaks::Words);
        assert_eq!(plain(&rows), vec!["plain bold", "words", "hereness"]);
        assert_eq!(rows[0][1].style, bold);
        assert_eq!(rows[2][0].content, "here");
        assert!(rows[2][0].style.add_modifier.contains(Modifier::BOLD));
        assert_eq!(rows[2][1].style, Style::new());
    }

    #[test]
    fn code_breaks_only_at_spaces_while_tokens_fit() {
        let line = "let answer = compute(x.y, \"z\");";
        let rows = wrap_pieces(&[(line.to_owned(), Style::new())], 16, Breaks::Spaces);
        assert_eq!(
            plain(&rows),
            vec!["let answer =", "compute(x.y,", "\"z\");"]
        );
        let rows = wrap_pieces(
            &[("    x = 1".to_owned(), Style::new())],
            20,
            Breaks::Spaces,
        );
        assert_eq!(plain(&rows), vec!["    x = 1"]);
        let rows = wrap_pieces(&[("abcdefgh".to_owned(), Style::new())], 3, Breaks::Spaces);
        assert_eq!(plain(&rows), vec!["abc", "def", "gh"]);
    }

    #[test]
    fn no_row_is_ever_wider_than_asked() {
        let text =
            "Wide 日本語 and 🦀 emoji, e\u{301} marks, and averyveryverylongwordthatmustbreak.";
        for width in 2..40 {
            for breaks in [Breaks::Words, Breaks::Spaces] {
                for row in wrap_pieces(&[(text.to_owned(), Style::new())], width, breaks) {
                    assert!(spans_width(&row) <= width, "{width} {breaks:?}: {row:?}");
                }
            }
        }
    }
}
