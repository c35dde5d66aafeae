//! The keys of every mode besides the room's own: the prompt's editing keys, the model picker,
//! the routing form, the sessions browser, the small dialogs and the views (help, spend,
//! account, leaderboard). Each mode is one `mode!` table (its actions, their config names,
//! default keys and help lines) and is rebound by `[keys.<table>]` in config.toml. A new mode
//! is one more `mode!` here and one more field in `Keymap`.

use std::collections::HashMap;

use ratatui::crossterm::event::KeyEvent;

use super::KeyChord;

/// What a mode's actions have in common, for the keymap, the config and the help overlay.
pub trait Action: Copy + Eq + std::hash::Hash + std::fmt::Debug + 'static {
    /// The table that rebinds them: `[keys.picker]`.
    const TABLE: &'static str;
    /// How the help overlay and errors name the mode.
    const TITLE: &'static str;
    /// The mode has a text field: a plain character bound here would no longer type.
    const TYPES: bool;
    const ALL: &'static [Self];
    /// Actions that must keep a key: the way out of the mode.
    const REQUIRED: &'static [Self];
    /// Actions a plain character may stand for even where typing goes on (a yes/no answer;
    /// a choice that types when the field takes text).
    const PLAIN_OK: &'static [Self];
    fn name(self) -> &'static str;
    fn description(self) -> &'static str;
    fn default_keys(self) -> &'static [&'static str];
}

macro_rules! mode {
    (
        $(#[$meta:meta])*
        $enum:ident: table $table:literal, title $title:literal, types $types:literal,
        required [$($req:ident),*], plain_ok [$($plain:ident),*],
        { $($variant:ident = $name:literal [$($key:literal),*]: $desc:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum { $($variant,)* }

        impl Action for $enum {
            const TABLE: &'static str = $table;
            const TITLE: &'static str = $title;
            const TYPES: bool = $types;
            const ALL: &'static [Self] = &[$(Self::$variant,)*];
            const REQUIRED: &'static [Self] = &[$(Self::$req,)*];
            const PLAIN_OK: &'static [Self] = &[$(Self::$plain,)*];
            fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }
            fn description(self) -> &'static str {
                match self { $(Self::$variant => $desc,)* }
            }
            fn default_keys(self) -> &'static [&'static str] {
                match self { $(Self::$variant => &[$($key,)*],)* }
            }
        }
    };
}

mode! {
    /// Editing any text field (the prompt, the picker's search, the form's fields, dialogs);
    /// the history keys act in the room's prompt at its first / last line.
    PromptAction: table "prompt", title "prompt", types true, required [], plain_ok [], {
        HistoryPrev = "history_prev" ["up"]: "an earlier prompt (at the prompt's first line)",
        HistoryNext = "history_next" ["down"]: "a later prompt (at the prompt's last line)",
        ClearLine = "clear_line" ["ctrl-u"]: "clear the line up to the cursor (as in a shell)",
        Undo = "undo" ["ctrl-z"]: "undo the last edit",
    }
}

mode! {
    /// The model picker (add a pane, change a pane's model).
    PickerAction: table "picker", title "model picker", types true, required [Close], plain_ok [], {
        Choose = "choose" ["enter"]: "bind the highlighted model (or the typed id when nothing matches)",
        UseTyped = "use_typed" ["ctrl-t"]: "bind exactly the typed id (a model newer than the catalog)",
        Up = "up" ["up", "ctrl-p"]: "move up",
        Down = "down" ["down", "ctrl-n"]: "move down",
        PageUp = "page_up" ["pageup"]: "move up a page",
        PageDown = "page_down" ["pagedown"]: "move down a page",
        SortNext = "sort_next" ["tab"]: "next sort: relevance, price, context, newest, name",
        SortPrev = "sort_prev" ["shift-tab"]: "previous sort",
        FreeOnly = "free_only" ["ctrl-f"]: "free models only, or every model",
        Providers = "providers" ["ctrl-e"]: "the highlighted model's providers",
        Refresh = "refresh" ["ctrl-r"]: "fetch the catalog again",
        Close = "close" ["esc", "ctrl-c"]: "close the picker",
    }
}

mode! {
    /// The routing and settings form of a pane (Alt+P).
    FormAction: table "routing", title "routing form", types true, required [Close],
    plain_ok [ChoicePrev, ChoiceNext], {
        Apply = "apply" ["enter"]: "apply the routing and settings",
        PrevField = "prev_field" ["up", "shift-tab"]: "the previous field",
        NextField = "next_field" ["down", "tab"]: "the next field",
        ChoicePrev = "choice_prev" ["left"]: "a choice's previous value (text fields: the cursor)",
        ChoiceNext = "choice_next" ["right", "space"]: "a choice's next value (text fields: type)",
        Reset = "reset" ["ctrl-r"]: "reset every field to the gateway's defaults",
        Close = "close" ["esc", "ctrl-c"]: "cancel: close the form, nothing changed",
    }
}

mode! {
    /// The sessions browser (Alt+S).
    BrowserAction: table "browser", title "sessions browser", types true, required [Close],
    plain_ok [ConfirmDelete], {
        Open = "open" ["enter"]: "open the highlighted session",
        Up = "up" ["up", "ctrl-p"]: "move up",
        Down = "down" ["down", "ctrl-n"]: "move down",
        Rename = "rename" ["ctrl-r"]: "rename the highlighted session",
        Delete = "delete" ["ctrl-d", "delete"]: "delete the highlighted session (asks first)",
        ConfirmDelete = "confirm_delete" ["y", "Y"]: "yes, delete it (when asked; any other key keeps it)",
        Close = "close" ["esc", "ctrl-c"]: "close the browser",
    }
}

mode! {
    /// One-line questions: a session's title, the prompt to go to, a vote's tags, a rename.
    DialogAction: table "dialog", title "dialogs", types true,
    required [Cancel], plain_ok [], {
        Confirm = "confirm" ["enter"]: "confirm",
        Cancel = "cancel" ["esc", "ctrl-c"]: "cancel",
    }
}

mode! {
    /// The path prompt of an attachment (the room's `attach` key).
    AttachAction: table "attach", title "attach a file", types true, required [Cancel],
    plain_ok [], {
        Complete = "complete" ["tab"]: "complete the path (several matches: listed)",
        Attach = "attach" ["enter"]: "attach the file",
        Cancel = "cancel" ["esc", "ctrl-c"]: "cancel",
    }
}

mode! {
    /// Yes-or-no questions: attach a pasted path? send to the panes that can take the files?
    ConfirmAction: table "confirm", title "questions", types false, required [No], plain_ok [], {
        Yes = "yes" ["enter", "y"]: "yes",
        No = "no" ["esc", "n", "ctrl-c"]: "no",
    }
}

mode! {
    /// The word diff of two panes (the room's `diff` key).
    DiffAction: table "diff", title "word diff", types false, required [Close], plain_ok [], {
        FirstPrev = "first_prev" ["left"]: "the first pane: the previous one",
        FirstNext = "first_next" ["right"]: "the first pane: the next one",
        SecondNext = "second_next" ["tab"]: "the second pane: the next one",
        SecondPrev = "second_prev" ["shift-tab"]: "the second pane: the previous one",
        Swap = "swap" ["s"]: "swap the two panes",
        Refresh = "refresh" ["r"]: "compute the diff again",
        ScrollUp = "scroll_up" ["up", "k"]: "scroll up a line",
        ScrollDown = "scroll_down" ["down", "j"]: "scroll down a line",
        PageUp = "page_up" ["pageup"]: "scroll up a page",
        PageDown = "page_down" ["pagedown", "space"]: "scroll down a page",
        Top = "top" ["home", "g"]: "the first row",
        Bottom = "bottom" ["end", "G"]: "the last row",
        Close = "close" ["esc", "q"]: "close the diff (its own key too)",
    }
}

mode! {
    /// The help overlay (this list).
    HelpAction: table "help", title "help", types false, required [Close], plain_ok [], {
        ScrollUp = "scroll_up" ["up"]: "scroll up a line",
        ScrollDown = "scroll_down" ["down"]: "scroll down a line",
        PageUp = "page_up" ["pageup"]: "scroll up a page",
        PageDown = "page_down" ["pagedown"]: "scroll down a page",
        Close = "close" ["esc", "q"]: "close the help (its own key too)",
    }
}

mode! {
    /// The spend view (F3).
    SpendAction: table "spend", title "spend view", types false, required [Close], plain_ok [], {
        Close = "close" ["esc", "q", "enter"]: "close the view (its own key too)",
    }
}

mode! {
    /// The account view (F4).
    AccountAction: table "account", title "account view", types false, required [Close],
    plain_ok [], {
        Refresh = "refresh" ["r"]: "ask for the credits and the key's limit again",
        Close = "close" ["esc", "q", "enter"]: "close the view (its own key too)",
    }
}

mode! {
    /// The leaderboard in the room (F7).
    BoardAction: table "board", title "leaderboard", types false, required [Close], plain_ok [], {
        AllVotes = "all_votes" ["a"]: "count every vote, or blind ones only",
        Close = "close" ["esc", "q", "enter"]: "close the leaderboard (its own key too)",
    }
}

/// One mode's bindings. Keys the config bound come first, so hints name them.
#[derive(Debug, Clone)]
pub struct ModeKeys<A> {
    bindings: Vec<(KeyChord, A)>,
}

impl<A: Action> Default for ModeKeys<A> {
    fn default() -> Self {
        let bindings = A::ALL
            .iter()
            .flat_map(|&a| {
                a.default_keys()
                    .iter()
                    .filter_map(move |k| k.parse().ok().map(|c| (c, a)))
            })
            .collect();
        Self { bindings }
    }
}

impl<A: Action> ModeKeys<A> {
    pub fn resolve(&self, key: KeyEvent) -> Option<A> {
        self.action_of(KeyChord::from_event(key))
    }

    pub fn action_of(&self, chord: KeyChord) -> Option<A> {
        self.bindings
            .iter()
            .find(|(k, _)| *k == chord)
            .map(|(_, a)| *a)
    }

    /// The hint for `action` (`Ctrl+T`): its first key.
    pub fn label(&self, action: A) -> Option<String> {
        self.labels(action).into_iter().next()
    }

    /// Every key of `action`, as hints name them.
    pub fn labels(&self, action: A) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| k.label())
            .collect()
    }

    pub fn chords(&self) -> impl Iterator<Item = (KeyChord, A)> + '_ {
        self.bindings.iter().copied()
    }

    /// The key a notice names for `action`: its label, or its name when no key is bound.
    pub fn name(&self, action: A) -> String {
        self.label(action)
            .unwrap_or_else(|| format!("`{}` (no key bound)", action.name()))
    }

    /// The first keys of two opposite actions as one hint: `↑↓`, `PgUp PgDn`.
    pub fn pair(&self, back: A, forth: A) -> Option<String> {
        super::pair(self.label(back), self.label(forth))
    }

    /// `what` after the keys of `action` (`Enter picks`), or nothing when it has none.
    pub fn hint(&self, action: A, what: &str) -> Option<String> {
        self.label(action).map(|k| format!("{k} {what}"))
    }

    /// Applies `[keys.<table>]`: `"ctrl-s" = "sort_next"` binds (replacing what the key did in
    /// this mode), `"tab" = "none"` unbinds. Every error names the table and the key.
    pub fn apply(&mut self, table: &toml::Table) -> Result<(), String> {
        let at = format!("[keys.{}]", A::TABLE);
        let mut seen: HashMap<KeyChord, &str> = HashMap::new();
        let mut bound = Vec::new();
        for (key, value) in table {
            let chord: KeyChord = key
                .parse()
                .map_err(|e| format!("{at} \"{}\": {e}", key.escape_debug()))?;
            if let Some(other) = seen.insert(chord, key) {
                return Err(format!(
                    "{at} \"{other}\" and \"{key}\" are the same key ({}): keep one",
                    chord.label()
                ));
            }
            let Some(value) = value.as_str() else {
                return Err(format!(
                    "{at} \"{key}\": a binding is an action's name in quotes, or \"none\""
                ));
            };
            self.bindings.retain(|(k, _)| *k != chord);
            if value == "none" {
                continue;
            }
            let Some(&action) = A::ALL.iter().find(|a| a.name() == value) else {
                let names: Vec<&str> = A::ALL.iter().map(|a| a.name()).collect();
                return Err(format!(
                    "{at} \"{key}\": unknown action `{}` (the {}'s actions: {})",
                    value.escape_debug(),
                    A::TITLE,
                    names.join(", ")
                ));
            };
            if A::TYPES && chord.is_plain_char() && !A::PLAIN_OK.contains(&action) {
                return Err(format!(
                    "{at} \"{key}\": `{key}` would type into a text field of the {}; bind a key with Ctrl or Alt",
                    A::TITLE
                ));
            }
            bound.push((chord, action));
        }
        bound.append(&mut self.bindings);
        self.bindings = bound;
        for &required in A::REQUIRED {
            if self.label(required).is_none() {
                let example = required.default_keys().first().copied().unwrap_or("esc");
                return Err(format!(
                    "{at} leaves no key for `{}`: bind one (e.g. \"{example}\" = \"{}\") so the {} can be left",
                    required.name(),
                    required.name(),
                    A::TITLE
                ));
            }
        }
        Ok(())
    }

    /// The mode's keys for the help overlay: each action with every key bound to it.
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        A::ALL
            .iter()
            .filter_map(|&a| {
                let keys = self.labels(a);
                (!keys.is_empty()).then(|| (keys.join(", "), a.description()))
            })
            .collect()
    }
}
