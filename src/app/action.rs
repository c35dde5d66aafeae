//! What can happen to the room (`Action`: keys, stream events, results of background work)
//! and what `update` asks the runtime to do (`Effect`). What a person can ask for (`Command`)
//! lives below the room, in `crate::command`, so the keymap need not import the room.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use std::{fmt, io};

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::account::AccountInfo;
use super::catalog::CatalogUpdate;
use super::{PaneId, RequestId, SessionRow};
use crate::api::{ApiError, Catalog, ChatRequest, Generation, ModelEndpoints, StreamEvent};
pub use crate::command::Command;
use crate::markdown::Highlighter;
use crate::model::ModelRef;
use crate::store::{Session, SpendRecord, StoreError};

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
    /// The events of one stream that were ready together (a network read brings dozens in a
    /// flood), in order: one action and one `update` for them all.
    Streamed {
        pane: PaneId,
        request: RequestId,
        events: Vec<StreamEvent>,
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
    /// Fetching the catalog failed.
    CatalogFailed(WorkError),
    /// The models a named endpoint lists (`GET /models` there), for the picker.
    EndpointModels {
        endpoint: String,
        result: Result<Box<Catalog>, ApiError>,
    },
    /// The providers of a pane's model (`Effect::FetchProviders`), for a shoot-out.
    Providers {
        pane: Option<PaneId>,
        model: String,
        result: Result<Box<ModelEndpoints>, ApiError>,
    },
    /// Today's spend before this run, from the ledger.
    SpentToday(Result<f64, WorkError>),
    /// The saver wrote snapshot `seq` (`Effect::Save`), or failed to.
    Saved {
        seq: u64,
        result: Result<(), WorkError>,
    },
    SessionsListed(Result<Vec<SessionRow>, WorkError>),
    SessionOpened(Result<Box<Session>, WorkError>),
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
    /// The votes ledger line of vote (or undo) `id` was appended and synced, or was not.
    VoteRecorded {
        id: String,
        undo: bool,
        result: Result<(), WorkError>,
    },
    /// The leaderboard, computed off the UI thread.
    BoardComputed(Result<Box<super::board::Computed>, WorkError>),
    /// A grammar has compiled in the background: code shown plain while it did is coloured.
    GrammarCompiled,
    /// A file to attach was read (`Effect::LoadAttachment`), or refused by name.
    AttachmentLoaded {
        typed: String,
        result: Result<crate::attach::Attachment, String>,
    },
    /// What Tab completes the path prompt's `input` to (`Effect::CompletePath`).
    PathCompleted {
        input: String,
        completion: crate::attach::paths::Completion,
    },
    /// A pasted path names an existing file (`Effect::CheckPaste`).
    PastedFile {
        pasted: String,
        path: PathBuf,
    },
}

/// Why background work failed, as a value: `update` decides what a person is told. The
/// errors that hold an `io::Error` (neither `Clone` nor comparable) are shared behind an `Arc`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WorkError {
    /// The gateway answered with an error, or could not be reached.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The session store refused (a save, a listing, an opening).
    #[error(transparent)]
    Store(Arc<StoreError>),
    /// A file beside the store (the spend ledger) could not be read.
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        source: Arc<io::Error>,
    },
    /// This room has nowhere to keep sessions.
    #[error("sessions are not being saved (no data directory)")]
    NoStore,
    /// The task doing the work ended without a result (it panicked, or the runtime stops).
    #[error("{what} failed: {detail}")]
    Task { what: &'static str, detail: String },
}

impl From<StoreError> for WorkError {
    fn from(e: StoreError) -> Self {
        Self::Store(Arc::new(e))
    }
}

impl WorkError {
    /// The votes ledger at `path` could not be written or read.
    pub fn votes(path: &std::path::Path, e: io::Error) -> Self {
        Self::File {
            path: path.to_path_buf(),
            source: Arc::new(e),
        }
    }

    /// There is no data directory to keep the votes in.
    pub fn no_votes_ledger() -> Self {
        Self::votes(
            std::path::Path::new("votes.jsonl"),
            io::Error::other("no data directory for the votes; set MODELROOM_DATA"),
        )
    }

    /// A task that ended without a result, for `what` it was doing.
    pub fn task(what: &'static str, e: impl fmt::Display) -> Self {
        Self::Task {
            what,
            detail: e.to_string(),
        }
    }
}

/// Actions compare (in tests) by what the error says: an `io::Error` has no equality.
impl PartialEq for WorkError {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
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
    /// Lists the providers of `model` (`GET /models/{id}/endpoints`): for a shoot-out from
    /// pane `pane`, or for the picker (`None`).
    FetchProviders {
        pane: Option<PaneId>,
        model: ModelRef,
    },
    /// Fetches the catalog (`force`: even when the cached one is fresh).
    RefreshCatalog {
        force: bool,
    },
    /// Appends a billed answer to the spend ledger.
    RecordSpend(SpendRecord),
    /// Put text on the clipboard with OSC 52 (works over SSH).
    Copy(String),
    /// Save this snapshot (the saver writes the newest one waiting); `seq` comes back in
    /// `Action::Saved`.
    Save {
        seq: u64,
        session: Box<Session>,
    },
    ListSessions,
    OpenSession(String),
    RenameSession {
        id: String,
        title: String,
    },
    DeleteSession(String),
    /// Appends a vote (or its undo) to the votes ledger and syncs it; `Action::VoteRecorded`
    /// says when it is on disk.
    RecordVote(Box<crate::arena::Entry>),
    /// Reads the votes ledger and computes the leaderboard (`Action::BoardComputed`).
    ComputeBoard {
        all_votes: bool,
    },
    /// Reads a file to attach, held to the cap per file (`Action::AttachmentLoaded`).
    LoadAttachment {
        typed: String,
        path: PathBuf,
        cap: u64,
    },
    /// Lists the directory of a path typed so far (`Action::PathCompleted`).
    CompletePath(String),
    /// Whether a pasted path names an existing file (`Action::PastedFile` if it does).
    CheckPaste {
        pasted: String,
        path: PathBuf,
    },
}
