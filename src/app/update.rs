//! `update`: the only place the room's state changes. Keys resolve through the keymap to
//! `Command`s; each command is a small function here; stream results go to `stream.rs`.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

use super::pane::{Answer, AnswerState, CostState, Entry, Pane, prompt_entry};
use super::{Action, App, Command, Effect, ModelPurpose, NoticeLevel, Overlay, Prompt, SendMode};
use super::{overlay, stream};
use crate::api::{ChatRequest, Reply};
use crate::chat::Message;

/// Lines the mouse wheel scrolls per notch.
const WHEEL_LINES: isize = 3;

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Key(key) => on_key(app, key, &mut fx),
        Action::Paste(text) => on_paste(app, &text),
        Action::Mouse(mouse) => on_mouse(app, mouse),
        Action::Resize { width, height } => {
            app.area = Rect::new(0, 0, width, height);
            app.relayout();
        }
        Action::Tick => {
            app.spinner = app.spinner.wrapping_add(1);
            if app.animating() {
                app.mark_dirty();
                app.periodic_save();
            }
        }
        Action::SessionsListed(result) => overlay::on_listed(app, result),
        Action::SessionOpened(result) => overlay::on_opened(app, result, &mut fx),
        Action::Saved(result) => {
            match result {
                Ok(()) => app.save_error = None,
                // The room carries on; the next save tries again.
                Err(e) => app.save_error = Some(e),
            }
            app.mark_dirty();
        }
        Action::Command(cmd) => run(app, cmd, &mut fx),
        Action::Stream {
            pane,
            request,
            event,
        } => stream::on_event(app, pane, request, event, &mut fx),
        Action::Retry { pane, request } => stream::on_retry(app, pane, request, &mut fx),
        Action::Reconciled {
            pane,
            request,
            result,
        } => stream::on_reconciled(app, pane, request, result),
        Action::HighlighterLoaded(h) => {
            app.highlighter = Some(h);
            app.restyle();
        }
        Action::Balance(result) => {
            match result {
                Ok(balance) => app.balance = Some(balance),
                // The balance is a nicety: keep the last known one, say nothing in the room.
                Err(e) => tracing::debug!("balance refresh failed: {e}"),
            }
            app.mark_dirty();
        }
    }
    fx
}

fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    app.mark_dirty();
    if !matches!(app.overlay, Overlay::None) {
        overlay::on_key(app, key, fx);
        return;
    }
    if let Some(cmd) = app.keymap.resolve(key, app.prompt.is_empty()) {
        run(app, cmd, fx);
        return;
    }
    let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
    match key.code {
        KeyCode::Up if plain && app.prompt.on_first_line() => {
            let current = app.prompt.text();
            if let Some(older) = app.history.older(&current).map(str::to_owned) {
                app.prompt.set_text(&older);
                app.relayout();
            }
        }
        KeyCode::Down if plain && app.prompt.on_last_line() => {
            if let Some(newer) = app.history.newer().map(str::to_owned) {
                app.prompt.set_text(&newer);
                app.relayout();
            }
        }
        _ => {
            let rows = app.prompt.line_count();
            app.prompt.edit(key);
            if app.prompt.line_count() != rows {
                app.relayout();
            }
        }
    }
}

fn on_paste(app: &mut App, text: &str) {
    let first_line = text.lines().next().unwrap_or_default();
    match &mut app.overlay {
        Overlay::Model { input, .. } | Overlay::Title(input) => input.paste(first_line),
        Overlay::Sessions(b) => b.filter.paste(first_line),
        Overlay::Help => {}
        Overlay::None => {
            app.prompt.paste(text);
            app.relayout();
        }
    }
    app.mark_dirty();
}

fn on_mouse(app: &mut App, mouse: MouseEvent) {
    let at = Position::new(mouse.column, mouse.row);
    let Some(i) = app.layout.panes.iter().position(|r| r.contains(at)) else {
        return;
    };
    match mouse.kind {
        MouseEventKind::ScrollUp => app.panes[i].scroll_by(-WHEEL_LINES),
        MouseEventKind::ScrollDown => app.panes[i].scroll_by(WHEEL_LINES),
        MouseEventKind::Down(_) => set_focus(app, i),
        _ => return,
    }
    app.mark_dirty();
}

/// Performs one command. Public to the module so tests and the command palette share it.
pub(super) fn run(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    app.mark_dirty();
    match cmd {
        Command::Send => send(app, app.send_mode, fx),
        Command::SendFocused => send(app, SendMode::Focused, fx),
        Command::ToggleSendMode => {
            app.send_mode = match app.send_mode {
                SendMode::All => SendMode::Focused,
                SendMode::Focused => SendMode::All,
            };
        }
        Command::NewLine => {
            app.prompt.newline();
            app.relayout();
        }
        Command::FocusNext if !app.panes.is_empty() => {
            set_focus(app, (app.focus + 1) % app.panes.len())
        }
        Command::FocusPrev if !app.panes.is_empty() => {
            set_focus(app, (app.focus + app.panes.len() - 1) % app.panes.len());
        }
        Command::FocusNext | Command::FocusPrev => {}
        Command::Focus1
        | Command::Focus2
        | Command::Focus3
        | Command::Focus4
        | Command::Focus5
        | Command::Focus6
        | Command::Focus7
        | Command::Focus8
        | Command::Focus9 => {
            if let Some(i) = cmd.focus_index().filter(|i| *i < app.panes.len()) {
                set_focus(app, i);
            }
        }
        Command::Zoom => {
            app.zoom = !app.zoom && !app.panes.is_empty();
            app.relayout();
        }
        Command::AddPane => {
            if app.panes.len() >= app.settings.max_panes {
                app.set_notice(
                    NoticeLevel::Error,
                    format!("the room holds at most {} panes", app.settings.max_panes),
                );
            } else {
                app.overlay = Overlay::Model {
                    purpose: ModelPurpose::AddPane,
                    input: Box::new(Prompt::new("model id, e.g. openai/gpt-5.1")),
                };
            }
        }
        Command::ChangeModel => {
            if let Some(pane) = app.focused() {
                // Empty, with the current model as the hint: typing replaces rather than appends.
                let input = Prompt::new(&format!("now {}; type another model id", pane.model));
                app.overlay = Overlay::Model {
                    purpose: ModelPurpose::Rebind(pane.id),
                    input: Box::new(input),
                };
            }
        }
        Command::ClosePane => close_focused(app, fx),
        Command::Stop => {
            if let Some(i) = (app.focus < app.panes.len()).then_some(app.focus) {
                stream::stop(app, i, fx);
            }
        }
        Command::StopAll => stop_all(app, fx),
        Command::Regenerate => regenerate(app, fx),
        Command::ScrollUp => scroll_focused(app, |p| p.scroll_by(-1)),
        Command::ScrollDown => scroll_focused(app, |p| p.scroll_by(1)),
        Command::PageUp => scroll_focused(app, |p| p.scroll_by(-page(p))),
        Command::PageDown => scroll_focused(app, |p| p.scroll_by(page(p))),
        Command::ScrollTop => scroll_focused(app, Pane::scroll_to_top),
        Command::ScrollBottom => scroll_focused(app, Pane::scroll_to_bottom),
        Command::Copy => copy(app, fx),
        Command::ToggleReasoning => {
            if let Some(p) = app.panes.get_mut(app.focus) {
                p.reasoning_expanded = !p.reasoning_expanded;
            }
        }
        Command::ToggleReasoningAll => {
            // Mixed panes all open first; a second press closes them all.
            let expand = app.panes.iter().any(|p| !p.reasoning_expanded);
            for p in &mut app.panes {
                p.reasoning_expanded = expand;
            }
        }
        Command::CycleTheme => {
            let name = app.themes.cycle().name().to_owned();
            app.restyle();
            app.set_notice(NoticeLevel::Info, format!("theme: {name}"));
        }
        Command::Help => {
            app.overlay = match app.overlay {
                Overlay::Help => Overlay::None,
                _ => Overlay::Help,
            };
        }
        Command::Sessions => {
            app.overlay = Overlay::Sessions(Box::default());
            fx.push(Effect::ListSessions);
        }
        Command::NameSession => {
            let hint = format!("now \"{}\"; type a title", app.title());
            app.overlay = Overlay::Title(Box::new(Prompt::new(&hint)));
        }
        Command::Interrupt => {
            if app.streaming_count() > 0 {
                stop_all(app, fx);
                app.set_notice(
                    NoticeLevel::Info,
                    "stopped every answer; Ctrl+C again quits",
                );
            } else {
                app.quit = true;
            }
        }
        Command::Quit => {
            stop_all(app, fx);
            app.request_save();
            app.quit = true;
        }
    }
}

fn page(p: &Pane) -> isize {
    isize::try_from(p.height.saturating_sub(1).max(1)).unwrap_or(1)
}

fn scroll_focused(app: &mut App, f: impl FnOnce(&mut Pane)) {
    if let Some(p) = app.panes.get_mut(app.focus) {
        f(p);
    }
}

fn set_focus(app: &mut App, i: usize) {
    app.focus = i;
    if app.zoom {
        app.relayout();
    }
    app.mark_dirty();
}

pub(super) fn stop_all(app: &mut App, fx: &mut Vec<Effect>) {
    for i in 0..app.panes.len() {
        stream::stop(app, i, fx);
    }
}

/// Sends the prompt to every pane (or the focused one). Refuses, keeping the text, while a
/// target pane is still answering: its conversation would otherwise lose a turn.
fn send(app: &mut App, mode: SendMode, fx: &mut Vec<Effect>) {
    let text = app.prompt.text();
    if text.trim().is_empty() {
        return;
    }
    let targets: Vec<usize> = match mode {
        SendMode::All => (0..app.panes.len()).collect(),
        SendMode::Focused => (app.focus < app.panes.len())
            .then_some(app.focus)
            .into_iter()
            .collect(),
    };
    if targets.is_empty() {
        app.set_notice(NoticeLevel::Error, "no pane to send to: add one with Alt+N");
        return;
    }
    if let Some(busy) = targets.iter().find(|&&i| app.panes[i].is_live()) {
        let model = app.panes[*busy].model.clone();
        app.set_notice(
            NoticeLevel::Error,
            format!("{model} is still answering: stop it (Esc) or wait"),
        );
        return;
    }
    for i in targets {
        let width = app.panes[i].width;
        app.panes[i].entries.push(prompt_entry(text.clone(), width));
        start_answer(app, i, fx);
        app.panes[i].scroll_to_bottom();
    }
    app.history.push(&text);
    app.prompt.clear();
    app.notice = None;
    app.request_save();
    app.relayout();
}

/// Appends a new answer to pane `i` for its latest prompt and asks the runtime to stream it.
pub(super) fn start_answer(app: &mut App, i: usize, fx: &mut Vec<Effect>) {
    let request = app.fresh_request_id();
    let pane = &mut app.panes[i];
    pane.note = None;
    let chat = chat_for(pane, pane.entries.len(), &app.settings);
    pane.entries.push(Entry::Answer(Box::new(Answer::new(
        request,
        Reply::new(App::now()),
        AnswerState::Waiting,
        CostState::Unknown,
    ))));
    fx.push(Effect::StartStream {
        pane: pane.id,
        request,
        chat,
    });
}

/// The request for an answer at entry index `at`: the conversation before its prompt, then
/// the prompt.
pub(super) fn chat_for(pane: &Pane, at: usize, settings: &super::Settings) -> ChatRequest {
    let prompt_at = pane.entries[..at.min(pane.entries.len())]
        .iter()
        .rposition(|e| matches!(e, Entry::Prompt { .. }))
        .unwrap_or(0);
    let mut messages = Vec::new();
    if let Some(system) = settings.system.as_ref().filter(|s| !s.trim().is_empty()) {
        messages.push(Message::system(system.clone()));
    }
    messages.extend(pane.history(prompt_at));
    if let Some(Entry::Prompt { text, .. }) = pane.entries.get(prompt_at) {
        messages.push(Message::user(text.clone()));
    }
    let mut req = ChatRequest::new(pane.model.clone(), messages, settings.max_tokens);
    req.temperature = settings.temperature;
    req
}

fn regenerate(app: &mut App, fx: &mut Vec<Effect>) {
    let i = app.focus;
    let Some(pane) = app.panes.get(i) else { return };
    if !pane
        .entries
        .iter()
        .any(|e| matches!(e, Entry::Prompt { .. }))
    {
        app.set_notice(NoticeLevel::Info, "nothing to regenerate yet");
        return;
    }
    stream::stop(app, i, fx);
    // The earlier answer stays (its cost was spent); the conversation continues from the new one.
    start_answer(app, i, fx);
    app.panes[i].scroll_to_bottom();
    app.request_save();
}

fn close_focused(app: &mut App, fx: &mut Vec<Effect>) {
    if app.focus >= app.panes.len() {
        return;
    }
    stream::stop(app, app.focus, fx);
    let pane = app.panes.remove(app.focus);
    app.set_notice(NoticeLevel::Info, format!("closed the {} pane", pane.model));
    if app.focus >= app.panes.len() {
        app.focus = app.panes.len().saturating_sub(1);
    }
    if app.panes.is_empty() {
        app.zoom = false;
    }
    app.request_save();
    app.relayout();
}

fn copy(app: &mut App, fx: &mut Vec<Effect>) {
    let text = app
        .focused()
        .and_then(Pane::last_answer)
        .map(|a| a.reply.content.clone());
    match text.filter(|t| !t.is_empty()) {
        Some(text) => {
            app.set_notice(
                NoticeLevel::Info,
                format!(
                    "copied {} characters to the clipboard",
                    text.chars().count()
                ),
            );
            fx.push(Effect::Copy(text));
        }
        None => app.set_notice(NoticeLevel::Info, "nothing to copy yet"),
    }
}
