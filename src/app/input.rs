//! The prompt editor (a `ratatui-textarea`) and the history of sent prompts, recalled with
//! Up/Down at the editor's first and last line.

use ratatui::crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use crate::keymap::{ModeKeys, PromptAction};

#[derive(Debug, Clone)]
pub struct Prompt {
    area: TextArea<'static>,
}

impl Prompt {
    pub fn new(placeholder: &str) -> Self {
        let mut area = TextArea::default();
        area.set_placeholder_text(placeholder);
        style(&mut area);
        Self { area }
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.area.is_empty()
    }

    pub fn line_count(&self) -> usize {
        self.area.lines().len()
    }

    /// Rows the text takes soft-wrapped at `width` columns (the box grows with them).
    pub fn rows_at(&self, width: u16) -> usize {
        let width = usize::from(width.max(1));
        // The cursor after the last character needs a column of its own.
        let rows = |l: &String| crate::text::wrap(&format!("{l} "), width).len();
        self.area.lines().iter().map(rows).sum()
    }

    /// Says where Enter sends (it changes with the send mode and the panes).
    pub fn set_placeholder(&mut self, text: &str) {
        if self.area.placeholder_text() != text {
            self.area.set_placeholder_text(text);
        }
    }

    pub fn set_text(&mut self, text: &str) {
        let placeholder = self.area.placeholder_text().to_owned();
        self.area = TextArea::new(text.split('\n').map(str::to_owned).collect());
        self.area.set_placeholder_text(placeholder);
        style(&mut self.area);
        self.area.move_cursor(CursorMove::Bottom);
        self.area.move_cursor(CursorMove::End);
    }

    pub fn clear(&mut self) {
        self.set_text("");
    }

    pub fn on_first_line(&self) -> bool {
        self.area.cursor().0 == 0
    }

    pub fn on_last_line(&self) -> bool {
        self.area.cursor().0 + 1 >= self.area.lines().len()
    }

    pub fn newline(&mut self) {
        self.area.insert_newline();
    }

    /// Inserts pasted text as is: a bracketed paste never sends, whatever it contains.
    pub fn paste(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        self.area.insert_str(text);
    }

    /// A key no mode claimed goes to the editor, after the keymap's editing keys: readline's
    /// Ctrl+U (clear to the line's start) and undo on Ctrl+Z by default (the editor's own
    /// Ctrl+U undo would surprise a shell user).
    pub fn edit(&mut self, key: KeyEvent, keys: &ModeKeys<PromptAction>) -> bool {
        match keys.resolve(key) {
            Some(PromptAction::ClearLine) => self.area.delete_line_by_head(),
            Some(PromptAction::Undo) => self.area.undo(),
            // The history is the room's to walk; elsewhere the arrows move the cursor.
            Some(PromptAction::HistoryPrev | PromptAction::HistoryNext) | None => {
                self.area.input(key)
            }
        }
    }

    pub fn textarea(&self) -> &TextArea<'static> {
        &self.area
    }

    pub fn textarea_mut(&mut self) -> &mut TextArea<'static> {
        &mut self.area
    }
}

/// Modifiers only (no colour), so the editor follows the terminal's palette and `NO_COLOR`.
fn style(area: &mut TextArea<'static>) {
    use ratatui::style::{Modifier, Style};
    // A long prompt wraps and the box grows, instead of scrolling sideways.
    area.set_wrap_mode(WrapMode::WordOrGlyph);
    area.set_cursor_line_style(Style::default());
    area.set_placeholder_style(Style::default().add_modifier(Modifier::DIM));
}

/// Sent prompts, oldest first. Browsing keeps the unsent draft to come back to.
#[derive(Debug, Clone, Default)]
pub struct History {
    entries: Vec<String>,
    /// Index into `entries` while browsing.
    cursor: Option<usize>,
    draft: String,
}

impl History {
    pub fn push(&mut self, prompt: &str) {
        if self.entries.last().map(String::as_str) != Some(prompt) {
            self.entries.push(prompt.to_owned());
        }
        self.cursor = None;
        self.draft.clear();
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// The previous (older) prompt; `current` is saved as the draft when browsing starts.
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let next = match self.cursor {
            None => {
                self.draft = current.to_owned();
                self.entries.len().checked_sub(1)?
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.cursor = Some(next);
        self.entries.get(next).map(String::as_str)
    }

    /// The next (newer) prompt, or the draft after the newest.
    pub fn newer(&mut self) -> Option<&str> {
        let i = self.cursor?;
        if i + 1 < self.entries.len() {
            self.cursor = Some(i + 1);
            self.entries.get(i + 1).map(String::as_str)
        } else {
            self.cursor = None;
            Some(&self.draft)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_u_clears_to_the_line_start_and_ctrl_z_undoes() {
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let keys = ModeKeys::default();
        let mut p = Prompt::new("");
        p.set_text("first\nsecond line");
        assert!(p.edit(ctrl('u'), &keys));
        assert_eq!(p.text(), "first\n");
        assert!(p.edit(ctrl('z'), &keys));
        assert_eq!(p.text(), "first\nsecond line");
    }

    #[test]
    fn a_long_line_takes_rows_as_it_wraps() {
        let mut p = Prompt::new("");
        p.set_text(&"word ".repeat(20));
        assert_eq!(p.rows_at(100), 1);
        assert_eq!(p.rows_at(40), 3);
        p.set_text("a\nb");
        assert_eq!(p.rows_at(40), 2);
    }

    #[test]
    fn history_walks_back_and_returns_to_the_draft() {
        let mut h = History::default();
        h.push("one");
        h.push("two");
        h.push("two");
        assert_eq!(h.older("draft"), Some("two"));
        assert_eq!(h.older("ignored"), Some("one"));
        assert_eq!(h.older("ignored"), None);
        assert_eq!(h.newer(), Some("two"));
        assert_eq!(h.newer(), Some("draft"));
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn prompt_paste_keeps_every_line() {
        let mut p = Prompt::new("");
        p.paste("line one\r\nline two\nline three");
        assert_eq!(p.text(), "line one\nline two\nline three");
        assert_eq!(p.line_count(), 3);
        assert!(p.on_last_line() && !p.on_first_line());
    }
}
