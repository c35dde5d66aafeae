//! `update`: the only place the room's state changes. Keys resolve through the keymap to
//! `Command`s; each command is a small function here; stream results go to `stream.rs`.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::pane::Pane;
use super::picker::Picker;
use super::routing::RoutingForm;
use super::send::{regenerate, send};
use super::{Action, App, Command, Effect, ModelPurpose, NoticeLevel, Overlay, Prompt, SendMode};
use super::{account, arena, attach, board, catalog, money, overlay, stream, vote};
use crate::api::StreamEvent;
use crate::keymap::{PickerAction, PromptAction};
use crate::markdown::Ctx;

/// Lines the mouse wheel scrolls per notch.
const WHEEL_LINES: isize = 3;

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    // The estimate follows what the prompt says and what the panes hold.
    // A token changes nothing the estimate reads; an answer's end changes the history.
    let action_kind = Kind::of(&action);
    let stream_end = stream_events(&action).iter().any(ends);
    let reestimate = stream_end
        || matches!(
            action,
            Action::Key(_)
                | Action::Paste(_)
                | Action::Command(_)
                | Action::CatalogLoaded(_)
                | Action::AttachmentLoaded { .. }
        );
    // Actions that can bring unrendered entries into view (a new width, a scroll, a theme,
    // another session); stream events render their own answer as it grows.
    let reveal = stream_end
        || matches!(
            action,
            Action::Key(_)
                | Action::Paste(_)
                | Action::Mouse(_)
                | Action::Resize { .. }
                | Action::Command(_)
                | Action::SessionOpened(_)
                | Action::HighlighterLoaded(_)
        );
    match action {
        Action::Key(key) => on_key(app, key, &mut fx),
        Action::Paste(text) => on_paste(app, &text, &mut fx),
        Action::Mouse(mouse) => on_mouse(app, mouse),
        Action::Resize { width, height } => {
            app.area = Rect::new(0, 0, width, height);
            app.relayout();
            super::diff::refresh(app, None);
        }
        Action::Tick => {
            app.spinner = app.spinner.wrapping_add(1);
            if app.expire_notice() {
                app.mark_dirty();
            }
            if app.streaming_count() > 0 {
                app.mark_dirty();
                app.periodic_save();
            }
        }
        Action::SessionsListed(result) => overlay::on_listed(app, result),
        Action::SessionOpened(result) => overlay::on_opened(app, result, &mut fx),
        Action::SessionMoved { id, title, why } => app.moved_to(id, title, why),
        Action::StoreNotice { error, text } => app.store_notice(error, text),
        Action::Saved { seq, result } => app.on_saved(seq, result),
        Action::Command(cmd) => run(app, cmd, &mut fx),
        Action::Streamed {
            pane,
            request,
            events,
        } => stream::on_events(app, pane, request, stream::join_text(events), &mut fx),
        Action::Retry { pane, request } => stream::on_retry(app, pane, request, &mut fx),
        Action::Reconciled {
            pane,
            request,
            result,
        } if app.pane_index(pane).is_none() => {
            arena::reconcile_closed(app, pane, request, result, &mut fx);
        }
        Action::Reconciled {
            pane,
            request,
            result,
        } => stream::on_reconciled(app, pane, request, result, &mut fx),
        Action::VoteRecorded { id, undo, result } => vote::on_recorded(app, &id, undo, result),
        Action::BoardComputed(result) => board::on_computed(app, result),
        Action::HighlighterLoaded(h) => {
            app.highlighter = Some(h);
            app.mark_dirty();
        }
        Action::GrammarCompiled => app.mark_dirty(),
        Action::AttachmentLoaded { typed, result } => attach::on_loaded(app, &typed, result),
        Action::PathCompleted { input, completion } => {
            attach::on_completed(app, &input, completion);
        }
        Action::PastedFile { pasted, path } => attach::on_pasted_file(app, pasted, path),
        Action::Account(info) => account::on_account(app, *info),
        Action::CatalogLoaded(update) => catalog::on_loaded(app, *update),
        Action::CatalogFailed(error) => catalog::on_failed(app, &error),
        Action::Providers {
            pane,
            model,
            result,
        } => match pane {
            Some(pane) => super::shootout::on_providers(app, pane, result.map(|b| *b)),
            None => super::shootout::show_in_picker(app, model, result.map(|b| *b)),
        },
        Action::EndpointModels { endpoint, result } => {
            catalog::on_endpoint_models(app, endpoint, result);
        }
        Action::SpentToday(result) => {
            match result {
                Ok(usd) => app.money.ledger_today = Some(usd),
                Err(e) => {
                    // Without it the daily budget cannot be honoured; say so and count from $0.
                    app.money.ledger_today = Some(0.0);
                    app.set_notice(
                        NoticeLevel::Error,
                        format!("cannot read today's spend ({e}); the daily budget counts from $0"),
                    );
                }
            }
            app.mark_dirty();
        }
    }
    if reestimate {
        attach::refresh_flags(app);
        money::refresh_estimate(app);
        arena::check_names(app);
    }
    if reveal {
        app.render_visible();
    }
    // The hint reads the panes, the focus and the send mode, which tokens and ticks never
    // change; formatting it from the keymap on each of a flood's chunks was a tenth of its cost.
    if !matches!(action_kind, Kind::Tick | Kind::StreamPart) {
        sync_prompt_hint(app);
    }
    fx.extend(app.due_save());
    fx
}

/// What `update` needs to remember of an action after it has been consumed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tick,
    /// A stream's event that neither starts nor ends it.
    StreamPart,
    Other,
}

impl Kind {
    fn of(action: &Action) -> Self {
        match action {
            Action::Tick => Self::Tick,
            Action::Streamed { .. }
                if !stream_events(action)
                    .iter()
                    .any(|e| ends(e) || matches!(e, StreamEvent::Opened { .. })) =>
            {
                Self::StreamPart
            }
            _ => Self::Other,
        }
    }
}

/// The stream events an action carries (none for other actions).
fn stream_events(action: &Action) -> &[StreamEvent] {
    match action {
        Action::Streamed { events, .. } => events,
        _ => &[],
    }
}

/// An answer's end changes the history the estimate reads, and renders the answer whole.
fn ends(event: &StreamEvent) -> bool {
    matches!(event, StreamEvent::Done | StreamEvent::Failed(_))
}

/// The empty prompt's placeholder says where Enter sends, in the keys actually bound.
pub(super) fn sync_prompt_hint(app: &mut App) {
    if app.arena.blind_mode() {
        // The arena's own placeholder says how its rounds go (every send goes to all).
        return;
    }
    let key = |cmd| app.keymap.label_for(cmd);
    let keys = [
        (key(Command::Send), "sends"),
        (key(Command::NewLine), "new line"),
        (key(Command::Help), "help"),
    ]
    .into_iter()
    .filter_map(|(k, what)| Some(format!("{} {what}", k?)))
    .collect::<Vec<_>>()
    .join(", ");
    let text = match (app.panes.len(), app.send_mode) {
        (0, _) => match key(Command::AddPane) {
            Some(k) => format!("No pane to ask: {k} adds one"),
            None => "No pane to ask".to_owned(),
        },
        (1, _) => format!("Ask the pane… ({keys})"),
        (n, SendMode::All) => format!("Ask all {n} panes… ({keys})"),
        (_, SendMode::Focused) => format!("Ask pane {} only… ({keys})", app.focus + 1),
    };
    app.prompt.set_placeholder(&text);
}

fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    app.mark_dirty();
    app.quit_armed &= app.keymap.resolve(key, app.prompt.is_empty()) == Some(Command::Quit);
    if !matches!(app.overlay, Overlay::None) {
        if let Some(cmd) = overlay::on_key(app, key, fx) {
            run(app, cmd, fx);
        }
        return;
    }
    if let Some(cmd) = app.keymap.resolve(key, app.prompt.is_empty()) {
        app.help_typed = cmd == Command::Help && matches!(key.code, KeyCode::Char(_));
        run(app, cmd, fx);
        return;
    }
    match app.keymap.prompt.resolve(key) {
        Some(PromptAction::HistoryPrev) if app.prompt.on_first_line() => {
            let current = app.prompt.text();
            if let Some(older) = app.history.older(&current).map(str::to_owned) {
                app.prompt.set_text(&older);
                app.relayout();
            }
        }
        Some(PromptAction::HistoryNext) if app.prompt.on_last_line() => {
            if let Some(newer) = app.history.newer().map(str::to_owned) {
                app.prompt.set_text(&newer);
                app.relayout();
            }
        }
        _ => {
            let width = app.layout.input.width.saturating_sub(2);
            let rows = app.prompt.rows_at(width);
            app.prompt.edit(key, &app.keymap.prompt);
            if app.prompt.rows_at(width) != rows {
                app.relayout();
            }
        }
    }
}

fn on_paste(app: &mut App, text: &str, fx: &mut Vec<Effect>) {
    let first_line = text.lines().next().unwrap_or_default();
    match &mut app.overlay {
        Overlay::Title(input) | Overlay::JumpTo(input) => input.paste(first_line),
        Overlay::Picker(p) => p.paste(first_line),
        Overlay::Routing(f) => f.paste(first_line),
        Overlay::Sessions(b) => b.filter.paste(first_line),
        Overlay::Tag(p) => p.paste(first_line),
        Overlay::AttachPath(p) => p.input.paste(first_line.trim()),
        Overlay::Help
        | Overlay::Spend
        | Overlay::Account
        | Overlay::Leaderboard(_)
        | Overlay::AttachOffer(_)
        | Overlay::AttachConfirm(_)
        | Overlay::Diff(_) => {}
        Overlay::None => {
            app.prompt.paste(text);
            attach::on_paste(text, fx);
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
        MouseEventKind::ScrollUp => scroll_pane(app, i, |p, cx| p.scroll_by(-WHEEL_LINES, cx)),
        MouseEventKind::ScrollDown => scroll_pane(app, i, |p, cx| p.scroll_by(WHEEL_LINES, cx)),
        MouseEventKind::Down(_) => set_focus(app, i),
        _ => return,
    }
    app.mark_dirty();
}

/// Performs one command. Public to the module so tests and the command palette share it.
pub(super) fn run(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    app.mark_dirty();
    // A quit asked while answers streamed is confirmed only by asking again at once.
    if cmd != Command::Quit {
        app.quit_armed = false;
    }
    if vote::refused_while_blind(app, cmd) {
        return;
    }
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
                open_picker(app, ModelPurpose::AddPane, fx);
            }
        }
        Command::ChangeModel => {
            if let Some(p) = app.focused() {
                // A model the catalog lacks opens the picker on its id, to correct it.
                let wrong = catalog::check_model(app, &p.model, &p.routing)
                    .is_err()
                    .then(|| p.model.to_string());
                open_picker(app, ModelPurpose::Rebind(p.id), fx);
                if let (Some(id), Overlay::Picker(picker)) = (wrong, &mut app.overlay) {
                    picker.paste(&id);
                }
            }
        }
        Command::ShootOut => super::shootout::start(app, fx),
        Command::Routing => {
            if app.is_blind() {
                // Provider lists and fallbacks would tell the model.
                app.set_notice(NoticeLevel::Info, "routing is hidden in a blind round");
            } else if let Some(p) = app.focused() {
                let mut form = RoutingForm::new(p.id, p.model.as_str(), &p.routing, &p.settings);
                form.label = p.identity(app.focus).model();
                app.overlay = Overlay::Routing(Box::new(form));
            }
        }
        Command::Spend => {
            app.overlay = match app.overlay {
                Overlay::Spend => Overlay::None,
                _ => Overlay::Spend,
            };
        }
        Command::Account => {
            if matches!(app.overlay, Overlay::Account) {
                app.overlay = Overlay::None;
            } else {
                app.overlay = Overlay::Account;
                app.account.loading = true;
                fx.push(Effect::RefreshBalance);
            }
        }
        Command::RefreshCatalog => catalog::refresh(app, fx),
        Command::ClosePane => close_focused(app, fx),
        Command::ReopenPane => reopen_closed(app),
        Command::Stop => {
            if let Some(i) = (app.focus < app.panes.len()).then_some(app.focus) {
                stream::stop(app, i, fx);
            }
        }
        Command::StopAll => stream::stop_all(app, fx),
        Command::Regenerate => regenerate(app, fx),
        Command::ScrollUp => scroll_pane(app, app.focus, |p, cx| p.scroll_by(-1, cx)),
        Command::ScrollDown => scroll_pane(app, app.focus, |p, cx| p.scroll_by(1, cx)),
        Command::PageUp => scroll_pane(app, app.focus, |p, cx| p.scroll_by(-page(p), cx)),
        Command::PageDown => scroll_pane(app, app.focus, |p, cx| p.scroll_by(page(p), cx)),
        Command::ScrollTop => scroll_pane(app, app.focus, Pane::scroll_to_top),
        Command::ScrollBottom => scroll_pane(app, app.focus, |p, _| p.scroll_to_bottom()),
        Command::PrevPrompt => super::sync::step(app, true),
        Command::NextPrompt => super::sync::step(app, false),
        Command::JumpPrompt => {
            app.overlay = Overlay::JumpTo(Box::new(Prompt::new("prompt number, from 1")));
        }
        Command::SyncScroll => super::sync::toggle(app),
        Command::Diff => super::diff::open(app),
        Command::Copy => super::copy::answer(app, fx),
        Command::CopyCode => super::copy::code_block(app, fx),
        Command::Attach => attach::open_prompt(app),
        Command::Detach => attach::detach_last(app),
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
            app.mark_dirty();
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
            // The current title, ready to edit (Ctrl+U clears it).
            let mut input = Prompt::new("type a title");
            input.set_text(&app.title());
            app.overlay = Overlay::Title(Box::new(input));
        }
        Command::Interrupt => {
            if app.streaming_count() > 0 {
                stream::stop_all(app, fx);
                let again = app.keymap.name(Command::Interrupt);
                app.set_notice(
                    NoticeLevel::Info,
                    format!("stopped every answer; {again} again quits"),
                );
            } else {
                app.quit = true;
            }
        }
        Command::BlindRound
        | Command::VoteA
        | Command::VoteB
        | Command::VoteFocused
        | Command::VoteTie
        | Command::VoteBad
        | Command::VoteUndo
        | Command::Tag
        | Command::Leaderboard => vote::run(app, cmd, fx),
        Command::Quit => {
            let streaming = app.streaming_count();
            if streaming > 0 && !std::mem::take(&mut app.quit_armed) {
                // Quitting stops answers that are being paid for: ask first.
                app.quit_armed = true;
                let again = app.keymap.label_for(Command::Quit).unwrap_or_default();
                let what = if streaming == 1 {
                    "an answer is still streaming".to_owned()
                } else {
                    format!("{streaming} answers are still streaming")
                };
                app.set_notice(
                    NoticeLevel::Error,
                    format!("{what}: {again} again stops and quits (what came is saved)"),
                );
                return;
            }
            stream::stop_all(app, fx);
            app.request_save();
            app.quit = true;
        }
    }
}

/// Opens the model picker on the catalog the room has (an empty one while it loads).
fn open_picker(app: &mut App, purpose: ModelPurpose, fx: &mut Vec<Effect>) {
    let mut picker = Picker::new(purpose, app.catalog.index.clone());
    if app.catalog.index.is_none() {
        picker.message = Some(match &app.catalog.error {
            Some(e) => format!(
                "no catalog ({e}); type a model id, {} retries",
                app.keymap.picker.name(PickerAction::Refresh)
            )
            .into(),
            None => "the catalog is loading; type a model id or wait a moment".into(),
        });
        if !app.catalog.refreshing {
            app.catalog.refreshing = true;
            fx.push(Effect::RefreshCatalog { force: false });
        }
    }
    app.overlay = Overlay::Picker(Box::new(picker));
}

/// Asks the runtime for a fresh catalog (once at a time).
fn page(p: &Pane) -> isize {
    isize::try_from(p.height.saturating_sub(1).max(1)).unwrap_or(1)
}

/// Scrolls pane `i`; scrolling renders the entries it passes, so it needs the theme.
fn scroll_pane(app: &mut App, i: usize, f: impl FnOnce(&mut Pane, &Ctx<'_>)) {
    let cx = Ctx {
        theme: app.themes.current(),
        highlighter: app.highlighter.as_deref(),
    };
    if let Some(p) = app.panes.get_mut(i) {
        f(p, &cx);
    }
    if i == app.focus {
        super::sync::follow_focus(app);
    }
}

fn set_focus(app: &mut App, i: usize) {
    app.focus = i;
    if app.zoom {
        app.relayout();
    }
    app.mark_dirty();
}

fn close_focused(app: &mut App, fx: &mut Vec<Effect>) {
    if app.focus >= app.panes.len() {
        return;
    }
    stream::stop(app, app.focus, fx);
    // Named as the screen names it (a blind round's label), before it leaves the room.
    let name = app.panes[app.focus].identity(app.focus).model();
    let pane = app.panes.remove(app.focus);
    let undo = app
        .keymap
        .label_for(Command::ReopenPane)
        .map_or_else(String::new, |k| format!("; {k} brings it back"));
    app.set_notice(
        NoticeLevel::Info,
        format!("closed the {name} pane (its answers stay in the session{undo})"),
    );
    app.closed.push(pane);
    if app.focus >= app.panes.len() {
        app.focus = app.panes.len().saturating_sub(1);
    }
    if app.panes.is_empty() {
        app.zoom = false;
    }
    app.request_save();
    app.relayout();
}

/// Undoes the latest Alt+W: the pane comes back where new panes go, as it was.
fn reopen_closed(app: &mut App) {
    if app.closed.is_empty() {
        app.set_notice(NoticeLevel::Info, "no closed pane to bring back");
    } else if app.panes.len() >= app.settings.max_panes {
        app.set_notice(
            NoticeLevel::Error,
            format!("the room holds at most {} panes", app.settings.max_panes),
        );
    } else if let Some(pane) = app.closed.pop() {
        app.set_notice(NoticeLevel::Info, format!("brought back {}", pane.model));
        app.panes.push(pane);
        app.focus = app.panes.len() - 1;
        app.request_save();
        app.relayout();
    }
}
