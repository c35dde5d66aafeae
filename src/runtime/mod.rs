//! The only room that owns the terminal and spawns tasks: it builds the `App`, wires the
//! event loop to the terminal, the task pool and the signals, and restores the terminal at
//! the end whatever happened.

mod catalog;
mod event_loop;
mod frame_log;
mod saver;
mod screen;
mod sessions;
mod tasks;
pub mod terminal;
mod votes;

use std::io::{self, IsTerminal};

use futures::StreamExt;
use ratatui::crossterm::event::EventStream;
use tokio::sync::mpsc;

pub use event_loop::{Ctx, FRAME_INTERVAL, LoopStatus, MAX_BATCH, dispatch, perform, run_loop};
pub use frame_log::{FrameLog, process_cpu};
pub use saver::Saver;
pub use screen::Screen;
pub use tasks::TaskPool;
pub use votes::VoteWriter;

use crate::api::{Client, Clients};
use crate::app::{Action, App, Command, Effect};
use crate::catalog::cache::CatalogCache;
use crate::markdown::Highlighter;
use crate::store::{Ledger, SessionStore};

/// Capacity of the channel from background tasks to the loop; full means streams wait.
pub const ACTION_CHANNEL: usize = 1024;

impl From<Client> for Clients {
    fn from(client: Client) -> Self {
        Clients::new(client)
    }
}

/// A loop context around `clients`, and the sender for background work to report on.
pub fn context(clients: impl Into<Clients>) -> (Ctx, mpsc::Sender<Action>) {
    let (tx, rx) = mpsc::channel(ACTION_CHANNEL);
    let ctx = Ctx {
        tasks: TaskPool::new(clients.into(), tx.clone()),
        actions: rx,
        clipboard: Box::new(terminal::osc52_copy),
        status: None,
        frame_log: None,
        frame_file: None,
        saver: None,
        store: None,
        catalog_cache: None,
        ledger: None,
        votes: None,
    };
    (ctx, tx)
}

/// Starts the room's background business: the catalog (cache first), today's spend, and the
/// balance for the status bar.
pub fn start_background(ctx: &Ctx) {
    catalog::refresh(
        ctx.tasks.clients(),
        ctx.catalog_cache.clone(),
        false,
        ctx.tasks.sender(),
    );
    catalog::fetch_endpoint_models(ctx.tasks.clients(), &ctx.tasks.sender());
    catalog::read_spent_today(ctx.ledger.clone(), ctx.tasks.sender());
    ctx.tasks.refresh_balance();
}

/// Runs the chat room in the real terminal until the person quits. `effects` are performed
/// first (a resumed session's pending cost reconciliations); sessions are saved to `store`.
pub async fn run_room(
    clients: Clients,
    mut app: App,
    effects: Vec<Effect>,
    store: Option<SessionStore>,
    catalog_cache: Option<CatalogCache>,
    ledger: Option<Ledger>,
) -> io::Result<()> {
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(io::Error::other(
            "the chat room needs a terminal; for scripts use `modelroom ask`",
        ));
    }
    let (mut ctx, tx) = context(clients);
    ctx.saver = store.clone().map(|s| Saver::new(s, tx.clone()));
    ctx.store = store;
    ctx.catalog_cache = catalog_cache;
    ctx.ledger = ledger;
    ctx.votes = crate::arena::VoteLedger::open_default().map(|l| VoteWriter::new(l, tx.clone()));
    ctx.frame_file = FrameLog::from_env();
    spawn_signal_watch(tx.clone());
    spawn_highlighter(tx.clone());
    start_background(&ctx);
    perform(&mut ctx, effects);
    let mut term = terminal::enter()?;
    let input = EventStream::new().map(|r| r);
    let result = run_loop(&mut app, &mut term, input, &mut ctx).await;
    terminal::restore();
    eprint!("{}", farewell(&app, ctx.store.is_some()));
    result
}

/// What is printed once the terminal is back: where the session went, or why it did not.
/// Titles and errors are text from prompts and servers, so they are sanitised like answers.
pub fn farewell(app: &App, saving: bool) -> String {
    let line = |s: &str| {
        crate::sanitize::sanitize(s, " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = String::new();
    if let Some(e) = &app.save_error {
        out.push_str(&format!(
            "modelroom: the session could not be saved: {}\n",
            line(e)
        ));
    } else if saving
        && app
            .panes
            .iter()
            .chain(&app.closed)
            .any(|p| !p.entries.is_empty())
    {
        if let Some(why) = &app.session.copied_because {
            out.push_str(&format!("modelroom: {}\n", line(why)));
        }
        out.push_str(&format!(
            "session saved: {} (reopen it with `modelroom --resume {}`)\n",
            line(&app.title()),
            app.session.id
        ));
    }
    out
}

/// Loads syntaxes and highlighting themes off the UI thread; `update` gets them as an action
/// (code shows plain until then). A grammar's regexes are compiled when an answer first uses
/// it: compiling the common ones ahead of time cost about 80 MB and 0.6 s of CPU at every start
/// with fancy-regex (BENCHMARKS.md, issue 10), for languages most sessions never show. They
/// compile on a thread of their own, so a frame never waits for one (a few ms each with
/// Oniguruma); the loop is told when one is ready.
pub fn spawn_highlighter(tx: mpsc::Sender<Action>) {
    tokio::task::spawn_blocking(move || {
        let wake = tx.clone();
        let highlighter = std::sync::Arc::new(Highlighter::in_background(move || {
            // Never blocks: a full channel means the loop is busy and draws frames anyway.
            let _ = wake.try_send(Action::GrammarCompiled);
        }));
        let _ = tx.blocking_send(Action::HighlighterLoaded(highlighter));
    });
}

/// SIGTERM and SIGHUP quit through `update` like Ctrl+Q: streams stop, the terminal is restored.
fn spawn_signal_watch(tx: mpsc::Sender<Action>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Action::Command(Command::Quit)).await;
    });
    #[cfg(not(unix))]
    drop(tx);
}
