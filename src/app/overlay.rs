//! Keys while an overlay is open (help, a model id, a title, the session browser), and the
//! results of the browser's background work (listings, an opened session).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::WorkError;
use super::browser::{self, Outcome, SessionRow};
use super::catalog::{check_model, unsupported_settings};
use super::routing::FormOutcome;
use super::{
    App, Command, Effect, ModelPurpose, NoticeLevel, Overlay, Pane, PaneId, PickerOutcome,
};
use super::{catalog, money, stream};
use crate::api::Routing;
use crate::model::ModelRef;
use crate::pane_settings::PaneSettings;
use crate::sanitize::Clean;
use crate::store::Session;

/// Handles `key` in the open overlay; returns a command for the room to run when the key
/// asks for one (quit, interrupt, another view).
pub(super) fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) -> Option<Command> {
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    let open_id = app.session.id.clone();
    match &mut app.overlay {
        Overlay::None => {}
        Overlay::Help => match (app.keymap.resolve(key, true), key.code) {
            (Some(cmd @ (Command::Quit | Command::Interrupt)), _) => return Some(cmd),
            // Opened by typing `?`: typing on was a prompt that starts with `?`.
            (None, KeyCode::Char(c))
                if app.help_typed
                    && !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                app.overlay = Overlay::None;
                app.help_scroll = 0;
                app.prompt.set_text(&format!("?{c}"));
            }
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
        Overlay::Picker(picker) => {
            let purpose = picker.purpose;
            match picker.on_key(key) {
                PickerOutcome::Stay => {}
                PickerOutcome::Close => app.overlay = Overlay::None,
                PickerOutcome::Choose(model) => confirm_model(app, purpose, &model, fx),
                PickerOutcome::RefreshCatalog => catalog::refresh(app, fx),
                PickerOutcome::Providers(model) => super::shootout::ask_for_picker(app, &model, fx),
            }
        }
        Overlay::Routing(form) => match form.on_key(key) {
            FormOutcome::Stay => {}
            FormOutcome::Close => app.overlay = Overlay::None,
            FormOutcome::Apply(applied) => {
                let pane = form.pane;
                let (routing, settings) = *applied;
                // A fallback the catalog does not list is refused here, with the closest ids,
                // while the form still holds what was typed (not found later by a send).
                match super::catalog::unknown_fallback(app, pane, &routing) {
                    Some(why) => {
                        if let Overlay::Routing(form) = &mut app.overlay {
                            form.error = Some(why);
                        }
                    }
                    None => apply_routing(app, pane, routing, settings),
                }
            }
        },
        Overlay::Spend | Overlay::Account => {
            let cmd = app.keymap.resolve(key, true);
            match (cmd, key.code) {
                (Some(cmd @ (Command::Quit | Command::Interrupt)), _) => return Some(cmd),
                (Some(Command::Account), _) if matches!(app.overlay, Overlay::Spend) => {
                    return Some(Command::Account);
                }
                (Some(Command::Spend), _) if matches!(app.overlay, Overlay::Account) => {
                    app.overlay = Overlay::Spend;
                }
                (Some(Command::Spend | Command::Account | Command::Stop), _)
                | (_, KeyCode::Char('q') | KeyCode::Esc | KeyCode::Enter) => {
                    app.overlay = Overlay::None;
                }
                (_, KeyCode::Char('r')) if matches!(app.overlay, Overlay::Account) => {
                    app.account.loading = true;
                    fx.push(Effect::RefreshBalance);
                }
                _ => {}
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
        Overlay::JumpTo(input) => match key.code {
            KeyCode::Esc => app.overlay = Overlay::None,
            _ if ctrl_c => app.overlay = Overlay::None,
            KeyCode::Enter => {
                let text = input.text();
                app.overlay = Overlay::None;
                super::sync::jump_to(app, &text);
            }
            _ => {
                input.edit(key);
            }
        },
        Overlay::Leaderboard(_) => super::board::on_key(app, key, fx),
        Overlay::AttachPath(_) => super::attach::on_path_key(app, key, fx),
        Overlay::AttachOffer(_) => super::attach::on_offer_key(app, key, fx),
        Overlay::AttachConfirm(_) => super::attach::on_confirm_key(app, key, fx),
        Overlay::Diff(_) => return super::diff::on_key(app, key),
        Overlay::Tag(input) => match key.code {
            KeyCode::Esc => app.overlay = Overlay::None,
            _ if ctrl_c => app.overlay = Overlay::None,
            KeyCode::Enter => {
                let text = input.text();
                app.overlay = Overlay::None;
                super::vote::set_tags(app, &text);
            }
            _ => {
                input.edit(key);
            }
        },
        Overlay::Sessions(b) => {
            if ctrl_c {
                app.overlay = Overlay::None;
                return None;
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
    None
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

pub(super) fn on_listed(app: &mut App, result: Result<Vec<SessionRow>, WorkError>) {
    if let Overlay::Sessions(b) = &mut app.overlay {
        match result {
            Ok(rows) => {
                b.rows = Some(rows);
                let n = b.visible().len();
                b.selected = b.selected.min(n.saturating_sub(1));
            }
            Err(e) => {
                b.rows = Some(Vec::new());
                b.message = Some(format!("cannot list sessions: {e}").into());
            }
        }
    }
    app.mark_dirty();
}

/// Switches the room to another session: answers here stop, this session is saved first,
/// and the room takes the other's panes and transcripts.
pub(super) fn on_opened(
    app: &mut App,
    result: Result<Box<Session>, WorkError>,
    fx: &mut Vec<Effect>,
) {
    app.mark_dirty();
    let opened = result.map_err(|e| e.to_string()).and_then(|session| {
        App::from_session(&session, app.keymap.clone(), app.settings.clone())
            .map(|next| (session, next))
            .map_err(|e| format!("cannot open that session: {e}"))
    });
    let (session, (mut next, more)) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            if let Overlay::Sessions(b) = &mut app.overlay {
                b.message = Some(Clean::line(&e));
            } else {
                app.set_notice(NoticeLevel::Error, e);
            }
            return;
        }
    };
    stream::stop_all(app, fx);
    fx.push(app.save_now());
    // The catalog, the account and today's spend belong to the room, not to a session.
    next.catalog = std::mem::take(&mut app.catalog);
    next.account = std::mem::take(&mut app.account);
    next.money.ledger_today = app.money.ledger_today;
    next.money.spent_this_run = app.money.spent_this_run;
    next.money.last_send = app.money.last_send;
    super::catalog::flag_unknown_models(&mut next);
    next.area = app.area;
    next.relayout();
    next.set_notice(NoticeLevel::Info, format!("opened \"{}\"", session.title));
    *app = next;
    fx.extend(more);
}

/// Binds `model` to a new pane or the one being rebound. A model the catalog lacks is still
/// bound (it may be new, or another endpoint's), with a warning and the closest ids.
pub(super) fn confirm_model(
    app: &mut App,
    purpose: ModelPurpose,
    model: &str,
    fx: &mut Vec<Effect>,
) {
    let model = if model.is_empty() || model.chars().any(char::is_whitespace) {
        Err("a model id has no spaces, e.g. openai/gpt-5.1".to_owned())
    } else {
        ModelRef::parse(model).map_err(|e| e.to_string())
    };
    let model = match model {
        Ok(model) => model,
        Err(msg) => {
            if let Overlay::Picker(p) = &mut app.overlay {
                p.message = Some(Clean::line(&msg));
            }
            app.set_notice(NoticeLevel::Error, msg);
            return;
        }
    };
    app.overlay = Overlay::None;
    let routing = match purpose {
        ModelPurpose::AddPane => Routing::default(),
        ModelPurpose::Rebind(id) => app
            .pane_index(id)
            .map(|i| app.panes[i].routing.clone())
            .unwrap_or_default(),
    };
    let warning = check_model(app, &model, &routing).err();
    let note = warning.as_ref().map(|w| Clean::line(&format!("⚠ {w}")));
    match purpose {
        ModelPurpose::AddPane => {
            let id = app.fresh_pane_id();
            let mut pane = Pane::new(id, model.clone());
            pane.note.clone_from(&note);
            pane.blind = app.blind;
            app.panes.push(pane);
            app.focus = app.panes.len() - 1;
            app.set_notice(NoticeLevel::Info, format!("added {model}"));
        }
        ModelPurpose::Rebind(id) => {
            if let Some(i) = app.pane_index(id) {
                stream::stop(app, i, fx);
                let pane = &mut app.panes[i];
                pane.model = model.clone();
                pane.note.clone_from(&note);
                pane.served_instead = None;
                app.set_notice(NoticeLevel::Info, format!("this pane now asks {model}"));
            }
        }
    }
    if let Some(w) = warning {
        app.set_notice(NoticeLevel::Error, w);
    }
    app.request_save();
    app.relayout();
}

/// New routing for a pane: saved with the session, used from its next request on.
fn apply_routing(app: &mut App, pane: PaneId, routing: Routing, settings: PaneSettings) {
    app.overlay = Overlay::None;
    let Some(i) = app.pane_index(pane) else {
        return;
    };
    let label = [routing.label(), settings.label()]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    app.panes[i].routing = routing;
    app.panes[i].settings = settings;
    let check = check_model(app, &app.panes[i].model, &app.panes[i].routing)
        .map_err(|w| format!("⚠ {w}"))
        .and_then(|()| unsupported_settings(app, &app.panes[i]).map_or(Ok(()), Err));
    app.panes[i].note = check.as_ref().err().map(|w| Clean::line(w));
    match check {
        Err(w) => app.set_notice(NoticeLevel::Error, w),
        Ok(()) if label.is_empty() => {
            app.set_notice(NoticeLevel::Info, "routing: the gateway's defaults");
        }
        Ok(()) => app.set_notice(NoticeLevel::Info, format!("routing: {label}")),
    }
    money::refresh_estimate(app);
    app.request_save();
}
