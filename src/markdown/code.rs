//! Code blocks: a language label, then each line highlighted on the block's background and
//! wrapped only at spaces. Highlighting is the expensive part, so it is cached per block (by
//! where the block starts in the answer) and a growing block only highlights its new lines;
//! a resize re-wraps from the cache. In `defer` mode (the room, for blocks that finish before
//! a frame shows them) a block not seen before is cached plain and highlighted only when it
//! comes into view: a flood scrolls most code past unseen (issue 10).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use ratatui::text::Span;

use super::Ctx;
use super::highlight::LineHighlighter;
use super::wrap::{Breaks, Piece, clip, spans_width, wrap_pieces};

/// Highlighted lines of the code blocks of one answer, keyed by the byte offset of the line
/// that opens each block.
#[derive(Default, Clone)]
pub struct CodeCache {
    blocks: HashMap<usize, Block>,
    /// A block is shown plain while its grammar compiles in the background: the highlighter's
    /// count of compiled grammars when that was first so (`Highlighter::compiled`).
    waiting: Option<u64>,
    /// Blocks not cached yet are kept plain (`Block::deferred`), to be highlighted when shown.
    pub defer: bool,
    /// A deferred block was rendered since `take_deferred` last asked.
    touched_deferred: bool,
}

impl std::fmt::Debug for CodeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CodeCache({} blocks)", self.blocks.len())
    }
}

#[derive(Clone)]
struct Block {
    lang: String,
    /// Each highlighted line with a hash of its source, to notice a block that is not the one
    /// cached (a retried answer reuses offsets).
    lines: Vec<(u64, Vec<Piece>)>,
    /// The grammar's state after the last cached line; `None` once the block is plain.
    state: Option<LineHighlighter>,
    /// Plain only because its grammar was compiling in the background.
    waiting: bool,
    /// Plain because it was rendered in `defer` mode: highlighted when next rendered without.
    deferred: bool,
}

fn hash_of(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl CodeCache {
    pub fn clear(&mut self) {
        self.blocks.clear();
        self.waiting = None;
        self.touched_deferred = false;
    }

    /// Drops the blocks that are plain only because their grammar was compiling, so they are
    /// highlighted when next rendered (or wait again, if it still is).
    pub fn forget_waiting(&mut self) {
        self.blocks.retain(|_, b| !b.waiting);
        self.waiting = None;
    }

    /// Whether a block kept plain by `defer` was rendered since the last call: the caller
    /// asks after rendering each finished block (a scan of every cached block per block would
    /// make a long answer's code quadratic).
    pub fn take_deferred(&mut self) -> bool {
        std::mem::take(&mut self.touched_deferred)
    }

    /// Whether a block starting in `src` waits for its grammar.
    pub fn waits_in(&self, src: &std::ops::Range<usize>) -> bool {
        self.waiting.is_some()
            && self
                .blocks
                .iter()
                .any(|(at, b)| b.waiting && src.contains(at))
    }

    /// Some block here is plain only because its grammar was compiling, and a grammar has
    /// compiled since: the rows are worth rendering again.
    pub fn outdated(&self, cx: &Ctx<'_>) -> bool {
        self.waiting
            .is_some_and(|n| cx.highlighter.is_some_and(|h| h.compiled() != n))
    }

    /// Pieces of one complete line of the block at `offset`: the cached ones when this is a
    /// line seen before, else highlighted now after the lines before it.
    pub fn line(
        &mut self,
        offset: usize,
        lang: &str,
        index: usize,
        line: &str,
        cx: &Ctx<'_>,
    ) -> Vec<Piece> {
        let h = hash_of(line);
        let waiting = &mut self.waiting;
        let defer = self.defer;
        let mut fresh = |first: &str| {
            let mut block = Block {
                lang: lang.to_owned(),
                lines: Vec::new(),
                state: None,
                waiting: false,
                deferred: defer,
            };
            if defer {
                return block;
            }
            block.state = cx.highlighter.and_then(|hl| {
                let syntax = if lang.trim().is_empty() {
                    hl.syntax_for_first_line(first)?
                } else {
                    hl.syntax(lang)?
                };
                // Read before asking, so a grammar that compiles right after still counts.
                let compiled = hl.compiled();
                if !hl.is_ready(syntax, first) {
                    waiting.get_or_insert(compiled);
                    block.waiting = true;
                    return None;
                }
                LineHighlighter::for_syntax(hl, syntax, cx.theme)
            });
            block
        };
        let block = self.blocks.entry(offset).or_insert_with(|| fresh(line));
        // A deferred block is highlighted from its first line once it is wanted shown.
        let stale = block.lang != lang
            || (block.deferred && !defer)
            || index > block.lines.len()
            || block.lines.get(index).is_some_and(|(hash, _)| *hash != h);
        if stale {
            *block = fresh(line);
        }
        if block.deferred {
            self.touched_deferred = true;
        }
        if stale && index > 0 {
            // Cannot resume mid-block without the lines before: show this one plain.
            return plain(line, cx);
        }
        if let Some((_, pieces)) = block.lines.get(index) {
            return pieces.clone();
        }
        let pieces = match (&mut block.state, cx.highlighter) {
            (Some(state), Some(hl)) => state.line(hl, line, cx.theme),
            _ => None,
        };
        let pieces = pieces.unwrap_or_else(|| {
            block.state = None;
            plain(line, cx)
        });
        block.lines.push((h, pieces.clone()));
        pieces
    }
}

/// A line in the block's plain style (no grammar, or still being written).
pub fn plain(line: &str, cx: &Ctx<'_>) -> Vec<Piece> {
    let text = line.trim_end_matches('\n');
    if text.is_empty() {
        Vec::new()
    } else {
        vec![(text.to_owned(), cx.theme.code())]
    }
}

/// The label row above a block: its language, when it has one.
pub fn label_row(lang: &str, width: usize, cx: &Ctx<'_>) -> Option<Vec<Span<'static>>> {
    let lang = lang.split([',', ' ', '{', '}']).find(|t| !t.is_empty())?;
    let mut row = vec![Span::styled(
        format!("{} {lang}", gutter(cx)),
        cx.theme.code_label(),
    )];
    fill(&mut row, width, cx);
    Some(clip(row, width))
}

/// The rows of one code line: a gutter, the code wrapped at spaces, and the background filled
/// to the edge so the block reads as one box.
pub fn line_rows(pieces: &[Piece], width: usize, cx: &Ctx<'_>, out: &mut Vec<Vec<Span<'static>>>) {
    let inner = width.saturating_sub(1).max(1);
    for row in wrap_pieces(pieces, inner, Breaks::Spaces) {
        let mut spans = Vec::with_capacity(row.len() + 2);
        spans.push(Span::styled(gutter(cx), cx.theme.code()));
        spans.extend(row);
        fill(&mut spans, width, cx);
        out.push(clip(spans, width));
    }
}

/// Without colour there is no background to mark the block, so a bar does.
fn gutter(cx: &Ctx<'_>) -> &'static str {
    if cx.theme.has_color() { " " } else { "│" }
}

fn fill(row: &mut Vec<Span<'static>>, width: usize, cx: &Ctx<'_>) {
    let used = spans_width(row);
    if cx.theme.has_color() && used < width {
        row.push(Span::styled(" ".repeat(width - used), cx.theme.code()));
    }
}

/// An opening code fence: its character, length, indentation and info string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub ch: char,
    pub len: usize,
    pub indent: usize,
    pub info: String,
}

impl Fence {
    /// `line` as an opening fence, as CommonMark reads one (at most 3 spaces in, 3 or more
    /// backticks or tildes; a backtick fence's info has no backtick).
    pub fn open(line: &str) -> Option<Self> {
        let line = line.trim_end_matches('\n');
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > 3 {
            return None;
        }
        let rest = &line[indent..];
        let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let len = rest.len() - rest.trim_start_matches(ch).len();
        if len < 3 {
            return None;
        }
        let info = rest[len..].trim();
        if ch == '`' && info.contains('`') {
            return None;
        }
        Some(Self {
            ch,
            len,
            indent,
            info: info.to_owned(),
        })
    }

    /// Whether `line` closes this fence.
    pub fn closes(&self, line: &str) -> bool {
        let line = line.trim_end_matches('\n');
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > 3 {
            return false;
        }
        let rest = &line[indent..];
        let len = rest.len() - rest.trim_start_matches(self.ch).len();
        len >= self.len && rest[len..].trim().is_empty()
    }

    /// A content line with the fence's indentation taken off (as CommonMark does).
    pub fn strip<'a>(&self, line: &'a str) -> &'a str {
        let spaces = line.len() - line.trim_start_matches(' ').len();
        &line[spaces.min(self.indent)..]
    }

    pub fn lang(&self) -> &str {
        self.info.split_whitespace().next().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_open_and_close_as_commonmark_says() {
        let f = Fence::open("```rust title=x\n").unwrap();
        assert_eq!((f.ch, f.len, f.indent, f.lang()), ('`', 3, 0, "rust"));
        assert!(Fence::open("  ~~~~\n").is_some_and(|f| f.len == 4 && f.indent == 2));
        assert!(Fence::open("    ```\n").is_none());
        assert!(Fence::open("``\n").is_none());
        assert!(Fence::open("```a`b\n").is_none());
        assert!(f.closes("```\n") && f.closes("   `````  \n"));
        assert!(!f.closes("``\n") && !f.closes("```x\n") && !f.closes("~~~\n"));
        let g = Fence::open("  ```\n").unwrap();
        assert_eq!(g.strip("    x\n"), "  x\n");
        assert_eq!(g.strip(" y\n"), "y\n");
    }
}
