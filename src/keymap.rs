//! Keys → intents, for every mode of the room. `KeyChord` (in `chord`) parses `ctrl-q` and
//! prints `Ctrl+Q`; the `Keymap` holds the room's commands (`[keys]` in config.toml), the keys
//! of every other mode (`modes`, `[keys.picker]` …), and is the single source of the help
//! overlay and of every key named on screen.

mod chord;
pub mod modes;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use ratatui::crossterm::event::KeyEvent;

pub use chord::KeyChord;
pub use modes::{
    AccountAction, Action, AttachAction, BoardAction, BrowserAction, ConfirmAction, DialogAction,
    DiffAction, FormAction, HelpAction, ModeKeys, PickerAction, PromptAction, SpendAction,
};

use crate::command::Command;

/// The room's bindings: those that hold everywhere, and a few that hold only while the prompt
/// is empty (so that `?`, Home and End still type and move the cursor while writing); then one
/// table per mode.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    room: RoomKeys,
    pub prompt: ModeKeys<PromptAction>,
    pub picker: ModeKeys<PickerAction>,
    pub routing: ModeKeys<FormAction>,
    pub browser: ModeKeys<BrowserAction>,
    pub dialog: ModeKeys<DialogAction>,
    pub attach: ModeKeys<AttachAction>,
    pub confirm: ModeKeys<ConfirmAction>,
    pub diff: ModeKeys<DiffAction>,
    pub help: ModeKeys<HelpAction>,
    pub spend: ModeKeys<SpendAction>,
    pub account: ModeKeys<AccountAction>,
    pub board: ModeKeys<BoardAction>,
}

#[derive(Debug, Clone)]
struct RoomKeys {
    always: HashMap<KeyChord, Command>,
    when_empty: HashMap<KeyChord, Command>,
}

/// One mode's keys in the help overlay: its title and (keys, what they do) rows.
#[derive(Debug, Clone, PartialEq)]
pub struct HelpSection {
    pub title: &'static str,
    /// Where config.toml rebinds them: `[keys]`, `[keys.picker]`.
    pub table: String,
    pub rows: Vec<(String, &'static str)>,
}

const DEFAULTS: &[(&str, Command)] = &[
    ("enter", Command::Send),
    ("ctrl-s", Command::SendFocused),
    ("f2", Command::ToggleSendMode),
    ("alt-enter", Command::NewLine),
    ("ctrl-j", Command::NewLine),
    ("shift-enter", Command::NewLine),
    ("tab", Command::FocusNext),
    ("shift-tab", Command::FocusPrev),
    ("alt-1", Command::Focus1),
    ("alt-2", Command::Focus2),
    ("alt-3", Command::Focus3),
    ("alt-4", Command::Focus4),
    ("alt-5", Command::Focus5),
    ("alt-6", Command::Focus6),
    ("alt-7", Command::Focus7),
    ("alt-8", Command::Focus8),
    ("alt-9", Command::Focus9),
    ("alt-z", Command::Zoom),
    ("f11", Command::Zoom),
    ("alt-n", Command::AddPane),
    ("alt-w", Command::ClosePane),
    ("alt-W", Command::ReopenPane),
    ("alt-m", Command::ChangeModel),
    ("alt-p", Command::Routing),
    ("alt-P", Command::ShootOut),
    ("f3", Command::Spend),
    ("f4", Command::Account),
    ("f5", Command::RefreshCatalog),
    ("esc", Command::Stop),
    ("ctrl-x", Command::StopAll),
    ("alt-r", Command::Regenerate),
    ("ctrl-up", Command::ScrollUp),
    ("ctrl-down", Command::ScrollDown),
    ("pageup", Command::PageUp),
    ("pagedown", Command::PageDown),
    ("ctrl-home", Command::ScrollTop),
    ("ctrl-end", Command::ScrollBottom),
    ("alt-k", Command::PrevPrompt),
    ("alt-j", Command::NextPrompt),
    ("alt-o", Command::JumpPrompt),
    ("alt-l", Command::SyncScroll),
    ("alt-f", Command::Attach),
    ("alt-F", Command::Detach),
    ("alt-c", Command::Copy),
    ("alt-C", Command::CopyCode),
    ("alt-e", Command::ToggleReasoning),
    ("alt-E", Command::ToggleReasoningAll),
    ("alt-y", Command::CycleTheme),
    ("alt-s", Command::Sessions),
    ("alt-t", Command::NameSession),
    ("f6", Command::BlindRound),
    ("alt-a", Command::VoteA),
    ("alt-b", Command::VoteB),
    ("alt-v", Command::VoteFocused),
    ("alt-d", Command::VoteTie),
    ("alt-x", Command::VoteBad),
    ("alt-u", Command::VoteUndo),
    ("alt-g", Command::Tag),
    ("f7", Command::Leaderboard),
    ("f8", Command::Diff),
    ("f1", Command::Help),
    ("ctrl-c", Command::Interrupt),
    ("ctrl-q", Command::Quit),
];

const WHEN_EMPTY: &[(&str, Command)] = &[
    ("?", Command::Help),
    ("home", Command::ScrollTop),
    ("end", Command::ScrollBottom),
];

fn table(entries: &[(&str, Command)]) -> HashMap<KeyChord, Command> {
    entries
        .iter()
        .filter_map(|(k, c)| k.parse().ok().map(|chord| (chord, *c)))
        .collect()
}

impl Default for RoomKeys {
    fn default() -> Self {
        Self {
            always: table(DEFAULTS),
            when_empty: table(WHEN_EMPTY),
        }
    }
}

/// A mode with a text field runs its own keys first and the prompt's editing keys after: one
/// key in both would never edit there, so it is refused. (The history keys act only in the
/// room's prompt, so a mode may use ↑ and ↓ for itself.)
fn editing_clash<A: Action>(
    prompt: &ModeKeys<PromptAction>,
    mode: &ModeKeys<A>,
) -> Result<(), String> {
    let edits = prompt
        .chords()
        .filter(|(_, a)| matches!(a, PromptAction::ClearLine | PromptAction::Undo));
    for (chord, edit) in edits {
        if let Some(action) = mode.action_of(chord) {
            let key = chord.to_string();
            return Err(format!(
                "[keys.{}] \"{key}\" = \"{}\" and [keys.prompt] \"{key}\" = \"{}\" are the same key \
                 in the {}: unbind one (\"{key}\" = \"none\")",
                A::TABLE,
                action.name(),
                edit.name(),
                A::TITLE
            ));
        }
    }
    Ok(())
}

/// Two opposite keys as one hint: `↑↓` when both are one character, else `PgUp PgDn`.
fn pair(back: Option<String>, forth: Option<String>) -> Option<String> {
    match (back, forth) {
        (Some(b), Some(f)) if b.chars().count() == 1 && f.chars().count() == 1 => {
            Some(format!("{b}{f}"))
        }
        (Some(b), Some(f)) => Some(format!("{b} {f}")),
        (one, None) | (None, one) => one,
    }
}

/// A footer of key hints, ` Enter picks · Esc closes `: the ones whose keys are bound.
pub fn hints(parts: &[Option<String>]) -> String {
    let parts: Vec<&str> = parts.iter().flatten().map(String::as_str).collect();
    format!(" {} ", parts.join(" · "))
}

/// `F1, ? or Esc`: keys that do the same thing, as a hint lists them.
pub fn either(keys: &[String]) -> String {
    match keys {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Every mode's field in `Keymap` and its actions: from this one list come the `[keys.*]`
/// tables config.toml may hold and the help's sections. A new mode is a `mode!` in `modes`,
/// a field in `Keymap` and a line here.
macro_rules! modes {
    ($($field:ident: $action:ty,)*) => {
        const MODE_TABLES: &[&str] = &[$(<$action>::TABLE,)*];

        impl Keymap {
            fn apply_mode(&mut self, name: &str, t: &toml::Table) -> Result<(), String> {
                $(if name == <$action>::TABLE {
                    return self.$field.apply(t);
                })*
                Err(format!(
                    "[keys.{}]: no such mode (the tables are [keys] for the room and [keys.{}])",
                    name.escape_debug(),
                    MODE_TABLES.join("], [keys.")
                ))
            }

            fn mode_sections(&self) -> Vec<HelpSection> {
                vec![$(section(&self.$field),)*]
            }
        }
    };
}

modes! {
    prompt: PromptAction,
    picker: PickerAction,
    routing: FormAction,
    browser: BrowserAction,
    dialog: DialogAction,
    attach: AttachAction,
    confirm: ConfirmAction,
    diff: DiffAction,
    help: HelpAction,
    spend: SpendAction,
    account: AccountAction,
    board: BoardAction,
}

fn section<A: Action>(keys: &ModeKeys<A>) -> HelpSection {
    HelpSection {
        title: A::TITLE,
        table: format!("[keys.{}]", A::TABLE),
        rows: keys.help_rows(),
    }
}

impl Keymap {
    /// The defaults with config.toml's `[keys]`: `"alt-n" = "add_pane"` binds a room command,
    /// `"alt-n" = "none"` unbinds, and `[keys.picker]` (and the other modes' tables) rebind
    /// that mode. Every error names the table and the key; nothing is half applied.
    pub fn from_config(keys: &toml::Table) -> Result<Self, String> {
        let mut map = Self::default();
        let mut room = toml::Table::new();
        for (name, value) in keys {
            match value {
                toml::Value::Table(t) => map.apply_mode(name, t)?,
                other => {
                    room.insert(name.clone(), other.clone());
                }
            }
        }
        map.apply_room(&room)?;
        map.check_room_against_prompt()?;
        editing_clash(&map.prompt, &map.picker)?;
        editing_clash(&map.prompt, &map.routing)?;
        editing_clash(&map.prompt, &map.browser)?;
        editing_clash(&map.prompt, &map.dialog)?;
        editing_clash(&map.prompt, &map.attach)?;
        Ok(map)
    }

    fn apply_room(&mut self, entries: &toml::Table) -> Result<(), String> {
        let mut seen: HashMap<KeyChord, &str> = HashMap::new();
        for (key, command) in entries {
            let chord: KeyChord = key
                .parse()
                .map_err(|e| format!("[keys] \"{}\": {e}", key.escape_debug()))?;
            if let Some(other) = seen.insert(chord, key) {
                return Err(format!(
                    "[keys] \"{other}\" and \"{key}\" are the same key ({}): keep one",
                    chord.label()
                ));
            }
            let Some(command) = command.as_str() else {
                return Err(format!(
                    "[keys] \"{key}\": a binding is a command's name in quotes, or \"none\" \
                     (a mode's keys go in a table such as [keys.picker])"
                ));
            };
            self.room.when_empty.remove(&chord);
            if command == "none" {
                self.room.always.remove(&chord);
            } else {
                let command: Command = command
                    .parse()
                    .map_err(|e| format!("[keys] \"{key}\": {e}"))?;
                self.room.always.insert(chord, command);
            }
        }
        // The status bar promises a way out; a keymap without one is refused, not obeyed.
        if !self.room.always.values().any(|c| *c == Command::Quit) {
            return Err(
                "[keys] leaves no key for `quit`: bind one (e.g. \"ctrl-q\" = \"quit\") so the room can be left"
                    .to_owned(),
            );
        }
        Ok(())
    }

    /// The room's commands and the prompt's editing keys are live at once: one key for both
    /// would quietly do only the first, so it is refused.
    fn check_room_against_prompt(&self) -> Result<(), String> {
        let mut clashes: Vec<_> = self
            .prompt
            .chords()
            .filter_map(|(chord, action)| {
                let cmd = self.room.always.get(&chord)?;
                Some((chord.to_string(), cmd.name(), action.name()))
            })
            .collect();
        clashes.sort_unstable();
        match clashes.first() {
            None => Ok(()),
            Some((key, cmd, action)) => Err(format!(
                "[keys] \"{key}\" = \"{cmd}\" and [keys.prompt] \"{key}\" = \"{action}\" are the \
                 same key in the room: unbind it in one of them (\"{key}\" = \"none\")"
            )),
        }
    }

    /// The hint for `cmd` (`Ctrl+Q`), from the first of its chords as the help lists them.
    pub fn label_for(&self, cmd: Command) -> Option<String> {
        self.room
            .always
            .iter()
            .filter(|(_, c)| **c == cmd)
            .map(|(k, _)| (k.to_string(), k))
            .min_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)))
            .map(|(_, k)| k.label())
    }

    /// The key a notice names for `cmd` (`Alt+N`), or its name when no key is bound.
    pub fn name(&self, cmd: Command) -> String {
        self.label_for(cmd)
            .unwrap_or_else(|| format!("`{}` (no key bound)", cmd.name()))
    }

    /// Every key of `cmd` as hints name them, the prompt-empty ones last (`F1`, `?`).
    pub fn labels_for(&self, cmd: Command) -> Vec<String> {
        self.help_rows()
            .into_iter()
            .find(|(c, _)| *c == cmd)
            .map(|(_, keys)| {
                keys.into_iter()
                    .map(|k| k.trim_end_matches(" (empty prompt)").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The shortest key for `cmd` where the prompt is empty (`End`), else its key anywhere:
    /// for hints shown while one reads rather than writes.
    pub fn quick_label_for(&self, cmd: Command) -> Option<String> {
        let mut empty: Vec<&KeyChord> = self
            .room
            .when_empty
            .iter()
            .filter(|(_, c)| **c == cmd)
            .map(|(k, _)| k)
            .collect();
        empty.sort_by_key(|k| k.to_string());
        empty
            .first()
            .map(|k| k.label())
            .or_else(|| self.label_for(cmd))
    }

    pub fn resolve(&self, key: KeyEvent, prompt_empty: bool) -> Option<Command> {
        let chord = KeyChord::from_event(key);
        if prompt_empty {
            if let Some(c) = self.room.when_empty.get(&chord) {
                return Some(*c);
            }
        }
        self.room.always.get(&chord).copied()
    }

    /// Every command with the keys bound to it (as hints name them), in `Command::ALL` order.
    pub fn help_rows(&self) -> Vec<(Command, Vec<String>)> {
        Command::ALL
            .iter()
            .map(|&cmd| {
                let mut keys: Vec<(String, String)> = self
                    .room
                    .always
                    .iter()
                    .filter(|(_, c)| **c == cmd)
                    .map(|(k, _)| (k.to_string(), k.label()))
                    .collect();
                keys.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
                let mut keys: Vec<String> = keys.into_iter().map(|(_, l)| l).collect();
                let mut empty: Vec<String> = self
                    .room
                    .when_empty
                    .iter()
                    .filter(|(_, c)| **c == cmd)
                    .map(|(k, _)| format!("{} (empty prompt)", k.label()))
                    .collect();
                empty.sort();
                keys.extend(empty);
                (cmd, keys)
            })
            .collect()
    }

    /// The help overlay's sections: the room's commands, then each mode's keys.
    pub fn help_sections(&self) -> Vec<HelpSection> {
        let room = self
            .help_rows()
            .into_iter()
            .filter(|(cmd, keys)| !keys.is_empty() && cmd.focus_index().is_none_or(|i| i == 0))
            .map(|(cmd, keys)| match cmd.focus_index() {
                // Nine "focus pane N" rows say one thing.
                Some(_) => (format!("{} … 9", keys.join(", ")), "focus pane 1 … 9"),
                None => (keys.join(", "), cmd.description()),
            })
            .collect();
        let mut sections = vec![HelpSection {
            title: "room",
            table: "[keys]".to_owned(),
            rows: room,
        }];
        sections.extend(self.mode_sections());
        sections
    }
}
