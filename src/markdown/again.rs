//! Rendering a finished block again, in place: when a grammar its code waited for has
//! compiled (a frame's allowance at a time), and when code left plain out of sight comes into
//! view (`colour`, for the room's `lazy` answers). The text being the same, a block keeps its
//! number of rows; if it ever does not, the blocks after it are moved.

use std::ops::Range;

use ratatui::text::Line;

use super::code::label_row;
use super::render::Writer;
use super::{Ctx, MarkdownText, parse};

/// A finished block's source in the answer and its rows in `done`.
#[derive(Debug, Clone)]
pub(super) struct Waited {
    pub(super) src: Range<usize>,
    pub(super) rows: Range<usize>,
}

impl MarkdownText {
    /// A grammar some code waited for has compiled: the open fence is fed again from its first
    /// line (it is in view), and the finished blocks that waited are queued to be rendered
    /// again. Blocks whose grammar is still compiling wait again.
    pub(super) fn grammars_compiled(&mut self, text: &str, cx: &Ctx<'_>) {
        self.cache.forget_waiting();
        self.recolour.append(&mut self.waited);
        let width = usize::from(self.width);
        if let Some(live) = &mut self.live {
            let first = text[live.offset..]
                .split_inclusive('\n')
                .next()
                .unwrap_or("");
            live.fed = live.offset + first.len();
            live.lines = 0;
            live.rows = label_row(live.fence.lang(), width, cx)
                .map(Line::from)
                .into_iter()
                .collect();
            self.advance(text, self.complete, cx);
        }
    }

    /// Renders again as many queued blocks as this frame allows; each keeps its place and, the
    /// text being the same, its number of rows.
    pub(super) fn recolour_step(&mut self, text: &str, cx: &Ctx<'_>) {
        let Some(h) = cx.highlighter else {
            self.recolour.clear();
            return;
        };
        while let Some(first) = self.recolour.first() {
            if !h.take_rework(first.src.len()) {
                return;
            }
            let block = self.recolour.remove(0);
            self.render_again(text, block, cx);
        }
    }

    /// Renders a finished block again in place (its code highlighted now, or still waiting
    /// for its grammar); the text being the same, so is its number of rows, but the blocks
    /// after it are moved if not.
    fn render_again(&mut self, text: &str, block: Waited, cx: &Ctx<'_>) {
        let Waited { src, rows } = block;
        let Some(piece) = text.get(src.clone()) else {
            return;
        };
        if rows.end > self.done.len() {
            return;
        }
        let width = usize::from(self.width);
        let fresh = Writer::new(cx, &mut self.cache, width, piece, src.start).render(&parse(piece));
        let (old, new) = (rows.len(), fresh.len());
        self.done.splice(rows.clone(), fresh);
        if new != old {
            let lists = self.waited.iter_mut();
            for w in lists.chain(&mut self.recolour).chain(&mut self.deferred) {
                if w.rows.start >= rows.end {
                    w.rows = w.rows.start + new - old..w.rows.end + new - old;
                }
            }
        }
        if self.cache.waits_in(&src) {
            self.waited.push(Waited {
                src,
                rows: rows.start..rows.start + new,
            });
        }
    }

    /// Highlights the deferred code among rows `rows` (the ones about to be shown), and only
    /// that: each block it touches is rendered again whole, from its first line. A frame's
    /// allowance is shared with `recolour_step` (`Highlighter::take_rework`): when a flood
    /// brings many blocks into view at once, those past it stay plain one frame more (the
    /// highlighter asks for that frame), and those scrolled away by then are never coloured.
    pub fn colour(&mut self, text: &str, rows: Range<usize>, cx: &Ctx<'_>) {
        let Some(h) = cx.highlighter else {
            return;
        };
        if self.deferred.is_empty() || !self.key_matches(cx) {
            return;
        }
        // In row order (blocks are committed top to bottom and keep their order): only the
        // ones from the first that reaches the rows are looked at, however long the answer.
        let k = self.deferred.partition_point(|w| w.rows.end <= rows.start);
        while k < self.deferred.len() && self.deferred[k].rows.start < rows.end {
            if !h.take_rework(self.deferred[k].src.len()) {
                return;
            }
            let block = self.deferred.remove(k);
            self.render_again(text, block, cx);
        }
    }

    /// Whether there is deferred code left (for tests and benchmarks).
    pub fn has_deferred(&self) -> bool {
        !self.deferred.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::highlighted;
    use super::*;
    use crate::theme::Theme;

    fn lines(m: &MarkdownText) -> Vec<Option<Line<'static>>> {
        (0..m.len()).map(|i| m.row(i).cloned()).collect()
    }

    fn text(m: &MarkdownText) -> Vec<String> {
        (0..m.len())
            .map(|i| m.row(i).map(ToString::to_string).unwrap_or_default())
            .collect()
    }

    /// Rows in more than one colour: highlighted code, or a block's label row.
    fn coloured(l: &Line<'_>) -> bool {
        let fg: std::collections::HashSet<_> = l.spans.iter().map(|s| s.style.fg).collect();
        fg.len() > 1
    }

    fn doc(blocks: usize) -> String {
        (0..blocks)
            .map(|k| {
                format!(
                    "## Part {k}\n\nSome words about part {k}.\n\n```rust\nfn part_{k}(x: &[u8]) -> usize {{\n    x.len() + {k}\n}}\n```\n\n"
                )
            })
            .collect()
    }

    /// Code in blocks that finish between two frames is plain until asked for, and then
    /// exactly what eager rendering draws; only the blocks among the rows asked for change.
    #[test]
    fn code_out_of_sight_stays_plain_until_its_rows_are_shown() {
        let cx = highlighted();
        let doc = doc(6);
        let eager = MarkdownText::render(&doc, 50, false, &cx);
        let mut lazy = MarkdownText::lazy();
        lazy.update(&doc, 50, false, &cx);
        assert_eq!(text(&lazy), text(&eager), "the same text in the same rows");
        assert!(lazy.has_deferred());
        let n = lazy.len();
        let differ = |lazy: &MarkdownText| -> Vec<usize> {
            (0..n).filter(|&i| lazy.row(i) != eager.row(i)).collect()
        };
        let plain = differ(&lazy);
        assert_eq!(plain.len(), 6 * 3, "three code rows in each of six blocks");
        assert!(plain.iter().all(|&i| eager.row(i).is_some_and(coloured)));
        assert!(plain.iter().all(|&i| !lazy.row(i).is_some_and(coloured)));
        // A view of the last rows highlights the blocks in it, and only those.
        let from = plain[plain.len() - 2];
        lazy.colour(&doc, from..n, &cx);
        assert_eq!(differ(&lazy), plain[..plain.len() - 3]);
        assert!(lazy.has_deferred());
        lazy.colour(&doc, 0..1, &cx);
        assert_eq!(
            differ(&lazy),
            plain[..plain.len() - 3],
            "a view with no code"
        );
        lazy.colour(&doc, plain[0]..plain[0] + 1, &cx);
        assert_eq!(differ(&lazy), plain[3..plain.len() - 3]);
        lazy.colour(&doc, 0..n, &cx);
        assert!(!lazy.has_deferred());
        assert_eq!(lines(&lazy), lines(&eager));
    }

    /// Streamed in pieces, with the rows in view coloured after each (as the room does before
    /// a frame), a lazy answer shows exactly what eager rendering shows in those rows, and
    /// the whole answer once everything has been in view.
    #[test]
    fn what_is_shown_agrees_with_eager_rendering_at_every_step() {
        let cx = highlighted();
        let doc = format!("{}{}", doc(4), super::super::tests::DOC);
        let view = 12;
        for step in [5, 23, 61, 400] {
            let mut lazy = MarkdownText::lazy();
            let mut end = 0;
            while end < doc.len() {
                end = (end + step).min(doc.len());
                while !doc.is_char_boundary(end) {
                    end += 1;
                }
                let seen = &doc[..end];
                let finished = end == doc.len();
                lazy.update(seen, 44, finished, &cx);
                let n = lazy.len();
                lazy.colour(seen, n.saturating_sub(view)..n, &cx);
                let eager = MarkdownText::render(seen, 44, finished, &cx);
                assert_eq!(text(&lazy), text(&eager), "step {step}, {end} bytes");
                let shown = |m: &MarkdownText| {
                    (n.saturating_sub(view)..n)
                        .map(|i| m.row(i).cloned())
                        .collect::<Vec<_>>()
                };
                assert_eq!(shown(&lazy), shown(&eager), "step {step}, {end} bytes");
            }
            let n = lazy.len();
            lazy.colour(&doc, 0..n, &cx);
            let eager = MarkdownText::render(&doc, 44, true, &cx);
            assert_eq!(lines(&lazy), lines(&eager), "step {step}");
        }
    }

    /// The room's highlighter gives a frame an allowance: a view full of plain blocks gets as
    /// many coloured as it allows, asks for another frame, and is whole after a few; while
    /// answers stream the allowance is smaller, and a room at rest colours a screen at once.
    #[test]
    fn a_frame_colours_what_its_allowance_lets_it_and_asks_for_the_next() {
        let h = crate::markdown::Highlighter::in_background(|| {});
        let rust = h.syntax("rust").unwrap();
        while !h.is_ready(rust, "fn main() {}") {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let theme = Theme::default();
        let cx = Ctx {
            theme: &theme,
            highlighter: Some(&h),
        };
        let doc = doc(20);
        let frames = |streaming: bool| {
            let mut lazy = MarkdownText::lazy();
            lazy.update(&doc, 50, false, &cx);
            let n = lazy.len();
            assert_eq!(lazy.deferred.len(), 20);
            let mut frames = 0;
            while lazy.has_deferred() {
                h.new_frame(streaming);
                lazy.colour(&doc, 0..n, &cx);
                frames += 1;
                assert_eq!(h.wants_frame(), lazy.has_deferred(), "frame {frames}");
                assert!(frames < 20, "each frame colours more than one block");
            }
            assert_eq!(
                lines(&lazy),
                lines(&MarkdownText::render(&doc, 50, false, &cx))
            );
            frames
        };
        assert!(
            frames(true) > 1,
            "20 blocks are more than a streaming frame's allowance"
        );
        assert_eq!(frames(false), 1, "a room at rest colours them in one frame");
    }

    /// Without a highlighter nothing is deferred for good: the blocks wait until one loads
    /// (which renders everything again anyway).
    #[test]
    fn colouring_without_a_highlighter_keeps_the_blocks_waiting() {
        let theme = Theme::default();
        let plain = Ctx {
            theme: &theme,
            highlighter: None,
        };
        let doc = doc(2);
        let mut lazy = MarkdownText::lazy();
        lazy.update(&doc, 50, false, &plain);
        let n = lazy.len();
        lazy.colour(&doc, 0..n, &plain);
        let before = lines(&lazy);
        assert_eq!(
            before,
            lines(&MarkdownText::render(&doc, 50, false, &plain))
        );
        let cx = highlighted();
        lazy.update(&doc, 50, false, &cx);
        let n = lazy.len();
        lazy.colour(&doc, 0..n, &cx);
        assert_eq!(
            lines(&lazy),
            lines(&MarkdownText::render(&doc, 50, false, &cx))
        );
    }

    /// A new width renders everything again from the cache, where the blocks are still plain:
    /// they stay known as deferred and are highlighted when shown at the new width too.
    #[test]
    fn deferred_code_is_still_coloured_after_a_new_width() {
        let cx = highlighted();
        let doc = doc(3);
        let mut lazy = MarkdownText::lazy();
        lazy.update(&doc, 50, false, &cx);
        lazy.update(&doc, 36, false, &cx);
        assert!(lazy.has_deferred());
        let n = lazy.len();
        lazy.colour(&doc, 0..n, &cx);
        assert!(!lazy.has_deferred());
        assert_eq!(
            lines(&lazy),
            lines(&MarkdownText::render(&doc, 36, false, &cx))
        );
    }
}
