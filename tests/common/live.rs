//! The whole room running: the real event loop on a `TestBackend`, fed scripted keys, with the
//! real client and task pool against the simulated gateway on 127.0.0.1. Tests wait on the
//! loop's status signal, never on wall-clock sleeps.
//!
//! The room is not `Send` (syntect's Oniguruma parse state, kept between a code block's lines,
//! holds a C match region), so it runs as a local task of the test's thread: it goes on
//! whenever the test waits on it (`wait`, `quit`), and its streams run on the runtime as ever.

use std::io;
use std::time::Duration;

use futures::channel::mpsc::{UnboundedSender, unbounded};
use modelroom::api::{ApiKey, Clients, Dialect, Endpoint};
use modelroom::app::{Action, App, Settings};
use modelroom::keymap::Keymap;
use modelroom::runtime::{self, Ctx, LoopStatus};
use modelroom::sim::{self, SimHandle, SimOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::{mpsc, watch};

const KEY: &str = "sk-e2e";

/// The simulated gateway, its answers sped up twentyfold so a test waits little.
pub async fn gateway() -> SimHandle {
    sim::start(
        0,
        SimOptions {
            api_key: Some(KEY.into()),
            time_scale: 0.05,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap()
}

/// An endpoint at `base_url` with the key the gateway expects.
pub fn endpoint(base_url: &str, dialect: Dialect) -> Endpoint {
    let mut ep = Endpoint::new(base_url, Some(ApiKey::new(KEY)));
    ep.dialect = dialect;
    ep
}

pub struct Room {
    keys: UnboundedSender<io::Result<Event>>,
    status: watch::Receiver<LoopStatus>,
    done: tokio::task::JoinHandle<(App, Terminal<TestBackend>)>,
    /// Where the loop runs: it makes progress only while polled, inside `wait` and `quit`.
    local: tokio::task::LocalSet,
    /// A gateway that only this room uses ends with it.
    _sim: Option<SimHandle>,
}

impl Room {
    /// Runs the loop for a room of `models` on a `width`×`height` terminal. The clipboard goes
    /// nowhere, so no OSC 52 reaches the terminal running the tests. `setup` finishes the
    /// loop's context (saving, a catalog cache, background work) in the loop's own task, just
    /// before the loop starts.
    pub fn start(
        clients: impl Into<Clients>,
        models: &[&str],
        settings: Settings,
        (width, height): (u16, u16),
        setup: impl FnOnce(&mut Ctx, &mpsc::Sender<Action>) + 'static,
    ) -> Self {
        let models = modelroom::model::parse_all(models).expect("models as written");
        let app = move || App::new(&models, Keymap::default(), settings);
        Self::start_app(clients, app, (width, height), setup)
    }

    /// `start`, for a room that `app` makes (an arena, a resumed session).
    pub fn start_app(
        clients: impl Into<Clients>,
        app: impl FnOnce() -> App + 'static,
        (width, height): (u16, u16),
        setup: impl FnOnce(&mut Ctx, &mpsc::Sender<Action>) + 'static,
    ) -> Self {
        let clients = clients.into();
        let (keys, input) = unbounded();
        let (status_tx, status) = watch::channel(LoopStatus::default());
        let local = tokio::task::LocalSet::new();
        let done = local.spawn_local(async move {
            let mut app = app();
            let (mut ctx, tx) = runtime::context(clients);
            ctx.clipboard = Box::new(|_| {});
            ctx.status = Some(status_tx);
            setup(&mut ctx, &tx);
            let mut term = Terminal::new(TestBackend::new(width, height)).unwrap();
            runtime::run_loop(&mut app, &mut term, input, &mut ctx)
                .await
                .unwrap();
            (app, term)
        });
        Self {
            keys,
            status,
            done,
            local,
            _sim: None,
        }
    }

    /// Keeps `sim` running until the room is done with.
    pub fn holding(self, sim: SimHandle) -> Self {
        Self {
            _sim: Some(sim),
            ..self
        }
    }

    pub fn key(&self, code: KeyCode, mods: KeyModifiers) {
        self.keys
            .unbounded_send(Ok(Event::Key(KeyEvent::new(code, mods))))
            .unwrap();
    }

    /// A bracketed paste, as the terminal sends it.
    pub fn paste(&self, text: &str) {
        self.keys
            .unbounded_send(Ok(Event::Paste(text.to_owned())))
            .unwrap();
    }

    pub fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    pub fn type_line(&self, text: &str) {
        self.type_text(text);
        self.key(KeyCode::Enter, KeyModifiers::NONE);
    }

    pub async fn wait(&mut self, what: &str, cond: impl Fn(&LoopStatus) -> bool) {
        let waited = self
            .local
            .run_until(tokio::time::timeout(
                Duration::from_secs(30),
                self.status.wait_for(|s| cond(s)),
            ))
            .await
            .is_ok();
        assert!(
            waited,
            "timed out waiting for {what}: {:?}",
            *self.status.borrow()
        );
    }

    pub async fn quit(self) -> (App, Terminal<TestBackend>) {
        self.key(KeyCode::Char('q'), KeyModifiers::CONTROL);
        self.local
            .run_until(tokio::time::timeout(Duration::from_secs(10), self.done))
            .await
            .expect("the loop ends on Ctrl+Q")
            .unwrap()
    }
}

/// The last frame the loop drew, row by row.
pub fn screen(term: &Terminal<TestBackend>) -> Vec<String> {
    super::rows(term.backend().buffer())
}
