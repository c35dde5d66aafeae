//! The diff view: two panes' latest answers compared word by word (`crate::worddiff`), the
//! places they disagree first, largest first, then both answers merged. Removed and added words
//! carry `[-…-]` and `{+…+}` as well as colours, so it reads the same under `NO_COLOR` and in a
//! copy. The diff and its wrapping are computed here, in `update`, when the view opens, when
//! the pair or the width changes and when one of the two answers ends; never per frame. Panes
//! are named through `Identity`, and in a blind round their text is scrubbed of their names.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{AnswerState, App, Command, NoticeLevel, Overlay};
use crate::text::width_of;
use crate::worddiff::{Run, Side, WordDiff, word_diff};

/// How a piece of a row is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Text,
    Removed,
    Added,
    Heading,
    Note,
}

/// One screen row: pieces of clean text, each with its mark.
pub type Row = Vec<(String, Mark)>;

/// The open diff view.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffView {
    /// The two panes compared, by index: the first's words are `[-…-]`, the second's `{+…+}`.
    pub left: usize,
    pub right: usize,
    pub scroll: usize,
    pub title: String,
    pub rows: Vec<Row>,
    /// The text width the rows were wrapped to.
    pub width: u16,
}

/// Opens the view on the focused pane and the next one (or says why it cannot).
pub(super) fn open(app: &mut App) {
    let n = app.panes.len();
    if n < 2 {
        let add = app
            .keymap
            .label_for(Command::AddPane)
            .map_or_else(String::new, |k| format!(": add one with {k}"));
        app.set_notice(NoticeLevel::Info, format!("a diff compares two panes{add}"));
        return;
    }
    let left = app.focus.min(n - 1);
    let mut view = DiffView {
        left,
        right: (left + 1) % n,
        scroll: 0,
        title: String::new(),
        rows: Vec::new(),
        width: 0,
    };
    build(app, &mut view);
    app.overlay = Overlay::Diff(Box::new(view));
}

/// The text width of the view at the room's size (it covers the panes, inside its border).
fn text_width(app: &App) -> u16 {
    app.area.width.saturating_sub(4).max(10)
}

/// Computes the diff of the view's two panes and wraps it.
fn build(app: &App, view: &mut DiffView) {
    let width = text_width(app);
    let side = |i: usize| {
        app.identity(i).map_or_else(
            || format!("{}", i + 1),
            |id| format!("{} · {}", i + 1, id.model()),
        )
    };
    let (l, r) = (side(view.left), side(view.right));
    view.title = format!(" diff · {l} ⇄ {r} ");
    view.width = width;
    let mut rows = vec![vec![
        (format!("[-…-] only in {l}"), Mark::Removed),
        ("   ".to_owned(), Mark::Text),
        (format!("{{+…+}} only in {r}"), Mark::Added),
    ]];
    let (a, a_note) = answer_text(app, view.left);
    let (b, b_note) = answer_text(app, view.right);
    for note in [a_note, b_note].into_iter().flatten() {
        rows.extend(wrap(&[(note, Mark::Note)], width));
    }
    if prompt_of(app, view.left) != prompt_of(app, view.right) {
        rows.extend(wrap(
            &[(
                "⚠ their latest answers reply to different prompts".to_owned(),
                Mark::Note,
            )],
            width,
        ));
    }
    if a.is_empty() && b.is_empty() {
        rows.push(vec![("nothing to compare yet".to_owned(), Mark::Note)]);
    } else {
        rows.extend(diff_rows(&word_diff(&a, &b), width));
    }
    view.scroll = view.scroll.min(rows.len().saturating_sub(shown(app)));
    view.rows = rows;
}

/// The text of pane `i`'s latest answer, blind as the pane is, and a note when it is not a
/// finished answer (still streaming, stopped, failed, none yet).
fn answer_text(app: &App, i: usize) -> (String, Option<String>) {
    let (Some(pane), Some(id)) = (app.panes.get(i), app.identity(i)) else {
        return (String::new(), None);
    };
    let name = format!("{} · {}", i + 1, id.model());
    let Some(a) = pane.last_answer() else {
        return (String::new(), Some(format!("{name} has no answer yet")));
    };
    let text = id.scrub(&a.reply.content).into_string();
    let words = text.split_whitespace().count();
    let note = match &a.state {
        AnswerState::Complete => None,
        s if s.is_live() => Some(format!(
            "⋯ {name} is still answering: this compares its first {words} words (the view \
             updates when it ends; r refreshes now)"
        )),
        AnswerState::Stopped => Some(format!("■ {name} was stopped: its {words} words so far")),
        AnswerState::Failed => Some(format!("✗ {name} failed: its {words} words before it did")),
        _ => Some(format!(
            "⚠ {name} was interrupted: its {words} words so far"
        )),
    };
    (text, note)
}

/// The prompt pane `i`'s latest answer replies to.
fn prompt_of(app: &App, i: usize) -> Option<&str> {
    app.panes
        .get(i)?
        .entries
        .iter()
        .rev()
        .find_map(|e| match e {
            super::pane::Entry::Prompt { text, .. } => Some(text.as_str()),
            super::pane::Entry::Answer(_) => None,
        })
}

/// The summary, the places (largest first) and the merged answers, wrapped to `width`.
fn diff_rows(d: &WordDiff, width: u16) -> Vec<Row> {
    let mut rows = Vec::new();
    let summary = if d.identical() {
        format!(
            "the two answers are word for word the same ({} words)",
            d.same
        )
    } else if d.same == 0 {
        format!(
            "no word in common: {} words only in the first, {} only in the second",
            d.removed, d.added
        )
    } else {
        let places = d.places.len();
        format!(
            "{} words differ in {places} place{}: {} only in the first, {} only in the second · {} alike",
            d.removed + d.added,
            if places == 1 { "" } else { "s" },
            d.removed,
            d.added,
            d.same
        )
    };
    rows.extend(wrap(&[(summary, Mark::Heading)], width));
    // With no word in common there are no places of disagreement, only two different texts:
    // listing them as one "place" would print everything twice.
    let places = if d.same == 0 { &[][..] } else { &d.places[..] };
    for (k, place) in places.iter().enumerate() {
        rows.push(heading(
            &format!(
                "place {} of {} · {} words",
                k + 1,
                d.places.len(),
                place.size()
            ),
            width,
        ));
        // A place reads as one line of text: its line breaks would only break it up.
        let pieces: Vec<(String, Mark)> = place
            .runs
            .iter()
            .map(|r| (marked(r, false), mark_of(r.side)))
            .collect();
        rows.extend(wrap(&pieces, width));
    }
    if !d.identical() {
        rows.push(heading("both answers, merged", width));
        let pieces: Vec<(String, Mark)> = d
            .whole
            .iter()
            .map(|r| (marked(r, true), mark_of(r.side)))
            .collect();
        rows.extend(wrap(&pieces, width));
    }
    rows
}

fn heading(text: &str, width: u16) -> Row {
    let rule = usize::from(width).saturating_sub(width_of(text) + 4);
    vec![(format!("── {text} {}", "─".repeat(rule)), Mark::Heading)]
}

fn mark_of(side: Side) -> Mark {
    match side {
        Side::Same => Mark::Text,
        Side::Removed => Mark::Removed,
        Side::Added => Mark::Added,
    }
}

/// A run with its markers; `breaks` keeps its line breaks, otherwise whitespace is one space.
fn marked(r: &Run, breaks: bool) -> String {
    let (open, close) = match r.side {
        Side::Same => ("", ""),
        Side::Removed => ("[-", "-]"),
        Side::Added => ("{+", "+}"),
    };
    let lead = if r.lead.is_empty() {
        ""
    } else if breaks && r.lead.contains('\n') {
        if r.lead.matches('\n').count() > 1 {
            "\n\n"
        } else {
            "\n"
        }
    } else {
        " "
    };
    // A tab has no width a row can count on: it is a space here, as in the places.
    let text = if breaks {
        r.text.replace('\t', " ")
    } else {
        r.text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    format!("{lead}{open}{text}{close}")
}

/// Greedy word wrap of marked pieces to `width` columns: breaks at spaces and at the line
/// breaks the pieces hold; a word wider than a row is cut.
fn wrap(pieces: &[(String, Mark)], width: u16) -> Vec<Row> {
    let width = usize::from(width.max(1));
    let mut rows: Vec<Row> = vec![Vec::new()];
    let mut used = 0;
    for (text, mark) in pieces {
        for (n, line) in text.split('\n').enumerate() {
            if n > 0 {
                rows.push(Vec::new());
                used = 0;
            }
            for (k, word) in line.split(' ').enumerate() {
                let space = usize::from(k > 0 && used > 0);
                if word.is_empty() {
                    continue;
                }
                let w = width_of(word);
                if used > 0 && used + space + w > width {
                    rows.push(Vec::new());
                    used = 0;
                } else if space == 1 {
                    push(&mut rows, " ", Mark::Text);
                    used += 1;
                }
                let mut rest = word;
                while !rest.is_empty() {
                    let (head, tail) = split_at_width(rest, width - used);
                    let (head, tail) = if head.is_empty() && used == 0 {
                        // Not even one character fits an empty row: take one anyway.
                        let c = rest.chars().next().map_or(rest.len(), char::len_utf8);
                        rest.split_at(c)
                    } else {
                        (head, tail)
                    };
                    push(&mut rows, head, *mark);
                    used += width_of(head);
                    rest = tail;
                    if !rest.is_empty() {
                        rows.push(Vec::new());
                        used = 0;
                    }
                }
            }
        }
    }
    if rows.last().is_some_and(Vec::is_empty) && rows.len() > 1 {
        rows.pop();
    }
    rows
}

fn push(rows: &mut [Row], text: &str, mark: Mark) {
    if let Some(row) = rows.last_mut() {
        match row.last_mut() {
            Some((t, m)) if *m == mark => t.push_str(text),
            _ => row.push((text.to_owned(), mark)),
        }
    }
}

/// The longest prefix of `s` at most `width` columns wide, and the rest.
fn split_at_width(s: &str, width: usize) -> (&str, &str) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = width_of(c.encode_utf8(&mut [0; 4]));
        if used + w > width {
            return s.split_at(i);
        }
        used += w;
    }
    (s, "")
}

/// Keys in the view: ←/→ the first pane, Tab/Shift+Tab the second, `s` swaps, `r` refreshes,
/// arrows and pages scroll; Esc, `q` or the view's own key close it.
pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Option<Command> {
    let Overlay::Diff(view) = &app.overlay else {
        return None;
    };
    let mut view = view.clone();
    let n = app.panes.len().max(1);
    let page = shown(app).saturating_sub(1).max(1);
    let other = |from: usize, avoid: usize, forward: bool| {
        let step = |i: usize| {
            if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }
        };
        let next = step(from);
        if next == avoid { step(next) } else { next }
    };
    let rebuild = match (app.keymap.resolve(key, true), key.code) {
        (Some(cmd @ (Command::Quit | Command::Interrupt)), _) => return Some(cmd),
        (Some(Command::Diff | Command::Stop), _) | (_, KeyCode::Char('q') | KeyCode::Esc) => {
            app.overlay = Overlay::None;
            return None;
        }
        (_, KeyCode::Left) => {
            view.left = other(view.left, view.right, false);
            true
        }
        (_, KeyCode::Right) => {
            view.left = other(view.left, view.right, true);
            true
        }
        (_, KeyCode::Tab) if key.modifiers.contains(KeyModifiers::SHIFT) => {
            view.right = other(view.right, view.left, false);
            true
        }
        (_, KeyCode::BackTab) => {
            view.right = other(view.right, view.left, false);
            true
        }
        (_, KeyCode::Tab) => {
            view.right = other(view.right, view.left, true);
            true
        }
        (_, KeyCode::Char('s')) => {
            std::mem::swap(&mut view.left, &mut view.right);
            true
        }
        (_, KeyCode::Char('r')) => true,
        (_, KeyCode::Up | KeyCode::Char('k')) => {
            view.scroll = view.scroll.saturating_sub(1);
            false
        }
        (_, KeyCode::Down | KeyCode::Char('j')) => {
            view.scroll += 1;
            false
        }
        (_, KeyCode::PageUp) => {
            view.scroll = view.scroll.saturating_sub(page);
            false
        }
        (_, KeyCode::PageDown | KeyCode::Char(' ')) => {
            view.scroll += page;
            false
        }
        (_, KeyCode::Home | KeyCode::Char('g')) => {
            view.scroll = 0;
            false
        }
        (_, KeyCode::End | KeyCode::Char('G')) => {
            view.scroll = usize::MAX;
            false
        }
        _ => false,
    };
    if rebuild {
        view.scroll = 0;
        build(app, &mut view);
    }
    view.scroll = view.scroll.min(view.rows.len().saturating_sub(shown(app)));
    app.overlay = Overlay::Diff(view);
    None
}

/// Rows of text the view shows: the room's height but the status bar and two borders.
pub fn shown(app: &App) -> usize {
    usize::from(app.area.height.saturating_sub(3))
}

/// One of the view's panes changed (an answer ended, the room was resized, a pane closed):
/// the diff is computed again, keeping the scroll.
pub(super) fn refresh(app: &mut App, pane: Option<usize>) {
    let Overlay::Diff(view) = &app.overlay else {
        return;
    };
    if pane.is_some_and(|i| i != view.left && i != view.right) && view.width == text_width(app) {
        return;
    }
    if view.left.max(view.right) >= app.panes.len() || app.panes.len() < 2 {
        app.overlay = Overlay::None;
        return;
    }
    let mut view = view.clone();
    build(app, &mut view);
    app.overlay = Overlay::Diff(view);
    app.mark_dirty();
}

/// The hint under the view, as long as `width` columns allow.
pub fn hint(app: &App, width: usize) -> String {
    let close = app
        .keymap
        .label_for(Command::Diff)
        .map(|k| format!("{k}/"))
        .unwrap_or_default();
    let long = format!(
        " ←→ first pane · Tab second pane · s swaps · ↑↓ PgUp PgDn scroll · r refreshes · {close}Esc closes "
    );
    if width_of(&long) <= width {
        return long;
    }
    format!(" ←→ 1st pane · Tab 2nd · s swap · ↑↓ PgDn scroll · r refresh · {close}Esc close ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| r.iter().map(|(t, _)| t.as_str()).collect())
            .collect()
    }

    #[test]
    fn wrapping_keeps_markers_with_their_words_and_cuts_only_overlong_words() {
        let pieces = vec![
            ("it depends on the".to_owned(), Mark::Text),
            (" [-load-]".to_owned(), Mark::Removed),
            ("{+traffic+}".to_owned(), Mark::Added),
            (" and\nnext line abcdefghijklmnop".to_owned(), Mark::Text),
        ];
        let rows = wrap(&pieces, 12);
        assert_eq!(
            text(&rows),
            [
                "it depends",
                "on the",
                "[-load-]",
                "{+traffic+}",
                "and",
                "next line",
                "abcdefghijkl",
                "mnop"
            ]
        );
        assert!(rows.iter().flatten().all(|(t, _)| width_of(t) <= 12));
        assert!(rows[2].contains(&("[-load-]".to_owned(), Mark::Removed)));
    }
}
