//! Placeholder until the simulated gateway lands (being written in a scratch crate).
use std::net::SocketAddr;
use std::time::Duration;

pub const DEFAULT_DEMO_MODELS: &[&str] = &["demo/fast", "demo/thinker", "demo/coder"];

#[derive(Clone, Debug)]
pub struct SimOptions {
    pub api_key: Option<String>,
    pub balance_usd: f64,
    pub time_scale: f64,
    pub free_requests_per_minute: u32,
}
impl Default for SimOptions {
    fn default() -> Self {
        Self { api_key: None, balance_usd: 5.0, time_scale: 1.0, free_requests_per_minute: 20 }
    }
}
#[derive(Clone, Debug, Default)]
pub struct SimStats {
    pub requests: Vec<RecordedRequest>,
    pub streams_completed: u64,
    pub streams_cancelled: u64,
    pub balance_usd: f64,
    pub total_usage_usd: f64,
}
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
}
pub struct SimHandle { addr: SocketAddr }
impl SimHandle {
    pub fn addr(&self) -> SocketAddr { self.addr }
    pub fn base_url(&self) -> String { format!("http://{}/api/v1", self.addr) }
    pub fn stats(&self) -> SimStats { SimStats::default() }
    pub async fn wait_until(&self, _cond: impl Fn(&SimStats) -> bool, _timeout: Duration) -> bool { false }
    pub async fn shutdown(self) {}
}
pub async fn start(port: u16, _opts: SimOptions) -> std::io::Result<SimHandle> {
    let l = std::net::TcpListener::bind(("127.0.0.1", port))?;
    Ok(SimHandle { addr: l.local_addr()? })
}
