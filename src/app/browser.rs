//! The session browser: saved sessions filtered as you type, opened with Enter, renamed,
//! or deleted after a confirmation. Listing and loading happen off the UI thread (effects);
//! this is only the state and the keys.

use ratatui::crossterm::event::KeyEvent;

use super::{App, Effect, Prompt};
use crate::keymap::{BrowserAction, DialogAction, Keymap};
use crate::sanitize::Clean;
use crate::store::Listing;

/// One saved session as the browser shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id: String,
    /// The id as the screen shows it (a file name is untrusted text too).
    pub shown_id: Clean,
    pub title: Clean,
    pub updated: Clean,
    pub models: Vec<Clean>,
    pub prompts: usize,
    pub cost_usd: f64,
    /// Why the file cannot be opened, when it cannot.
    pub damaged: Option<Clean>,
}

impl SessionRow {
    pub fn from_listing(l: &Listing) -> Self {
        match l {
            Listing::Ok(h) => Self {
                id: h.id.clone(),
                shown_id: Clean::line(&h.id),
                title: Clean::line(&h.title),
                updated: Clean::line(&h.updated_at),
                models: h.shown_models().into_iter().map(Clean::line).collect(),
                prompts: h.totals.prompts,
                cost_usd: h.totals.cost_usd,
                damaged: None,
            },
            Listing::Damaged { id, reason, .. } => Self {
                id: id.clone(),
                shown_id: Clean::line(id),
                title: Clean::default(),
                updated: Clean::default(),
                models: Vec::new(),
                prompts: 0,
                cost_usd: 0.0,
                damaged: Some(Clean::line(reason)),
            },
        }
    }

    fn matches(&self, needle: &str) -> bool {
        needle.is_empty()
            || [self.title.as_str(), &self.id]
                .iter()
                .any(|s| s.to_lowercase().contains(needle))
            || self
                .models
                .iter()
                .any(|m| m.to_lowercase().contains(needle))
    }
}

#[derive(Debug, Clone)]
pub enum BrowserMode {
    Browse,
    Rename(Box<Prompt>),
    ConfirmDelete,
}

#[derive(Debug, Clone)]
pub struct Browser {
    pub filter: Prompt,
    /// `None` while the listing is being read.
    pub rows: Option<Vec<SessionRow>>,
    pub selected: usize,
    pub mode: BrowserMode,
    pub message: Option<Clean>,
}

impl Browser {
    pub fn new() -> Self {
        Self {
            filter: Prompt::new("type to filter by title, model or id"),
            rows: None,
            selected: 0,
            mode: BrowserMode::Browse,
            message: None,
        }
    }

    /// The rows that match the filter, in listing order.
    pub fn visible(&self) -> Vec<&SessionRow> {
        let needle = self.filter.text().trim().to_lowercase();
        self.rows
            .iter()
            .flatten()
            .filter(|r| r.matches(&needle))
            .collect()
    }

    pub fn current(&self) -> Option<&SessionRow> {
        self.visible().get(self.selected).copied()
    }

    fn clamp(&mut self) {
        let n = self.visible().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

/// What a key in the browser asks of the room.
#[allow(clippy::large_enum_variant)] // One value per key press; boxing would buy nothing.
pub enum Outcome {
    Stay,
    Close,
    Open(String),
    Effect(Effect),
    /// Rename the open session itself (its title lives in the app, not the file yet).
    RetitleOpen(String),
}

pub fn on_key(b: &mut Browser, key: KeyEvent, open_id: &str, keys: &Keymap) -> Outcome {
    let action = keys.browser.resolve(key);
    match &mut b.mode {
        BrowserMode::ConfirmDelete => {
            b.mode = BrowserMode::Browse;
            let Some(row) = b.current().cloned() else {
                return Outcome::Stay;
            };
            if action == Some(BrowserAction::ConfirmDelete) {
                let name = if row.title.is_empty() {
                    &row.shown_id
                } else {
                    &row.title
                };
                b.message = Some(format!("deleted {name}").into());
                return Outcome::Effect(Effect::DeleteSession(row.id));
            }
            b.message = Some("kept it".into());
            Outcome::Stay
        }
        BrowserMode::Rename(input) => match keys.dialog.resolve(key) {
            Some(DialogAction::Cancel) => {
                b.mode = BrowserMode::Browse;
                Outcome::Stay
            }
            Some(DialogAction::Confirm) => {
                let title = input.text().trim().to_owned();
                b.mode = BrowserMode::Browse;
                let Some(row) = b.current().cloned() else {
                    return Outcome::Stay;
                };
                if title.is_empty() {
                    return Outcome::Stay;
                }
                if row.id == open_id {
                    return Outcome::RetitleOpen(title);
                }
                Outcome::Effect(Effect::RenameSession { id: row.id, title })
            }
            None => {
                input.edit(key, &keys.prompt);
                Outcome::Stay
            }
        },
        BrowserMode::Browse => match action {
            Some(BrowserAction::Close) => Outcome::Close,
            Some(BrowserAction::Up) => {
                b.selected = b.selected.saturating_sub(1);
                Outcome::Stay
            }
            Some(BrowserAction::Down) => {
                b.selected += 1;
                b.clamp();
                Outcome::Stay
            }
            Some(BrowserAction::Open) => match b.current() {
                Some(row) if row.damaged.is_some() => {
                    b.message = Some(
                        format!(
                            "cannot open {}: {}",
                            row.shown_id,
                            row.damaged.clone().unwrap_or_default()
                        )
                        .into(),
                    );
                    Outcome::Stay
                }
                Some(row) if row.id == open_id => Outcome::Close,
                Some(row) => Outcome::Open(row.id.clone()),
                None => Outcome::Stay,
            },
            Some(BrowserAction::Rename) => {
                if let Some(row) = b.current() {
                    let hint = if row.title.is_empty() {
                        "new title".to_owned()
                    } else {
                        format!("now \"{}\"; new title", row.title)
                    };
                    b.mode = BrowserMode::Rename(Box::new(Prompt::new(&hint)));
                }
                Outcome::Stay
            }
            Some(BrowserAction::Delete) => delete(b, open_id),
            // `y` answers only the question; otherwise it types into the filter.
            Some(BrowserAction::ConfirmDelete) | None => {
                b.filter.edit(key, &keys.prompt);
                b.selected = 0;
                Outcome::Stay
            }
        },
    }
}

fn delete(b: &mut Browser, open_id: &str) -> Outcome {
    match b.current() {
        Some(row) if row.id == open_id => {
            b.message = Some("this session is open here; open another one first".into())
        }
        Some(_) => b.mode = BrowserMode::ConfirmDelete,
        None => {}
    }
    Outcome::Stay
}

impl App {
    pub fn browser(&self) -> Option<&Browser> {
        match &self.overlay {
            super::Overlay::Sessions(b) => Some(b),
            _ => None,
        }
    }
}
