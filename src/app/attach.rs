//! Files attached to the next prompt in the room: the path prompt (it completes), a pasted
//! path offered as an attachment, the chips in the prompt box, and before sending, the panes
//! whose model cannot take them (flagged in the pane; the person sends to the others or
//! cancels). Files are read, directories listed and pastes checked by the runtime, off the UI
//! thread; the results come back as actions.

use std::path::PathBuf;

use ratatui::crossterm::event::KeyEvent;

use super::{App, Command, Effect, NoticeLevel, Overlay, Prompt, SendMode};
use crate::attach::paths::Completion;
use crate::attach::{Attachment, human};
use crate::keymap::{AttachAction, ConfirmAction};
use crate::sanitize::Clean;

/// The files waiting for the next prompt.
#[derive(Debug, Clone, Default)]
pub struct Attached {
    pub files: Vec<Attachment>,
    /// Paths being read (as typed): a send waits for them.
    pub loading: Vec<String>,
}

impl Attached {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.loading.is_empty()
    }

    pub fn total(&self) -> u64 {
        self.files.iter().map(|a| a.size).sum()
    }
}

/// The path prompt (the room's `attach` key).
#[derive(Debug, Clone)]
pub struct PathPrompt {
    pub input: Prompt,
    /// The names that matched the last Tab, when there were several.
    pub candidates: Vec<String>,
    pub message: Option<Clean>,
}

/// A pasted path to a file, offered as an attachment.
#[derive(Debug, Clone)]
pub struct Offer {
    pub pasted: String,
    pub path: PathBuf,
}

/// Panes that cannot take the attachments: send to the others, or cancel.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub mode: SendMode,
    pub skip: Vec<usize>,
    pub lines: Vec<Clean>,
}

pub(super) fn open_prompt(app: &mut App) {
    let hint = match app.keymap.attach.label(AttachAction::Complete) {
        Some(k) => format!("a file: image, PDF or audio ({k} completes, ~ is home)"),
        None => "a file: image, PDF or audio (~ is home)".to_owned(),
    };
    app.overlay = Overlay::AttachPath(Box::new(PathPrompt {
        input: Prompt::new(&hint),
        candidates: Vec::new(),
        message: None,
    }));
}

/// Removes the last attachment (the chips go right to left).
pub(super) fn detach_last(app: &mut App) {
    match app.attached.files.pop() {
        Some(a) => {
            let name = Clean::line(&a.name);
            app.set_notice(NoticeLevel::Info, format!("removed {name} from the prompt"));
        }
        None => app.set_notice(NoticeLevel::Info, "no attachment to remove"),
    }
    refresh_flags(app);
    app.relayout();
}

pub(super) fn on_path_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Overlay::AttachPath(p) = &mut app.overlay else {
        return;
    };
    match app.keymap.attach.resolve(key) {
        Some(AttachAction::Cancel) => app.overlay = Overlay::None,
        Some(AttachAction::Complete) => fx.push(Effect::CompletePath(p.input.text())),
        Some(AttachAction::Attach) => {
            let typed = p.input.text().trim().to_owned();
            app.overlay = Overlay::None;
            if !typed.is_empty() {
                load(app, typed, fx);
            }
        }
        None => {
            p.input.edit(key, &app.keymap.prompt);
            p.candidates.clear();
            p.message = None;
        }
    }
}

/// Starts reading `typed` (a path as a person wrote it) in the background.
fn load(app: &mut App, typed: String, fx: &mut Vec<Effect>) {
    let path = crate::attach::paths::expand(&typed);
    app.attached.loading.push(typed.clone());
    app.set_notice(
        NoticeLevel::Info,
        format!("reading {}…", Clean::line(&typed)),
    );
    fx.push(Effect::LoadAttachment {
        typed,
        path,
        cap: app.settings.attach_caps.per_file,
    });
    app.relayout();
}

/// Tab's answer, if the path prompt still holds what it completed.
pub(super) fn on_completed(app: &mut App, input: &str, c: Completion) {
    let Overlay::AttachPath(p) = &mut app.overlay else {
        return;
    };
    if p.input.text() != input {
        return;
    }
    if let Some(text) = &c.text {
        p.input.set_text(text);
    }
    p.candidates = c.candidates;
    p.message = c.none.map(|m| Clean::line(&m));
    app.mark_dirty();
}

/// A file has been read (or refused): it becomes a chip unless it would pass the cap per
/// prompt or is already attached.
pub(super) fn on_loaded(app: &mut App, typed: &str, result: Result<Attachment, String>) {
    if let Some(k) = app.attached.loading.iter().position(|t| t == typed) {
        app.attached.loading.remove(k);
    }
    match result {
        Err(why) => app.set_notice(NoticeLevel::Error, format!("not attached: {why}")),
        Ok(a) if app.attached.files.iter().any(|f| f.sha256 == a.sha256) => {
            let name = Clean::line(&a.name);
            app.set_notice(NoticeLevel::Info, format!("{name} is already attached"));
        }
        Ok(a) => {
            let cap = app.settings.attach_caps.per_prompt;
            let total = app.attached.total().saturating_add(a.size);
            if total > cap {
                let why = crate::attach::too_big(
                    typed,
                    total,
                    cap,
                    "per prompt (all attachments together)",
                );
                app.set_notice(NoticeLevel::Error, format!("not attached: {why}"));
            } else {
                let remove = app
                    .keymap
                    .label_for(Command::Detach)
                    .map(|k| format!(" ({k} removes it)"))
                    .unwrap_or_default();
                app.set_notice(
                    NoticeLevel::Info,
                    format!("attached {}{remove}", Clean::line(&a.chip())),
                );
                app.attached.files.push(a);
            }
        }
    }
    refresh_flags(app);
    app.relayout();
}

/// A paste that names a file of a type attachments take: asks the runtime whether it exists.
pub(super) fn on_paste(text: &str, fx: &mut Vec<Effect>) {
    if let Some(p) = crate::attach::paths::pasted_path(text) {
        fx.push(Effect::CheckPaste {
            pasted: text.to_owned(),
            path: crate::attach::paths::expand(&p),
        });
    }
}

/// The pasted path names an existing file: offer it (the paste stays text until accepted).
pub(super) fn on_pasted_file(app: &mut App, pasted: String, path: PathBuf) {
    if matches!(app.overlay, Overlay::None) && app.prompt.text().contains(pasted.as_str()) {
        app.overlay = Overlay::AttachOffer(Box::new(Offer { pasted, path }));
        app.mark_dirty();
    }
}

pub(super) fn on_offer_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Overlay::AttachOffer(offer) = &app.overlay else {
        return;
    };
    match app.keymap.confirm.resolve(key) {
        Some(ConfirmAction::Yes) => {
            let offer = offer.clone();
            app.overlay = Overlay::None;
            // The pasted text goes: the file takes its place.
            let text = app.prompt.text();
            if let Some(at) = text.rfind(offer.pasted.as_str()) {
                let mut rest = text.clone();
                rest.replace_range(at..at + offer.pasted.len(), "");
                app.prompt.set_text(&rest);
            }
            load(app, offer.path.display().to_string(), fx);
        }
        Some(ConfirmAction::No) => app.overlay = Overlay::None,
        None => {}
    }
}

pub(super) fn on_confirm_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Overlay::AttachConfirm(c) = &app.overlay else {
        return;
    };
    match app.keymap.confirm.resolve(key) {
        Some(ConfirmAction::Yes) => {
            let (mode, skip) = (c.mode, c.skip.clone());
            app.overlay = Overlay::None;
            super::send::send_skipping(app, mode, &skip, fx);
        }
        Some(ConfirmAction::No) => {
            app.overlay = Overlay::None;
            app.set_notice(
                NoticeLevel::Info,
                "not sent: the prompt and its attachments are still here",
            );
        }
        None => {}
    }
}

/// The panes among `targets` whose model's catalog entry lacks an input the attachments
/// need, with why. Only a catalog that is the gateway's own (OpenRouter's) is read; PDFs
/// reach any model there (parsed to text). Elsewhere nothing is known and nothing is flagged.
pub fn not_taking(app: &App, targets: &[usize]) -> Vec<(usize, String)> {
    let files = &app.attached.files;
    if files.is_empty() {
        return Vec::new();
    }
    targets
        .iter()
        .filter_map(|&i| {
            let p = app.panes.get(i)?;
            let index = super::catalog::checkable_index(app, &p.model)?;
            let no = crate::attach::estimate::not_taken(&index.catalog, p.model.id(), files)?;
            Some((
                i,
                format!(
                    "{} does not take {} input (it takes {})",
                    p.identity(i).model(),
                    no.missing,
                    no.takes
                ),
            ))
        })
        .collect()
}

/// Says in each pane whether it can take the attachments waiting to be sent.
pub(super) fn refresh_flags(app: &mut App) {
    let all: Vec<usize> = (0..app.panes.len()).collect();
    let flagged = not_taking(app, &all);
    for (i, pane) in app.panes.iter_mut().enumerate() {
        pane.cannot_take = flagged
            .iter()
            .find(|(k, _)| *k == i)
            .map(|(_, why)| Clean::line(&format!("⚠ {why}: the attachments will not go here")));
    }
}

/// Asks whether to send to the panes that can take the attachments; `false` when there is
/// nothing to ask (every target takes them).
pub(super) fn ask_to_skip(app: &mut App, mode: SendMode, targets: &[usize]) -> bool {
    let cannot = not_taking(app, targets);
    if cannot.is_empty() {
        return false;
    }
    if cannot.len() == targets.len() {
        let why: Vec<&str> = cannot.iter().map(|(_, w)| w.as_str()).collect();
        app.set_notice(
            NoticeLevel::Error,
            format!(
                "not sent: no pane asked can take the attachments ({}); remove them with {}",
                why.join("; "),
                app.keymap.name(Command::Detach)
            ),
        );
        return true;
    }
    let others = targets.len() - cannot.len();
    let mut lines: Vec<Clean> = cannot
        .iter()
        .map(|(i, why)| Clean::line(&format!("pane {}: {why}", i + 1)))
        .collect();
    let keys = &app.keymap.confirm;
    lines.push(Clean::line(&format!(
        "{} sends to the other {} only · {} cancels (the prompt and its files stay)",
        keys.name(ConfirmAction::Yes),
        if others == 1 {
            "pane".to_owned()
        } else {
            format!("{others} panes")
        },
        keys.name(ConfirmAction::No)
    )));
    app.overlay = Overlay::AttachConfirm(Box::new(Confirm {
        mode,
        skip: cannot.into_iter().map(|(i, _)| i).collect(),
        lines,
    }));
    true
}

/// The chips the prompt box shows: `📎 chart.png 212 KB  📎 paper.pdf 3 KB  ⏳ big.pdf`.
pub fn chips(app: &App) -> Option<String> {
    if app.attached.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = app.attached.files.iter().map(Attachment::chip).collect();
    parts.extend(
        app.attached
            .loading
            .iter()
            .map(|t| format!("⏳ {}", crate::sanitize::sanitize(t, " "))),
    );
    let mut line = parts.join("  ");
    if !app.attached.files.is_empty() {
        if let Some(k) = app.keymap.label_for(Command::Detach) {
            line.push_str(&format!(
                "  ({} · {k} removes the last)",
                human(app.attached.total())
            ));
        }
    }
    Some(line)
}
