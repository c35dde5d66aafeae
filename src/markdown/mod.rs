//! Markdown answers as styled rows, rendered while they stream. `MarkdownText` keeps the rows
//! of the top-level blocks that are finished (a block is finished once the next one has
//! started) and renders only the unfinished tail again as text arrives; an open code fence at
//! the top level is highlighted line by line instead, so no token costs more than its line.
//! The room's answers are `lazy`: code in blocks that finish between two frames stays plain
//! until the view shows it (`colour`), so code a flood scrolls past is never highlighted.
//! Called from `update`, never from a view.

mod again;
mod code;
mod highlight;
mod html_code;
mod partial;
mod render;
mod settle;
mod table;
mod wrap;

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser};
use ratatui::text::Line;

pub use code::Fence;
pub use highlight::Highlighter;

use self::again::Waited;
use self::code::{CodeCache, label_row, line_rows, plain};
use self::partial::{LINE_CAP, LongLine};
use self::render::Writer;
use crate::theme::{ColorDepth, Theme};

/// Bytes of one block beyond which it is cut into pieces rendered on their own, so that a
/// line never costs more than this to render (thousands of lines with no blank line between
/// them would otherwise be one block rendered again at every line).
const BLOCK_CAP: usize = 2048;

/// Bytes of complete lines up to which the unfinished block is rendered whole at every token;
/// past it, the line being written is rendered on its own.
const SMALL_TAIL: usize = 256;

/// Where a giant block may be cut: the end of the first line past `cap` bytes of `src` that is
/// outside every code fence (however indented) and not a table row, and whose next line (which
/// must have arrived) is blank or starts a new line of its own (not an indented continuation,
/// a table row or a setext underline). `None` when there is no such line yet.
fn safe_cut(src: &str, cap: usize) -> Option<usize> {
    if src.len() <= cap {
        return None;
    }
    let starts_fresh = |line: &str| {
        let t = line.trim_end();
        t.is_empty()
            || !(line.starts_with(' ')
                || t.starts_with('|')
                || t.chars().all(|c| c == '=' || c == '-'))
    };
    let mut fence: Option<Fence> = None;
    let mut end = 0;
    let mut lines = src.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        end += line.len();
        let unindented = line.trim_start_matches(' ');
        fence = match fence {
            Some(f) if f.closes(unindented) => None,
            Some(f) => Some(f),
            None => Fence::open(unindented),
        };
        let next = lines.peek().filter(|n| n.ends_with('\n'));
        if end >= cap
            && fence.is_none()
            && !unindented.starts_with('|')
            && next.is_some_and(|n| starts_fresh(n))
        {
            return Some(end);
        }
    }
    None
}

/// What rendering needs besides the text: the theme, and the highlighter once it has loaded.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub theme: &'a Theme,
    pub highlighter: Option<&'a Highlighter>,
}

/// Rows depend on these; when one changes, everything is rendered again.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RenderKey {
    theme: String,
    depth: ColorDepth,
    highlighted: bool,
}

impl RenderKey {
    fn of(cx: &Ctx<'_>) -> Self {
        Self {
            theme: cx.theme.name().to_owned(),
            depth: cx.theme.depth(),
            highlighted: cx.highlighter.is_some(),
        }
    }

    /// `self == RenderKey::of(cx)`, without building one (this runs for every token).
    fn matches(&self, cx: &Ctx<'_>) -> bool {
        self.theme == cx.theme.name()
            && self.depth == cx.theme.depth()
            && self.highlighted == cx.highlighter.is_some()
    }
}

/// A top-level code fence that is still open, fed one complete line at a time.
#[derive(Debug, Clone)]
struct LiveCode {
    fence: Fence,
    /// Where the fence line starts in the answer (the block's cache key).
    offset: usize,
    /// Bytes of the answer consumed so far, the fence line included.
    fed: usize,
    lines: usize,
    rows: Vec<Line<'static>>,
    /// Opened and closed in one `advance`: kept plain until it is shown (`lazy`).
    deferred: bool,
}

#[derive(Debug, Clone, Default)]
pub struct MarkdownText {
    width: u16,
    key: Option<RenderKey>,
    /// Rows of the finished top-level blocks, a blank row between blocks.
    done: Vec<Line<'static>>,
    /// Bytes of the answer whose blocks are in `done`.
    settled: usize,
    /// Bytes up to the end of the last complete line handled.
    complete: usize,
    seen: usize,
    live: Option<LiveCode>,
    /// Rows of the complete lines after `settled`: the unfinished block as far as it goes.
    tail: Vec<Line<'static>>,
    /// The line being written when it is long: the rows of its finished pieces (they come
    /// before `partial`, which is then its last piece).
    long: LongLine<Line<'static>>,
    /// Rows of the line still being written (of a live fence, or on its own).
    partial: Vec<Line<'static>>,
    /// `tail` holds the line being written too (a small block rendered whole).
    tail_has_partial: bool,
    cache: CodeCache,
    /// The last committed rows were cut from a giant block that goes on: no gap after them.
    glued: bool,
    /// `settle` took in complete lines that `render_tail` has not shown yet.
    unshown: bool,
    /// Finished blocks whose rows show code plain because its grammar was compiling.
    waited: Vec<Waited>,
    /// Of those, the ones to render again now that a grammar has compiled (a frame's
    /// allowance at a time, `Highlighter::take_rework`).
    recolour: Vec<Waited>,
    /// Code in blocks that finish before a frame shows them is left plain (`deferred`) and
    /// highlighted by `colour` when it comes into view.
    lazy: bool,
    deferred: Vec<Waited>,
}

pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

fn parse(src: &str) -> Vec<(Event<'_>, Range<usize>)> {
    Parser::new_ext(src, options()).into_offset_iter().collect()
}

/// The top-level blocks of `events`: event index ranges and the byte where each starts.
fn top_level(events: &[(Event<'_>, Range<usize>)]) -> Vec<(Range<usize>, usize)> {
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(_) => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    blocks.push((start..i + 1, events[start].1.start));
                }
            }
            _ if depth == 0 => blocks.push((i..i + 1, range.start)),
            _ => {}
        }
    }
    blocks
}

impl MarkdownText {
    /// Rows whose code is highlighted only when shown: the owner calls `colour` with the rows
    /// in view before drawing them.
    pub fn lazy() -> Self {
        Self {
            lazy: true,
            ..Self::default()
        }
    }

    /// Renders `text` at `width`. `finished` says no more text will come, so its last line
    /// counts as complete.
    pub fn render(text: &str, width: u16, finished: bool, cx: &Ctx<'_>) -> Self {
        let mut m = Self::default();
        m.update(text, width, finished, cx);
        m
    }

    /// Catches up with `text`, which extends the text seen before (anything else, or a new
    /// width or theme, renders from scratch).
    pub fn update(&mut self, text: &str, width: u16, finished: bool, cx: &Ctx<'_>) {
        let same_key = self.key_matches(cx);
        if !self.extends(text, width, cx) {
            let mut cache = std::mem::take(&mut self.cache);
            if !same_key || text.len() < self.seen {
                cache.clear();
            }
            *self = Self {
                width,
                key: Some(RenderKey::of(cx)),
                cache,
                lazy: self.lazy,
                ..Self::default()
            };
        }
        // Lines `settle` took in since the last update changed the unfinished block too.
        let mut advanced = self.take_in(text, finished, cx) | std::mem::take(&mut self.unshown);
        if self.cache.outdated(cx) {
            self.grammars_compiled(text, cx);
            advanced = true;
        }
        self.recolour_step(text, cx);
        self.render_tail(text, advanced, cx);
    }

    /// Takes in the complete lines `text` has gained (all of it when `finished`); whether
    /// there were any. Only the new text can hold a new line end: a long line is not searched
    /// again.
    fn take_in(&mut self, text: &str, finished: bool, cx: &Ctx<'_>) -> bool {
        let complete = if finished {
            text.len()
        } else {
            text[self.seen..]
                .rfind('\n')
                .map_or(self.complete, |i| self.seen + i + 1)
        };
        self.seen = text.len();
        if complete <= self.complete {
            return false;
        }
        self.advance(text, complete, cx);
        self.complete = complete;
        true
    }

    /// Whether `text` extends what these rows were rendered from, at `width` in `cx`'s theme
    /// (else everything is rendered again).
    fn extends(&self, text: &str, width: u16, cx: &Ctx<'_>) -> bool {
        self.key_matches(cx)
            && width == self.width
            && text.len() >= self.seen
            && text.is_char_boundary(self.seen)
            && text.is_char_boundary(self.settled)
            && text.is_char_boundary(self.complete)
            && self
                .live
                .as_ref()
                .is_none_or(|l| text.is_char_boundary(l.fed))
    }

    /// Appends a finished block's rows; `src` is where it is in the answer.
    fn commit(&mut self, rows: Vec<Line<'static>>, src: Range<usize>) {
        // Whatever this block's rendering left plain belongs to it, and to no later block.
        let deferred = self.cache.take_deferred();
        if rows.is_empty() {
            return;
        }
        if !self.done.is_empty() && !std::mem::take(&mut self.glued) {
            self.done.push(Line::default());
        }
        let start = self.done.len();
        self.done.extend(rows);
        let rows = start..self.done.len();
        if deferred && self.lazy {
            self.deferred.push(Waited {
                src: src.clone(),
                rows: rows.clone(),
            });
        }
        if self.cache.waits_in(&src) {
            self.waited.push(Waited { src, rows });
        }
    }

    /// Takes in the complete lines up to `upto`: finished blocks move to `done`, a live fence
    /// gets its new lines.
    fn advance(&mut self, text: &str, upto: usize, cx: &Ctx<'_>) {
        let width = usize::from(self.width);
        loop {
            if let Some(mut live) = self.live.take() {
                let mut closed = None;
                self.cache.defer = live.deferred;
                for line in text[live.fed..upto].split_inclusive('\n') {
                    if live.fence.closes(line) {
                        closed = Some(live.fed + line.len());
                        break;
                    }
                    let content = live.fence.strip(line);
                    let pieces =
                        self.cache
                            .line(live.offset, live.fence.lang(), live.lines, content, cx);
                    let mut rows = Vec::new();
                    line_rows(&pieces, width, cx, &mut rows);
                    live.rows.extend(rows.into_iter().map(Line::from));
                    live.lines += 1;
                    live.fed += line.len();
                }
                self.cache.defer = false;
                let Some(end) = closed else {
                    self.live = Some(live);
                    return;
                };
                if live.lines == 0 {
                    let mut rows = Vec::new();
                    line_rows(&[], width, cx, &mut rows);
                    live.rows.extend(rows.into_iter().map(Line::from));
                }
                self.commit(live.rows, live.offset..end);
                self.settled = end;
                continue;
            }
            let rest = &text[self.settled..upto];
            let blank: usize = rest
                .split_inclusive('\n')
                .take_while(|l| l.trim().is_empty() && l.ends_with('\n'))
                .map(str::len)
                .sum();
            self.settled += blank;
            let rest = &text[self.settled..upto];
            if rest.is_empty() {
                return;
            }
            let first = rest.split_inclusive('\n').next().unwrap_or(rest);
            if let Some(fence) = Fence::open(first) {
                let mut rows: Vec<Line<'static>> = Vec::new();
                if let Some(label) = label_row(fence.lang(), width, cx) {
                    rows.push(Line::from(label));
                }
                let fed = self.settled + first.len();
                // A block that closes before it is shown can wait to be highlighted; one still
                // open is highlighted line by line, as it may be shown while it streams.
                let deferred = self.lazy
                    && text[fed..upto]
                        .split_inclusive('\n')
                        .any(|l| fence.closes(l));
                self.live = Some(LiveCode {
                    fence,
                    offset: self.settled,
                    fed,
                    lines: 0,
                    rows,
                    deferred,
                });
                continue;
            }
            let events = parse(rest);
            let blocks = top_level(&events);
            // A giant first block is cut at a line outside any fence, so that no line costs
            // more than `BLOCK_CAP` to render; the pieces join without a gap. (Where it is cut
            // depends only on the text, so streaming and rendering at once agree.)
            let first_end = blocks.get(1).map_or(rest.len(), |(_, start)| {
                let at = (*start).min(rest.len());
                rest[..at].rfind('\n').map_or(0, |i| i + 1)
            });
            if let Some(cut) = safe_cut(&rest[..first_end], BLOCK_CAP) {
                let head = &rest[..cut];
                let events = parse(head);
                self.cache.defer = self.lazy;
                let rows =
                    Writer::new(cx, &mut self.cache, width, head, self.settled).render(&events);
                self.cache.defer = false;
                self.commit(rows, self.settled..self.settled + cut);
                self.glued = true;
                self.settled += cut;
                continue;
            }
            let Some(((_, last_start), finished)) = blocks.split_last() else {
                return;
            };
            if finished.is_empty() {
                return;
            }
            let at = (*last_start).min(rest.len());
            let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
            if line_start == 0 {
                // Two blocks on one line cannot happen in CommonMark; never loop on it.
                return;
            }
            let base = self.settled;
            for (i, (range, start)) in finished.iter().enumerate() {
                self.cache.defer = self.lazy;
                let writer = Writer::new(cx, &mut self.cache, width, rest, base);
                let rows = writer.render(&events[range.clone()]);
                self.cache.defer = false;
                // The block's source runs to the line where the next one starts.
                let next = blocks
                    .get(i + 1)
                    .map_or(line_start, |(_, s)| *s)
                    .min(rest.len());
                let end = rest[..next].rfind('\n').map_or(next, |i| i + 1).max(*start);
                self.commit(rows, base + start..base + end);
            }
            self.settled += line_start;
        }
    }

    /// Renders what comes after the finished blocks. The complete lines of the unfinished
    /// block are rendered again only when a line completes; the line still being written is
    /// rendered on its own at every update (it is the whole block when the block is one line,
    /// as most paragraphs are), so an update costs its line, not its block, and a long line
    /// only its last piece.
    fn render_tail(&mut self, text: &str, advanced: bool, cx: &Ctx<'_>) {
        let width = usize::from(self.width);
        self.partial.clear();
        if let Some(live) = &self.live {
            self.tail.clear();
            let from = live.fed.min(text.len());
            if text.len() - from <= LINE_CAP {
                self.long.clear();
            }
            let fence = &live.fence;
            let code_rows = |piece: &str, at: usize| {
                let piece = if at == from {
                    fence.strip(piece)
                } else {
                    piece
                };
                let mut rows = Vec::new();
                line_rows(&plain(piece, cx), width, cx, &mut rows);
                rows.into_iter().map(Line::from).collect::<Vec<_>>()
            };
            let last = if text.len() - from > LINE_CAP {
                self.long.update(text, from, code_rows)
            } else {
                from
            };
            if last < text.len() {
                self.partial = code_rows(&text[last..], last);
            }
            return;
        }
        let from = self.complete.max(self.settled);
        let lines = &text[self.settled..from];
        let mut partial = &text[from..];
        let mut at = from;
        if partial.len() > LINE_CAP {
            let cache = &mut self.cache;
            at = self.long.update(text, from, |piece, offset| {
                Writer::new(cx, cache, width, piece, offset).render(&parse(piece))
            });
            partial = &text[at..];
        } else {
            self.long.clear();
        }
        // A small block, or a table growing a row, is worth rendering whole at every update.
        let whole = at == from
            && !partial.trim().is_empty()
            && (lines.len() <= SMALL_TAIL || partial.trim_start().starts_with('|'));
        if whole {
            let rest = &text[self.settled..];
            self.tail =
                Writer::new(cx, &mut self.cache, width, rest, self.settled).render(&parse(rest));
            self.tail_has_partial = true;
            return;
        }
        if advanced || self.tail_has_partial {
            self.tail = if lines.trim().is_empty() {
                Vec::new()
            } else {
                Writer::new(cx, &mut self.cache, width, lines, self.settled).render(&parse(lines))
            };
            self.tail_has_partial = false;
        }
        if !partial.trim().is_empty() {
            self.partial =
                Writer::new(cx, &mut self.cache, width, partial, at).render(&parse(partial));
        }
    }

    /// Whether the rows were rendered for `cx`'s theme, colours and highlighter.
    fn key_matches(&self, cx: &Ctx<'_>) -> bool {
        self.key.as_ref().is_some_and(|k| k.matches(cx))
    }

    fn separated(&self) -> bool {
        !self.done.is_empty()
            && !self.glued
            && (self.live.is_some()
                || !self.tail.is_empty()
                || !self.long.rows().is_empty()
                || !self.partial.is_empty())
    }

    pub fn len(&self) -> usize {
        self.done.len()
            + usize::from(self.separated())
            + self.live.as_ref().map_or(0, |l| l.rows.len())
            + self.tail.len()
            + self.long.rows().len()
            + self.partial.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, i: usize) -> Option<&Line<'static>> {
        static BLANK: Line<'static> = Line {
            spans: Vec::new(),
            style: ratatui::style::Style::new(),
            alignment: None,
        };
        let mut i = i;
        if i < self.done.len() {
            return self.done.get(i);
        }
        i -= self.done.len();
        if self.separated() {
            if i == 0 {
                return Some(&BLANK);
            }
            i -= 1;
        }
        let live = self.live.as_ref().map_or(&[][..], |l| &l.rows[..]);
        if i < live.len() {
            return live.get(i);
        }
        let i = i - live.len();
        if i < self.tail.len() {
            return self.tail.get(i);
        }
        let i = i - self.tail.len();
        let long = self.long.rows();
        if i < long.len() {
            return long.get(i);
        }
        self.partial.get(i - long.len())
    }

    /// Whether these rows are already `text` at `width` in `cx`'s theme: nothing to do.
    pub fn is_current(&self, text: &str, width: u16, finished: bool, cx: &Ctx<'_>) -> bool {
        self.width == width
            && self.seen == text.len()
            && (!finished || self.complete == text.len())
            && self.key_matches(cx)
            && self.recolour.is_empty()
            && !self.unshown
            && !self.cache.outdated(cx)
    }
}

#[cfg(test)]
mod tests;
