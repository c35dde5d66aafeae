//! The model picker: a query searched fuzzily over the catalog as it is typed, a sort cycled
//! (Tab by default), free models only (Ctrl+F), and Enter to bind the highlighted model to a new or
//! the focused pane. An id the catalog does not list (another endpoint's) can still be typed.

use std::sync::Arc;

use nucleo_matcher::Matcher;
use ratatui::crossterm::event::KeyEvent;

use super::{ModelPurpose, Prompt};
use crate::catalog::search::{SortKey, matcher, narrows, search_within};
use crate::catalog::{Index, ModelRow};
use crate::keymap::{Keymap, PickerAction};

#[derive(Debug, Clone)]
pub struct Picker {
    pub purpose: ModelPurpose,
    pub query: Prompt,
    pub sort: SortKey,
    pub free_only: bool,
    /// Rows of `index` that match, in display order.
    pub hits: Vec<usize>,
    pub selected: usize,
    /// A line for the person: a refresh under way, why a choice was refused.
    pub message: Option<crate::sanitize::Clean>,
    /// The providers of a model (Ctrl+E), as one line: shown while that model is highlighted.
    pub providers: Option<(String, crate::sanitize::Clean)>,
    index: Option<Arc<Index>>,
    matcher: Matcher,
    /// What `hits` were found for, so typing on only searches them again.
    searched: Option<(String, SortKey, bool)>,
}

/// What a key in the picker asks of the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerOutcome {
    Stay,
    Close,
    Choose(String),
    RefreshCatalog,
    /// List the providers of this model (the highlighted one).
    Providers(String),
}

impl Picker {
    pub fn new(purpose: ModelPurpose, index: Option<Arc<Index>>) -> Self {
        let hint = match purpose {
            ModelPurpose::AddPane => "search models by id or name, or type an id (@endpoint/model)",
            ModelPurpose::Rebind(_) => "search for this pane's new model, or type an id",
        };
        let mut p = Self {
            purpose,
            query: Prompt::new(hint),
            sort: SortKey::Relevance,
            free_only: false,
            hits: Vec::new(),
            selected: 0,
            message: None,
            providers: None,
            index,
            matcher: matcher(),
            searched: None,
        };
        p.refresh();
        p
    }

    pub fn index(&self) -> Option<&Index> {
        self.index.as_deref()
    }

    /// A newer catalog arrived: search it, keeping the highlighted model when it is still there.
    pub fn set_index(&mut self, index: Option<Arc<Index>>) {
        let current = self.current().map(|r| r.id.clone());
        self.index = index;
        self.message = None;
        self.searched = None;
        self.refresh();
        if let (Some(id), Some(index)) = (current, self.index.as_deref()) {
            if let Some(pos) = self.hits.iter().position(|&i| index.rows[i].id == id) {
                self.selected = pos;
            }
        }
    }

    /// Runs the search again for the query, sort and filter. When the query only grew (and
    /// nothing else changed) the earlier matches are the only candidates.
    pub fn refresh(&mut self) {
        let query = self.query.text();
        let within = match &self.searched {
            Some((q, sort, free))
                if *sort == self.sort
                    && (*free == self.free_only || self.free_only)
                    && narrows(q, &query) =>
            {
                Some(self.hits.as_slice())
            }
            _ => None,
        };
        self.hits = match self.index.as_deref() {
            Some(index) => search_within(
                index,
                &query,
                self.sort,
                self.free_only,
                &mut self.matcher,
                within,
            ),
            None => Vec::new(),
        };
        self.searched = Some((query, self.sort, self.free_only));
        self.selected = 0;
    }

    pub fn current(&self) -> Option<&ModelRow> {
        let index = self.index.as_deref()?;
        self.hits.get(self.selected).map(|&i| &index.rows[i])
    }

    /// The model Enter binds: the highlighted one; the typed text when nothing matches, or
    /// when it names another endpoint (`@local/qwen3`), whose models the catalog lacks.
    pub fn choice(&self) -> Option<String> {
        let typed = self.query.text().trim().to_owned();
        if typed.starts_with(crate::model::ENDPOINT_SIGIL) {
            return Some(typed);
        }
        self.current()
            .map(|r| r.id.clone())
            .or_else(|| (!typed.is_empty()).then_some(typed))
    }

    fn move_by(&mut self, delta: isize) {
        let last = self.hits.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn on_key(&mut self, key: KeyEvent, keys: &Keymap) -> PickerOutcome {
        let Some(action) = keys.picker.resolve(key) else {
            let before = self.query.text();
            self.query.edit(key, &keys.prompt);
            if self.query.text() != before {
                self.refresh();
            }
            return PickerOutcome::Stay;
        };
        match action {
            PickerAction::Close => return PickerOutcome::Close,
            PickerAction::Choose => {
                return match self.choice() {
                    Some(id) => PickerOutcome::Choose(id),
                    None => PickerOutcome::Stay,
                };
            }
            PickerAction::UseTyped => {
                let typed = self.query.text().trim().to_owned();
                if !typed.is_empty() {
                    return PickerOutcome::Choose(typed);
                }
            }
            PickerAction::Refresh => {
                self.message = Some("refreshing the catalog…".into());
                return PickerOutcome::RefreshCatalog;
            }
            PickerAction::Providers => {
                if let Some(id) = self.current().map(|r| r.id.clone()) {
                    self.message = Some("asking for its providers…".into());
                    return PickerOutcome::Providers(id);
                }
            }
            PickerAction::Up => self.move_by(-1),
            PickerAction::Down => self.move_by(1),
            PickerAction::PageUp => self.move_by(-10),
            PickerAction::PageDown => self.move_by(10),
            PickerAction::SortNext => {
                self.sort = self.sort.next();
                self.refresh();
            }
            PickerAction::SortPrev => {
                // Four steps forward is one back in a cycle of five.
                for _ in 0..4 {
                    self.sort = self.sort.next();
                }
                self.refresh();
            }
            PickerAction::FreeOnly => {
                self.free_only = !self.free_only;
                self.refresh();
            }
        }
        PickerOutcome::Stay
    }

    /// Types `text` into the query (a paste).
    pub fn paste(&mut self, text: &str) {
        self.query.paste(text);
        self.refresh();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Catalog, ModelEntry};
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    fn picker(ids: &[&str]) -> Picker {
        let models = ids
            .iter()
            .map(|id| ModelEntry {
                id: (*id).into(),
                name: Some((*id).to_uppercase()),
                ..ModelEntry::default()
            })
            .collect();
        Picker::new(
            ModelPurpose::AddPane,
            Some(Arc::new(Index::new(Catalog::new(models)))),
        )
    }

    fn key(p: &mut Picker, code: KeyCode) -> PickerOutcome {
        p.on_key(KeyEvent::new(code, KeyModifiers::NONE), &Keymap::default())
    }

    #[test]
    fn typing_narrows_and_enter_chooses_the_highlight() {
        let mut p = picker(&["demo/fast", "demo/slow", "other/thing"]);
        assert_eq!(p.hits.len(), 3);
        for c in "slo".chars() {
            key(&mut p, KeyCode::Char(c));
        }
        assert_eq!(p.hits.len(), 1);
        assert_eq!(
            key(&mut p, KeyCode::Enter),
            PickerOutcome::Choose("demo/slow".into())
        );
    }

    #[test]
    fn unlisted_ids_and_other_endpoints_can_be_typed() {
        let mut p = picker(&["demo/fast"]);
        p.paste("@local/qwen3");
        assert_eq!(
            key(&mut p, KeyCode::Enter),
            PickerOutcome::Choose("@local/qwen3".into())
        );
        let mut p = picker(&["demo/fast"]);
        p.paste("vendor/brand-new");
        assert!(p.hits.is_empty());
        assert_eq!(
            key(&mut p, KeyCode::Enter),
            PickerOutcome::Choose("vendor/brand-new".into())
        );
        let mut p = picker(&[]);
        assert_eq!(key(&mut p, KeyCode::Enter), PickerOutcome::Stay);
    }

    #[test]
    fn arrows_stay_in_range_and_tab_cycles_the_sort() {
        let mut p = picker(&["a/1", "a/2"]);
        key(&mut p, KeyCode::Up);
        assert_eq!(p.selected, 0);
        key(&mut p, KeyCode::PageDown);
        assert_eq!(p.selected, 1);
        key(&mut p, KeyCode::Tab);
        assert_eq!(p.sort, SortKey::Price);
        p.on_key(
            KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
            &Keymap::default(),
        );
        assert_eq!(p.sort, SortKey::Relevance);
    }
}
