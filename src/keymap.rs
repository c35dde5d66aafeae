//! Keys → intents. A `KeyChord` parses and prints as `ctrl-q`, `alt-enter`, `shift-tab`, `f1`;
//! the `Keymap` holds the defaults, takes overrides from config.toml's `[keys]` table, and is
//! the single source for the help overlay.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::command::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    /// The chord a key event stands for. Shift is folded into characters ('A', '?') and into
    /// BackTab, so `shift-tab` and `?` match however the terminal reports them.
    pub fn from_event(key: KeyEvent) -> Self {
        let mut modifiers =
            key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match key.code {
            KeyCode::BackTab => {
                modifiers |= KeyModifiers::SHIFT;
                KeyCode::Tab
            }
            KeyCode::Char(c) => {
                modifiers -= KeyModifiers::SHIFT;
                // Ctrl+letter arrives upper-case from some terminals.
                if modifiers.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            other => other,
        };
        Self { code, modifiers }
    }
}

impl FromStr for KeyChord {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = s;
        // The key itself may be `-` (as in `ctrl--`), so split modifiers off the front only.
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            modifiers |= m;
            rest = &rest[len..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => {
                modifiers |= KeyModifiers::SHIFT;
                KeyCode::Tab
            }
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().map_err(|_| format!("bad key `{s}`"))?;
                if !(1..=24).contains(&n) {
                    return Err(format!("bad key `{s}`: function keys go from f1 to f24"));
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        let c = if modifiers.contains(KeyModifiers::CONTROL) {
                            c.to_ascii_lowercase()
                        } else {
                            c
                        };
                        modifiers -= KeyModifiers::SHIFT;
                        KeyCode::Char(c)
                    }
                    _ => {
                        return Err(format!(
                            "unknown key `{s}` (try e.g. `ctrl-q`, `alt-enter`, `f1`)"
                        ));
                    }
                }
            }
        };
        Ok(Self { code, modifiers })
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (m, name) in [
            (KeyModifiers::CONTROL, "ctrl-"),
            (KeyModifiers::ALT, "alt-"),
            (KeyModifiers::SHIFT, "shift-"),
        ] {
            if self.modifiers.contains(m) {
                f.write_str(name)?;
            }
        }
        match self.code {
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl KeyChord {
    /// The chord as a person reads it in a hint: `Ctrl+Q`, `Alt+Shift+E`, `F1`.
    pub fn label(&self) -> String {
        let mut out = String::new();
        for (m, name) in [
            (KeyModifiers::CONTROL, "Ctrl+"),
            (KeyModifiers::ALT, "Alt+"),
            (KeyModifiers::SHIFT, "Shift+"),
        ] {
            if self.modifiers.contains(m) {
                out.push_str(name);
            }
        }
        match self.code {
            KeyCode::Char(c) if c.is_uppercase() => {
                out.push_str("Shift+");
                out.push(c);
            }
            KeyCode::Char(c) if !self.modifiers.is_empty() => out.extend(c.to_uppercase()),
            KeyCode::Char(' ') => out.push_str("Space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
            KeyCode::PageUp => out.push_str("PgUp"),
            KeyCode::PageDown => out.push_str("PgDn"),
            _ => {
                let name = self.to_string();
                let key = name.rsplit('-').next().unwrap_or(&name);
                let mut chars = key.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            }
        }
        out
    }
}

/// Bindings that hold everywhere, and a few that hold only while the prompt is empty (so that
/// `?`, Home and End still type and move the cursor while writing).
#[derive(Debug, Clone)]
pub struct Keymap {
    always: HashMap<KeyChord, Command>,
    when_empty: HashMap<KeyChord, Command>,
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

impl Default for Keymap {
    fn default() -> Self {
        Self {
            always: table(DEFAULTS),
            when_empty: table(WHEN_EMPTY),
        }
    }
}

impl Keymap {
    /// The defaults with config overrides: `"alt-n" = "add_pane"` binds, `"alt-n" = "none"`
    /// unbinds. Errors name the offending entry.
    pub fn with_overrides(overrides: &HashMap<String, String>) -> Result<Self, String> {
        let mut map = Self::default();
        let mut entries: Vec<_> = overrides.iter().collect();
        entries.sort();
        for (key, command) in entries {
            let chord: KeyChord = key.parse().map_err(|e| format!("[keys] {e}"))?;
            map.when_empty.remove(&chord);
            if command == "none" {
                map.always.remove(&chord);
            } else {
                let command: Command = command
                    .parse()
                    .map_err(|e| format!("[keys] \"{key}\": {e}"))?;
                map.always.insert(chord, command);
            }
        }
        // The status bar promises a way out; a keymap without one is refused, not obeyed.
        if !map.always.values().any(|c| *c == Command::Quit) {
            return Err(
                "[keys] leaves no key for `quit`: bind one (e.g. \"ctrl-q\" = \"quit\") so the room can be left"
                    .to_owned(),
            );
        }
        Ok(map)
    }

    /// The hint for `cmd` (`Ctrl+Q`), from the first of its chords as the help lists them.
    pub fn label_for(&self, cmd: Command) -> Option<String> {
        self.always
            .iter()
            .filter(|(_, c)| **c == cmd)
            .map(|(k, _)| (k.to_string(), k))
            .min_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)))
            .map(|(_, k)| k.label())
    }

    pub fn resolve(&self, key: KeyEvent, prompt_empty: bool) -> Option<Command> {
        let chord = KeyChord::from_event(key);
        if prompt_empty {
            if let Some(c) = self.when_empty.get(&chord) {
                return Some(*c);
            }
        }
        self.always.get(&chord).copied()
    }

    /// Every command with the chords bound to it, in `Command::ALL` order, for the help overlay.
    pub fn help_rows(&self) -> Vec<(Command, Vec<String>)> {
        Command::ALL
            .iter()
            .map(|&cmd| {
                let mut keys: Vec<String> = self
                    .always
                    .iter()
                    .filter(|(_, c)| **c == cmd)
                    .map(|(k, _)| k.to_string())
                    .collect();
                keys.sort_by_key(|k| (k.len(), k.clone()));
                let mut empty: Vec<String> = self
                    .when_empty
                    .iter()
                    .filter(|(_, c)| **c == cmd)
                    .map(|(k, _)| format!("{k} (empty prompt)"))
                    .collect();
                empty.sort();
                keys.extend(empty);
                (cmd, keys)
            })
            .collect()
    }

    /// The first chord bound to `cmd`, for hints in the status bar.
    pub fn key_for(&self, cmd: Command) -> Option<String> {
        self.help_rows()
            .into_iter()
            .find(|(c, _)| *c == cmd)
            .and_then(|(_, keys)| keys.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new_with_kind(code, m, KeyEventKind::Press)
    }

    #[test]
    fn chords_parse_and_print_round_trip() {
        for s in [
            "ctrl-q",
            "alt-enter",
            "shift-tab",
            "f1",
            "f11",
            "?",
            "pageup",
            "ctrl-home",
            "alt-1",
            "space",
            "ctrl--",
        ] {
            let chord: KeyChord = s.parse().unwrap();
            assert_eq!(chord.to_string(), s);
        }
        assert_eq!("Ctrl-Q".parse::<KeyChord>().unwrap().to_string(), "ctrl-q");
        assert!("ctrl-nothing".parse::<KeyChord>().is_err());
        assert!("f99".parse::<KeyChord>().is_err());
    }

    #[test]
    fn defaults_resolve_as_documented() {
        let k = Keymap::default();
        assert_eq!(
            k.resolve(key(KeyCode::Enter, KeyModifiers::NONE), false),
            Some(Command::Send)
        );
        assert_eq!(
            k.resolve(key(KeyCode::Enter, KeyModifiers::ALT), false),
            Some(Command::NewLine)
        );
        assert_eq!(
            k.resolve(key(KeyCode::Char('j'), KeyModifiers::CONTROL), false),
            Some(Command::NewLine)
        );
        assert_eq!(
            k.resolve(key(KeyCode::BackTab, KeyModifiers::SHIFT), false),
            Some(Command::FocusPrev)
        );
        assert_eq!(
            k.resolve(key(KeyCode::Char('3'), KeyModifiers::ALT), false),
            Some(Command::Focus3)
        );
        assert_eq!(
            k.resolve(
                key(
                    KeyCode::Char('Q'),
                    KeyModifiers::CONTROL | KeyModifiers::SHIFT
                ),
                false
            ),
            Some(Command::Quit)
        );
    }

    #[test]
    fn question_mark_and_home_act_only_on_an_empty_prompt() {
        let k = Keymap::default();
        let q = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(k.resolve(q, true), Some(Command::Help));
        assert_eq!(k.resolve(q, false), None);
        assert_eq!(
            k.resolve(key(KeyCode::Home, KeyModifiers::NONE), false),
            None
        );
        assert_eq!(
            k.resolve(key(KeyCode::Char('a'), KeyModifiers::NONE), true),
            None
        );
    }

    #[test]
    fn config_overrides_bind_and_unbind() {
        let overrides = HashMap::from([
            ("ctrl-n".to_owned(), "add_pane".to_owned()),
            ("alt-n".to_owned(), "none".to_owned()),
        ]);
        let k = Keymap::with_overrides(&overrides).unwrap();
        assert_eq!(
            k.resolve(key(KeyCode::Char('n'), KeyModifiers::CONTROL), false),
            Some(Command::AddPane)
        );
        assert_eq!(
            k.resolve(key(KeyCode::Char('n'), KeyModifiers::ALT), false),
            None
        );
        let bad = HashMap::from([("ctrl-n".to_owned(), "fly".to_owned())]);
        assert!(
            Keymap::with_overrides(&bad)
                .unwrap_err()
                .contains("unknown command `fly`")
        );
    }

    #[test]
    fn a_keymap_without_a_quit_key_is_refused_and_hints_follow_the_keymap() {
        let unbound = HashMap::from([("ctrl-q".to_owned(), "none".to_owned())]);
        let e = Keymap::with_overrides(&unbound).unwrap_err();
        assert!(e.contains("no key for `quit`"), "{e}");
        let moved = HashMap::from([
            ("ctrl-q".to_owned(), "none".to_owned()),
            ("alt-x".to_owned(), "quit".to_owned()),
        ]);
        let k = Keymap::with_overrides(&moved).unwrap();
        assert_eq!(k.label_for(Command::Quit).as_deref(), Some("Alt+X"));
        let d = Keymap::default();
        assert_eq!(d.label_for(Command::Quit).as_deref(), Some("Ctrl+Q"));
        assert_eq!(d.label_for(Command::Help).as_deref(), Some("F1"));
        assert_eq!(
            d.label_for(Command::ToggleReasoningAll).as_deref(),
            Some("Alt+Shift+E")
        );
        assert_eq!(d.label_for(Command::Send).as_deref(), Some("Enter"));
    }

    #[test]
    fn every_command_has_a_default_key() {
        for (cmd, keys) in Keymap::default().help_rows() {
            assert!(!keys.is_empty(), "{cmd:?} has no key");
        }
    }
}
