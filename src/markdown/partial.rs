//! A line still being written that has grown long (minified JSON, a table row, a model that
//! never breaks lines) is shown in pieces: each piece is rendered once when the next one has
//! started, and only the last is rendered again as text arrives, so a token costs its piece,
//! not its line. Where a piece ends depends only on the line's text, so streaming and
//! rendering at once cut it the same way. The pieces are a view of an unfinished line only:
//! once the line is complete it is rendered whole, as any other line.

use unicode_width::UnicodeWidthChar;

/// Bytes of a line being written before it is cut into pieces.
pub const LINE_CAP: usize = 2048;

/// The pieces of one long line being written, as rows of type `R`.
#[derive(Debug, Clone, PartialEq)]
pub struct LongLine<R> {
    /// Where the line starts in the answer.
    start: usize,
    /// Where the piece being written starts: the rendered pieces end here.
    cut: usize,
    /// Where the search for the next cut goes on (all before it was looked at).
    scan: usize,
    /// Rows of the finished pieces.
    rows: Vec<R>,
}

impl<R> Default for LongLine<R> {
    fn default() -> Self {
        Self {
            start: 0,
            cut: 0,
            scan: 0,
            rows: Vec::new(),
        }
    }
}

impl<R> LongLine<R> {
    /// Renders the finished pieces of the line that starts at `start` in `text` and runs to
    /// its end, each through `render(piece, offset)`. Returns where the unfinished piece
    /// starts (`start` while the line is one piece).
    pub fn update(
        &mut self,
        text: &str,
        start: usize,
        mut render: impl FnMut(&str, usize) -> Vec<R>,
    ) -> usize {
        if start != self.start || self.scan > text.len() || self.cut < start {
            *self = Self {
                start,
                cut: start,
                scan: start,
                rows: Vec::new(),
            };
        }
        while let Some(at) = next_cut(text, self.cut, &mut self.scan) {
            self.rows.extend(render(&text[self.cut..at], self.cut));
            self.cut = at;
            self.scan = at;
        }
        self.cut
    }

    /// Forgets the pieces (the line is complete, or short).
    pub fn clear(&mut self) {
        self.start = 0;
        self.cut = 0;
        self.scan = 0;
        self.rows.clear();
    }

    /// Whether there are pieces of the line starting at `start`.
    #[cfg(test)]
    pub fn active(&self, start: usize) -> bool {
        self.start == start && self.cut > start
    }

    /// Where the piece being written starts in the line that starts at `start`.
    #[cfg(test)]
    pub fn last_piece(&self, start: usize) -> usize {
        if self.active(start) { self.cut } else { start }
    }

    pub fn rows(&self) -> &[R] {
        &self.rows
    }
}

/// Where the piece that starts at `from` may end: the first place `LINE_CAP` bytes on or
/// further where a word starts, or, `2 × LINE_CAP` on, before any character that begins a
/// grapheme of its own (a line with no spaces). The search starts at `*scan` and leaves it
/// where it stopped, so text is looked at once however often this is asked.
fn next_cut(text: &str, from: usize, scan: &mut usize) -> Option<usize> {
    let mut at = (*scan).max(from + LINE_CAP);
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    if at >= text.len() {
        return None;
    }
    let mut prev = text[..at].chars().next_back();
    for (i, c) in text[at..].char_indices() {
        let q = at + i;
        let word = prev == Some(' ') && c != ' ';
        if word || (q >= from + 2 * LINE_CAP && starts_grapheme(prev, c)) {
            return Some(q);
        }
        prev = Some(c);
    }
    *scan = text.len();
    None
}

/// Whether `c` after `prev` begins a grapheme cluster (conservatively: it has a width, is no
/// space, follows no joiner, and is neither half of a flag nor a skin tone).
fn starts_grapheme(prev: Option<char>, c: char) -> bool {
    let regional = ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    let skin_tone = ('\u{1F3FB}'..='\u{1F3FF}').contains(&c);
    c != ' ' && c.width().unwrap_or(0) > 0 && prev != Some('\u{200D}') && !regional && !skin_tone
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_segmentation::UnicodeSegmentation;

    fn pieces(text: &str, step: usize) -> Vec<String> {
        let mut long = LongLine::<()>::default();
        let mut out = Vec::new();
        let mut end = 0;
        while end < text.len() {
            end = (end + step).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            long.update(&text[..end], 0, |piece, _| {
                out.push(piece.to_owned());
                Vec::new()
            });
        }
        out.push(text[long.cut..].to_owned());
        out
    }

    #[test]
    fn a_long_line_is_cut_where_words_start_the_same_way_at_any_pace() {
        let text = "word ".repeat(2000);
        let at_once = pieces(&text, text.len());
        assert_eq!(at_once.concat(), text);
        assert!(at_once.len() >= 4, "{}", at_once.len());
        for piece in &at_once[..at_once.len() - 1] {
            assert!(piece.len() >= LINE_CAP && piece.len() < LINE_CAP + 5);
            assert!(piece.ends_with(' '));
        }
        assert_eq!(pieces(&text, 3), at_once);
        assert_eq!(pieces(&text, 7), at_once);
    }

    #[test]
    fn a_line_without_spaces_is_cut_between_graphemes() {
        for unit in [
            "{\"k\":[1,2]},",
            "日本語",
            "e\u{301}🦀",
            "👨\u{200D}👩\u{200D}👧",
            "👍🏽",
        ] {
            let text = unit.repeat(5 * LINE_CAP / unit.len());
            let at_once = pieces(&text, text.len());
            assert!(at_once.len() >= 2, "{unit}");
            assert_eq!(pieces(&text, 5), at_once, "{unit}");
            let whole: Vec<&str> = text.graphemes(true).collect();
            let cut: Vec<&str> = at_once.iter().flat_map(|p| p.graphemes(true)).collect();
            assert_eq!(cut, whole, "no grapheme of {unit} is split");
        }
    }

    #[test]
    fn a_short_line_is_one_piece() {
        let mut long = LongLine::<()>::default();
        let text = "short ".repeat(100);
        assert_eq!(long.update(&text, 0, |_, _| unreachable!()), 0);
        assert!(!long.active(0));
    }
}
