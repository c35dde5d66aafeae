//! Reading answers side by side: jumping between prompts, and synced scrolling, where the
//! panes follow the focused one prompt by prompt. Panes are matched by prompt number (the
//! k-th prompt each pane was asked), not by rows: answers differ in length, so rows would
//! drift apart within one answer.

use super::{App, NoticeLevel};
use crate::markdown::Ctx;

/// Turns synced scrolling on or off; turning it on lines the panes up at once.
pub(super) fn toggle(app: &mut App) {
    app.sync_scroll = !app.sync_scroll;
    let text = if app.sync_scroll {
        "synced scrolling on: every pane shows the focused pane's prompt"
    } else {
        "synced scrolling off"
    };
    app.set_notice(NoticeLevel::Info, text);
    follow_focus(app);
}

/// After the focused pane scrolled: when synced, every other pane shows the same prompt at
/// its top (following at the bottom when the focused pane does).
pub(super) fn follow_focus(app: &mut App) {
    if !app.sync_scroll {
        return;
    }
    let cx = Ctx {
        theme: app.themes.current(),
        highlighter: app.highlighter.as_deref(),
    };
    let focus = app.focus;
    let Some(lead) = app.panes.get_mut(focus) else {
        return;
    };
    let following = lead.scroll.follow;
    let k = lead.prompt_at_top(&cx).map(|(k, _)| k);
    for (i, p) in app.panes.iter_mut().enumerate() {
        if i == focus {
            continue;
        }
        match k {
            // A pane with fewer prompts (added later) stays where it is.
            Some(k) if !following => {
                p.scroll_to_prompt(k, &cx);
            }
            _ => p.scroll_to_bottom(),
        }
    }
    app.mark_dirty();
}

/// Goes to prompt `text` (counted from 1, as the person reads them) in the focused pane, and
/// in every pane when synced. Anything but a prompt number the pane has is refused, and
/// nothing moves.
pub(super) fn jump_to(app: &mut App, text: &str) {
    let Some(p) = app.panes.get(app.focus) else {
        return;
    };
    let count = p
        .entries
        .iter()
        .filter(|e| matches!(e, super::pane::Entry::Prompt { .. }))
        .count();
    let n = text
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=count).contains(n));
    let Some(n) = n else {
        let why = match count {
            0 => "this pane has no prompt yet".to_owned(),
            c => format!(
                "no prompt `{}`: this pane has prompts 1 to {c}",
                crate::sanitize::Clean::line(text.trim())
            ),
        };
        app.set_notice(NoticeLevel::Error, why);
        return;
    };
    let cx = Ctx {
        theme: app.themes.current(),
        highlighter: app.highlighter.as_deref(),
    };
    if let Some(p) = app.panes.get_mut(app.focus) {
        p.scroll_to_prompt(n - 1, &cx);
    }
    follow_focus(app);
    app.mark_dirty();
}

/// Scrolls the focused pane to the previous (`back`) or next prompt; the others follow when
/// synced. "Previous" from the middle of an answer is the start of the prompt it answers, as
/// `[` goes to the start of the current section in vim.
pub(super) fn step(app: &mut App, back: bool) {
    let cx = Ctx {
        theme: app.themes.current(),
        highlighter: app.highlighter.as_deref(),
    };
    let Some(p) = app.panes.get_mut(app.focus) else {
        return;
    };
    let target = match (p.prompt_at_top(&cx), back) {
        (None, true) => None,
        (None, false) => Some(0),
        (Some((k, true)), true) => k.checked_sub(1),
        (Some((k, false)), true) => Some(k),
        (Some((k, _)), false) => Some(k + 1),
    };
    let moved = target.is_some_and(|k| p.scroll_to_prompt(k, &cx));
    if !moved {
        let edge = if back { "first" } else { "last" };
        app.set_notice(NoticeLevel::Info, format!("already at the {edge} prompt"));
    }
    follow_focus(app);
    app.mark_dirty();
}
