//! Finished blocks between frames. In a flood a frame used to render every block that had
//! finished since the last one (at 8 panes about half of a frame's CPU, BENCHMARKS.md). The
//! loop now hands its complete lines to `settle` as they come (a wake-up's budget of events
//! at a time), which takes them in exactly as `update` would: finished blocks rendered, an
//! open code fence fed its lines. The frame is left with the unfinished block's tail. Each
//! block is still rendered once; what moves is when.

use super::{Ctx, MarkdownText};

impl MarkdownText {
    /// Takes in the complete lines `text` has gained, as `update` would at `width`, without
    /// rendering the unfinished tail (the next `update` does, and must: `is_current` is false
    /// until then). Does nothing unless these rows are being kept up to date at `width` in
    /// `cx`'s theme: rows that were never rendered, or are out of date, wait for a view.
    pub fn settle(&mut self, text: &str, width: u16, cx: &Ctx<'_>) {
        if !self.extends(text, width, cx) || self.cache.outdated(cx) {
            return;
        }
        if self.take_in(text, false, cx) {
            self.unshown = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{docs, highlighted, rows};
    use super::*;
    use crate::theme::Theme;

    /// Tokens; between frames (every `frame` tokens) some wake-ups settle (every `wake`).
    fn stream(doc: &str, cx: &Ctx<'_>, lazy: bool, wake: usize, frame: usize) -> MarkdownText {
        let mut m = if lazy {
            MarkdownText::lazy()
        } else {
            MarkdownText::default()
        };
        let mut plain = m.clone();
        let mut seen = String::new();
        for (i, token) in crate::sim::answer::tokenize(doc).into_iter().enumerate() {
            seen.push_str(&token);
            if i % wake == 0 {
                m.settle(&seen, 44, cx);
            }
            if i % frame == 0 {
                m.update(&seen, 44, false, cx);
                plain.update(&seen, 44, false, cx);
                assert!(m.is_current(&seen, 44, false, cx));
                // What a view shows is coloured first.
                if lazy {
                    m.colour(&seen, 0..m.len(), cx);
                    plain.colour(&seen, 0..plain.len(), cx);
                }
                // The same rows in the same colours: settling changes when, not what.
                assert_eq!(lines(&m), lines(&plain), "after {seen:?}");
            }
        }
        m.update(&seen, 44, true, cx);
        m
    }

    fn lines(m: &MarkdownText) -> Vec<ratatui::text::Line<'static>> {
        (0..m.len()).filter_map(|i| m.row(i).cloned()).collect()
    }

    #[test]
    fn settling_between_frames_shows_what_updating_alone_does() {
        let theme = Theme::default();
        let plain = Ctx {
            theme: &theme,
            highlighter: None,
        };
        for cx in [plain, highlighted()] {
            for doc in docs() {
                for (wake, frame) in [(1, 7), (3, 40), (5, 5), (2, 1)] {
                    for lazy in [false, true] {
                        let m = stream(&doc, &cx, lazy, wake, frame);
                        let once = MarkdownText::render(&doc, 44, true, &cx);
                        assert_eq!(rows(&m), rows(&once));
                    }
                }
            }
        }
    }

    #[test]
    fn settling_renders_finished_blocks_and_leaves_the_tail_to_the_frame() {
        let cx = highlighted();
        let mut m = MarkdownText::default();
        m.update("", 40, false, &cx);
        let text = "First paragraph.\n\n- one\n- two\n\nStill being wr";
        m.settle(text, 40, &cx);
        // The paragraph is finished (the list may go on once the line being written ends):
        // rendered, and the frame owes the tail.
        assert_eq!(m.settled, "First paragraph.\n\n".len());
        assert_eq!(m.done.len(), 1);
        assert!(!m.is_current(text, 40, false, &cx));
        assert!(m.partial.is_empty());
        m.update(text, 40, false, &cx);
        assert!(m.is_current(text, 40, false, &cx));
        assert_eq!(rows(&m).last().map(String::as_str), Some("Still being wr"));
    }

    #[test]
    fn a_code_fence_still_open_is_highlighted_line_by_line_and_a_closed_one_waits() {
        let cx = highlighted();
        let mut m = MarkdownText::lazy();
        m.update("", 40, false, &cx);
        let open = "Intro.\n\n```rust\nlet a = 1;\nlet b";
        m.settle(open, 40, &cx);
        // Open: it may be shown while it streams, so its complete lines are coloured now.
        let live = m.live.as_ref().map(|l| (l.lines, l.deferred));
        assert_eq!(live, Some((1, false)));
        assert!(m.deferred.is_empty());
        // One that opens and closes between frames is settled whole, plain until shown.
        let closed = format!("{open} = 2;\n```\n\n```py\nx = 1\n```\n\nAfter");
        m.settle(&closed, 40, &cx);
        assert!(m.live.is_none());
        assert_eq!(m.deferred.len(), 1);
    }

    #[test]
    fn rows_never_rendered_or_out_of_date_are_left_for_a_view() {
        let cx = highlighted();
        let text = "One.\n\nTwo.\n\n";
        // Never rendered: nothing happens (its pane may never show it).
        let mut m = MarkdownText::lazy();
        m.settle(text, 40, &cx);
        assert_eq!((m.settled, m.len()), (0, 0));
        // Rendered at another width: the view renders it again from scratch.
        m.update("One.\n", 30, false, &cx);
        let before = rows(&m);
        m.settle(text, 40, &cx);
        assert_eq!(rows(&m), before);
        assert_eq!(m.seen, "One.\n".len());
    }
}
