//! What a person can ask the room for: `Command`, bindable in config.toml's `[keys]`, with the
//! one-line description the help overlay shows. The keymap maps chords to these; the room runs
//! them. It sits below both, so neither imports the other for it.

macro_rules! commands {
    ($($variant:ident = $name:literal : $desc:literal,)*) => {
        /// A person's intent. Keys map to these through the keymap; the help overlay lists them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Command { $($variant,)* }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            /// The name used in config.toml's `[keys]` table.
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name,)* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Command::$variant => $desc,)* }
            }
        }

        impl std::str::FromStr for Command {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($name => Ok(Command::$variant),)*
                    _ => Err(format!("unknown command `{}`", s.escape_debug())),
                }
            }
        }
    };
}

commands! {
    Send = "send": "send the prompt (to every pane, or the focused one in focused mode)",
    SendFocused = "send_focused": "send the prompt to the focused pane only",
    ToggleSendMode = "toggle_send_mode": "switch sending between all panes and the focused pane only",
    NewLine = "newline": "insert a new line in the prompt",
    FocusNext = "focus_next": "focus the next pane",
    FocusPrev = "focus_prev": "focus the previous pane",
    Focus1 = "focus_1": "focus pane 1",
    Focus2 = "focus_2": "focus pane 2",
    Focus3 = "focus_3": "focus pane 3",
    Focus4 = "focus_4": "focus pane 4",
    Focus5 = "focus_5": "focus pane 5",
    Focus6 = "focus_6": "focus pane 6",
    Focus7 = "focus_7": "focus pane 7",
    Focus8 = "focus_8": "focus pane 8",
    Focus9 = "focus_9": "focus pane 9",
    Zoom = "zoom": "zoom the focused pane to the full screen and back",
    AddPane = "add_pane": "add a pane: pick its model from the catalog",
    ClosePane = "close_pane": "close the focused pane (its answers stay in the session)",
    ReopenPane = "reopen_pane": "bring back the last closed pane",
    ChangeModel = "change_model": "change the focused pane's model (the catalog picker)",
    Routing = "routing": "the focused pane's routing: providers, price cap, fallbacks",
    ShootOut = "shootout": "one pane per provider of the focused pane's model, pinned",
    Spend = "spend": "spend view: cost per model and provider, speed, TTFT",
    Account = "account": "account view: credits and the key's limit",
    RefreshCatalog = "refresh_catalog": "fetch the model catalog again",
    Stop = "stop": "stop the focused pane's answer",
    StopAll = "stop_all": "stop every answer",
    Regenerate = "regenerate": "ask the focused pane's last prompt again",
    ScrollUp = "scroll_up": "scroll the focused pane up a line",
    ScrollDown = "scroll_down": "scroll the focused pane down a line",
    PageUp = "page_up": "scroll the focused pane up a page",
    PageDown = "page_down": "scroll the focused pane down a page",
    ScrollTop = "scroll_top": "jump to the start of the focused pane",
    ScrollBottom = "scroll_bottom": "jump to the end and follow the answer",
    PrevPrompt = "prev_prompt": "scroll to the previous prompt (every pane when synced)",
    NextPrompt = "next_prompt": "scroll to the next prompt (every pane when synced)",
    JumpPrompt = "jump_prompt": "go to prompt N (asks for N; every pane when synced)",
    SyncScroll = "sync_scroll": "synced scrolling on or off: every pane shows the same prompt",
    Attach = "attach": "attach a file (image, PDF, audio) to the next prompt",
    Detach = "detach": "remove the last attachment from the prompt",
    Diff = "diff": "word diff of two panes' latest answers, disagreements first",
    Copy = "copy": "copy the focused pane's last answer (OSC 52)",
    CopyCode = "copy_code": "copy a code block of the last answer (again: an older one)",
    ToggleReasoning = "toggle_reasoning": "show or hide the focused pane's reasoning",
    ToggleReasoningAll = "toggle_reasoning_all": "show or hide the reasoning in every pane",
    CycleTheme = "cycle_theme": "switch to the next theme",
    Sessions = "sessions": "browse saved sessions: open, rename, delete",
    NameSession = "name_session": "name this session (it is saved automatically anyway)",
    BlindRound = "blind_round": "arena: blind rounds on or off (names hidden until you vote)",
    VoteA = "vote_a": "vote: answer A is better",
    VoteB = "vote_b": "vote: answer B is better",
    VoteFocused = "vote_focused": "vote: the focused pane's answer is the best",
    VoteTie = "vote_tie": "vote: a tie (two answers)",
    VoteBad = "vote_bad": "vote: both (all) answers are bad",
    VoteUndo = "vote_undo": "take back this round's vote (before the next prompt)",
    Tag = "tag": "tag this round's vote (#code, #writing…) for per-category boards",
    Leaderboard = "leaderboard": "your leaderboard from your arena votes",
    Help = "help": "show or hide this help",
    Interrupt = "interrupt": "stop all answers; quit when none is running",
    Quit = "quit": "quit",
}

impl Command {
    /// The pane index for `Focus1`..`Focus9`.
    pub fn focus_index(self) -> Option<usize> {
        let n = match self {
            Self::Focus1 => 0,
            Self::Focus2 => 1,
            Self::Focus3 => 2,
            Self::Focus4 => 3,
            Self::Focus5 => 4,
            Self::Focus6 => 5,
            Self::Focus7 => 6,
            Self::Focus8 => 7,
            Self::Focus9 => 8,
            _ => return None,
        };
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_round_trips_through_its_name() {
        for &c in Command::ALL {
            assert_eq!(c.name().parse::<Command>(), Ok(c));
            assert!(!c.description().is_empty());
        }
        assert!("fly".parse::<Command>().is_err());
    }
}
