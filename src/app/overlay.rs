//! Keys while an overlay is open (help, a model id, a title, the session browser), and the
//! results of the browser's background work (listings, an opened session).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::browser::{self, Outcome, SessionRow};
use super::update::{run, stop_all};
use super::{App, Command, Effect, ModelPurpose, NoticeLevel, Overlay, Pane, stream};
use crate::store::Session;

pub(super) fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    let open_id = app.session.id.clone();
    match &mut app.overlay {
        Overlay::None => {}
        Overlay::Help => match (app.keymap.resolve(key, true), key.code) {
            (Some(cmd @ (Command::Quit | Command::Interrupt)), _) => run(app, cmd, fx),
            (Some(Command::Help | Command::Stop), _) | (_, KeyCode::Char('q')) => {
                app.overlay = Overlay::None;
                app.help_scroll = 0;
            }
            (_, KeyCode::Up) => app.help_scroll = app.help_scroll.saturating_sub(1),
            (_, KeyCode::Down) => app.help_scroll += 1,
            (_, KeyCode::PageUp) => app.help_scroll = app.help_scroll.saturating_sub(10),
            (_, KeyCode::PageDown) => app.help_scroll += 10,
            _ => {}
        },
        Overlay::Model { purpose, input } => {
            let purpose = *purpose;
            match key.code {
                KeyCode::Esc => app.overlay = Overlay::None,
                _ if ctrl_c => app.overlay = Overlay::None,
                KeyCode::Enter => {
                    let model = input.text().trim().to_owned();
                    confirm_model(app, purpose, &model, fx);
                }
                _ => {
                    input.edit(key);
                }
            }
        }
        Overlay::Title(input) => match key.code {
            KeyCode::Esc => app.overlay = Overlay::None,
            _ if ctrl_c => app.overlay = Overlay::None,
            KeyCode::Enter => {
                let title = input.text().trim().to_owned();
                app.overlay = Overlay::None;
                if !title.is_empty() {
                    retitle(app, title);
                }
            }
            _ => {
                input.edit(key);
            }
        },
        Overlay::Sessions(b) => {
            if ctrl_c {
                app.overlay = Overlay::None;
                return;
            }
            match browser::on_key(b, key, &open_id) {
                Outcome::Stay => {}
                Outcome::Close => app.overlay = Overlay::None,
                Outcome::Open(id) => {
                    b.message = Some("opening…".into());
                    fx.push(Effect::OpenSession(id));
                }
                Outcome::Effect(effect) => {
                    fx.push(effect);
                    fx.push(Effect::ListSessions);
                }
                Outcome::RetitleOpen(title) => {
                    retitle(app, title);
                    fx.push(Effect::ListSessions);
                }
            }
        }
    }
}

/// A named save: the title changes, and the session is saved with it.
fn retitle(app: &mut App, title: String) {
    app.set_notice(
        NoticeLevel::Info,
        format!("this session is now \"{title}\""),
    );
    app.session.title = Some(title);
    app.request_save();
}

pub(super) fn on_listed(app: &mut App, result: Result<Vec<SessionRow>, String>) {
    if let Overlay::Sessions(b) = &mut app.overlay {
        match result {
            Ok(rows) => {
                b.rows = Some(rows);
                let n = b.visible().len();
                b.selected = b.selected.min(n.saturating_sub(1));
            }
            Err(e) => {
                b.rows = Some(Vec::new());
                b.message = Some(format!("cannot list sessions: {e}"));
            }
        }
    }
    app.mark_dirty();
}

/// Switches the room to another session: answers here stop, this session is saved first,
/// and the room takes the other's panes and transcripts.
pub(super) fn on_opened(app: &mut App, result: Result<Box<Session>, String>, fx: &mut Vec<Effect>) {
    app.mark_dirty();
    let session = match result {
        Ok(s) => s,
        Err(e) => {
            if let Overlay::Sessions(b) = &mut app.overlay {
                b.message = Some(e);
            } else {
                app.set_notice(NoticeLevel::Error, e);
            }
            return;
        }
    };
    stop_all(app, fx);
    fx.push(Effect::Save(Box::new(app.snapshot())));
    let (mut next, more) = App::from_session(&session, app.keymap.clone(), app.settings.clone());
    next.area = app.area;
    next.relayout();
    next.set_notice(NoticeLevel::Info, format!("opened \"{}\"", session.title));
    *app = next;
    fx.extend(more);
}

pub(super) fn confirm_model(
    app: &mut App,
    purpose: ModelPurpose,
    model: &str,
    fx: &mut Vec<Effect>,
) {
    if model.is_empty() || model.chars().any(char::is_whitespace) {
        app.set_notice(
            NoticeLevel::Error,
            "a model id has no spaces, e.g. openai/gpt-5.1",
        );
        return;
    }
    app.overlay = Overlay::None;
    match purpose {
        ModelPurpose::AddPane => {
            let id = app.fresh_pane_id();
            app.panes.push(Pane::new(id, model));
            app.focus = app.panes.len() - 1;
            app.set_notice(NoticeLevel::Info, format!("added {model}"));
        }
        ModelPurpose::Rebind(id) => {
            if let Some(i) = app.pane_index(id) {
                stream::stop(app, i, fx);
                let pane = &mut app.panes[i];
                pane.model = model.to_owned();
                pane.note = None;
                app.set_notice(NoticeLevel::Info, format!("this pane now asks {model}"));
            }
        }
    }
    app.request_save();
    app.relayout();
}
