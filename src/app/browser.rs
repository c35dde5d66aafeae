//! The session browser: saved sessions filtered as you type, opened with Enter, renamed,
//! or deleted after a confirmation. Listing and loading happen off the UI thread (effects);
//! this is only the state and the keys.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effect, Prompt};
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

pub fn on_key(b: &mut Browser, key: KeyEvent, open_id: &str) -> Outcome {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match &mut b.mode {
        BrowserMode::ConfirmDelete => {
            b.mode = BrowserMode::Browse;
            let Some(row) = b.current().cloned() else {
                return Outcome::Stay;
            };
            if matches!(key.code, KeyCode::Char('y' | 'Y')) {
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
        BrowserMode::Rename(input) => match key.code {
            KeyCode::Esc => {
                b.mode = BrowserMode::Browse;
                Outcome::Stay
            }
            KeyCode::Enter => {
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
            _ => {
                input.edit(key);
                Outcome::Stay
            }
        },
        BrowserMode::Browse => match key.code {
            KeyCode::Esc => Outcome::Close,
            KeyCode::Up => {
                b.selected = b.selected.saturating_sub(1);
                Outcome::Stay
            }
            KeyCode::Char('p') if ctrl => {
                b.selected = b.selected.saturating_sub(1);
                Outcome::Stay
            }
            KeyCode::Down => {
                b.selected += 1;
                b.clamp();
                Outcome::Stay
            }
            KeyCode::Char('n') if ctrl => {
                b.selected += 1;
                b.clamp();
                Outcome::Stay
            }
            KeyCode::Enter => match b.current() {
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
            KeyCode::Char('r') if ctrl => {
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
            KeyCode::Char('d') if ctrl => delete(b, open_id),
            KeyCode::Delete => delete(b, open_id),
            _ => {
                b.filter.edit(key);
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
