//! A simulated OpenRouter gateway on 127.0.0.1, speaking the same protocol over real HTTP:
//! demo models with prices and providers, streamed markdown answers, fallbacks, balance,
//! rate limits and generation records, plus fault directives for tests (see `directive`).
//! `--demo` runs it in-process; `modelroom simulate` runs it standalone.

pub(crate) mod answer;
pub(crate) mod catalog;
mod directive;
mod endpoints;
mod parts;
mod routes;
mod routing;
mod search;
mod state;
mod stream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use answer::flood;
pub use catalog::{MODELS, catalog_json};
pub use directive::{Directives, parse as parse_directives};

/// The models a `--demo` room opens with.
pub const DEFAULT_DEMO_MODELS: &[&str] = &["demo/fast", "demo/thinker", "demo/coder"];

#[derive(Clone, Debug)]
pub struct SimOptions {
    /// `Some(k)`: only `Bearer k` is accepted; `None`: any non-empty key.
    pub api_key: Option<String>,
    /// Starting credits in USD.
    pub balance_usd: f64,
    /// Multiplies every model delay; 1.0 is realistic, 0.0 answers as fast as possible.
    pub time_scale: f64,
    /// Requests per rolling minute allowed to each `:free` model.
    pub free_requests_per_minute: u32,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            api_key: None,
            balance_usd: 5.0,
            time_scale: 1.0,
            free_requests_per_minute: 20,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct SimStats {
    /// Every HTTP request received, in order (the key redacted).
    pub requests: Vec<RecordedRequest>,
    /// Streams sent through to the end.
    pub streams_completed: u64,
    /// Streams whose client closed the connection before the end.
    pub streams_cancelled: u64,
    pub balance_usd: f64,
    pub total_usage_usd: f64,
}

#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Lower-case names; the authorization value is replaced by `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// `Null` when there was no JSON body.
    pub body: serde_json::Value,
}

pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<state::Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Binds 127.0.0.1:`port` (0 picks a free port) and serves on a spawned task.
pub async fn start(port: u16, opts: SimOptions) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let shared = state::Shared::new(opts);
    let app = routes::router(shared.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::warn!("simulated gateway stopped: {e}");
        }
    });
    Ok(SimHandle {
        addr,
        shared,
        stop: Some(stop),
        task,
    })
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    pub fn stats(&self) -> SimStats {
        self.shared.books().stats.clone()
    }

    /// Waits (without polling) until `cond` holds for the statistics, or `timeout` passes.
    pub async fn wait_until(&self, cond: impl Fn(&SimStats) -> bool, timeout: Duration) -> bool {
        let mut changes = self.shared.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if cond(&self.stats()) {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return cond(&self.stats()),
            }
        }
    }

    /// Stops accepting connections; streams in flight end with the runtime.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Graceful shutdown waits for open streams; do not let a slow one hold the caller.
        let _ = tokio::time::timeout(Duration::from_millis(200), &mut self.task).await;
        self.task.abort();
    }
}
