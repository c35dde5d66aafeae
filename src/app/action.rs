//! What can happen to the room (`Action`: keys, stream events, results of background work),
//! what a person can ask for (`Command`, bindable in config.toml), and what `update` asks the
//! runtime to do (`Effect`).

use std::time::Duration;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use std::sync::Arc;

use super::account::AccountInfo;
use super::catalog::CatalogUpdate;
use super::{PaneId, RequestId, SessionRow};
use crate::api::{ApiError, Catalog, ChatRequest, Generation, StreamEvent};
use crate::markdown::Highlighter;
use crate::store::{Session, SpendRecord};

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// Only scheduled while something animates (a spinner, a retry countdown).
    Tick,
    Command(Command),
    Stream {
        pane: PaneId,
        request: RequestId,
        event: StreamEvent,
    },
    /// The time for a scheduled retry (after a 429's `Retry-After`) has come.
    Retry {
        pane: PaneId,
        request: RequestId,
    },
    /// The gateway's record of a stopped or failed answer, for its true cost.
    Reconciled {
        pane: PaneId,
        request: RequestId,
        result: Result<Generation, ApiError>,
    },
    /// Credits and key limits for the account view (the status bar's balance comes with it).
    Account(Box<AccountInfo>),
    /// A catalog arrived, from the disk cache or the gateway.
    CatalogLoaded(Box<CatalogUpdate>),
    /// Fetching the catalog failed (the reason in words).
    CatalogFailed(String),
    /// The models a named endpoint lists (`GET /models` there), for the picker.
    EndpointModels {
        endpoint: String,
        result: Result<Box<Catalog>, String>,
    },
    /// Today's spend before this run, from the ledger.
    SpentToday(Result<f64, String>),
    /// A background save finished (the error in words when it failed).
    Saved(Result<(), String>),
    SessionsListed(Result<Vec<SessionRow>, String>),
    SessionOpened(Result<Box<Session>, String>),
    /// The session could not be saved as itself (another room has it, or its file changed
    /// on disk): it was saved as a copy, and the room goes on as that copy.
    SessionMoved {
        id: String,
        title: String,
        why: String,
    },
    /// Something the disk work on the room's behalf has to tell (a refused rename, a note
    /// about the session just opened).
    StoreNotice {
        error: bool,
        text: String,
    },
    /// Syntaxes and highlighting themes have loaded (off the UI thread, at startup).
    HighlighterLoaded(Arc<Highlighter>),
}

/// What the runtime does on `update`'s behalf. Nothing here blocks the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    StartStream {
        pane: PaneId,
        request: RequestId,
        chat: Box<ChatRequest>,
    },
    /// Drops the stream, which closes its connection.
    CancelStream {
        request: RequestId,
    },
    RetryAfter {
        pane: PaneId,
        request: RequestId,
        after: Duration,
    },
    Reconcile {
        pane: PaneId,
        request: RequestId,
        generation_id: String,
    },
    /// Refreshes the status bar's balance and the account view.
    RefreshBalance,
    /// Fetches the catalog (`force`: even when the cached one is fresh).
    RefreshCatalog {
        force: bool,
    },
    /// Appends a billed answer to the spend ledger.
    RecordSpend(SpendRecord),
    /// Put text on the clipboard with OSC 52 (works over SSH).
    Copy(String),
    /// Save this snapshot now (before the room switches to another session).
    Save(Box<Session>),
    ListSessions,
    OpenSession(String),
    RenameSession {
        id: String,
        title: String,
    },
    DeleteSession(String),
}

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
                    _ => Err(format!("unknown command `{s}`")),
                }
            }
        }
    };
}

commands! {
    Send = "send": "send the prompt (to every pane, or the focused one in focused mode)",
    SendFocused = "send_focused": "send the prompt to the focused pane only",
    ToggleSendMode = "toggle_send_mode": "switch Enter between all panes and the focused pane",
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
    Copy = "copy": "copy the focused pane's last answer (OSC 52)",
    ToggleReasoning = "toggle_reasoning": "show or hide the focused pane's reasoning",
    ToggleReasoningAll = "toggle_reasoning_all": "show or hide the reasoning in every pane",
    CycleTheme = "cycle_theme": "switch to the next theme",
    Sessions = "sessions": "browse saved sessions: open, rename, delete",
    NameSession = "name_session": "name this session (it is saved automatically anyway)",
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
