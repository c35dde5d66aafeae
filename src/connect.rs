//! From the command line and the config to the endpoints a run can reach: the default one
//! (OpenRouter, `--base-url`, or an in-process simulated gateway with `--demo`) and the named
//! `[endpoints.*]`, with where the default one's catalog is cached.

use std::path::PathBuf;

use crate::api::{ApiKey, Client, Clients, Dialect, Endpoint};
use crate::catalog::cache::CatalogCache;
use crate::cli::GlobalArgs;
use crate::cli::UsageError;
use crate::config::Config;
use crate::sim;

pub struct Connection {
    pub clients: Clients,
    /// The simulated gateway behind `--demo`; it must outlive the clients' use.
    pub sim: Option<sim::SimHandle>,
    /// Where the default endpoint's catalog is cached (`None` without a data directory).
    pub cache: Option<CatalogCache>,
}

impl Connection {
    pub async fn close(self) {
        if let Some(sim) = self.sim {
            sim.shutdown().await;
        }
    }

    pub fn openrouter(&self) -> bool {
        self.clients.dialect(None) == Some(Dialect::OpenRouter)
    }
}

fn http_url(url: &str, what: &str) -> Result<(), UsageError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(UsageError(format!(
            "{what} must start with http:// or https:// (got `{}`)",
            crate::api::display_url(url)
        )))
    }
}

pub async fn connect(
    global: &GlobalArgs,
    config: &Config,
    config_path: Option<PathBuf>,
) -> Result<Connection, UsageError> {
    let (endpoint, sim, cache_key) = if global.demo {
        let key = format!(
            "sk-sim-{:016x}",
            u64::from(std::process::id()) * 0x9e37_79b9
        );
        let opts = sim::SimOptions {
            api_key: Some(key.clone()),
            ..sim::SimOptions::default()
        };
        let handle = sim::start(0, opts)
            .await
            .map_err(|e| UsageError(format!("cannot start the simulated gateway: {e}")))?;
        let mut ep = Endpoint::new(handle.base_url(), Some(ApiKey::new(key)));
        ep.dialect = Dialect::OpenRouter;
        // The demo catalog is this build's: a cache of another build's (other models, other
        // inputs) would be believed for a day, so each build's catalog has its own file.
        let build = {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(sim::catalog_json().to_string());
            crate::attach::hex(&digest[..6])
        };
        (ep, Some(handle), Some(format!("demo-{build}")))
    } else {
        let base_url = global
            .base_url
            .clone()
            .unwrap_or_else(|| config.base_url.clone());
        http_url(&base_url, "--base-url")?;
        let mut ep = Endpoint::new(base_url, config.api_key());
        ep.dialect = config.dialect.unwrap_or(ep.dialect);
        if ep.api_key.is_none() && ep.dialect == Dialect::OpenRouter {
            let where_ =
                config_path.map_or_else(|| "config.toml".to_owned(), |p| p.display().to_string());
            return Err(UsageError(format!(
                "no API key: set the {} environment variable (or `api_key_env` / `api_key` in {where_}), \
                 or try the simulated gateway with --demo",
                config.api_key_env
            )));
        }
        (ep, None, None)
    };
    let cache = CatalogCache::open_default(&endpoint.base_url, cache_key.as_deref());
    let mut clients = Clients::new(client(endpoint, config)?);
    for (name, ep) in &config.endpoints {
        let mut endpoint = Endpoint::new(ep.base_url.clone(), ep.api_key());
        endpoint.dialect = ep.dialect.unwrap_or(endpoint.dialect);
        clients = clients.with(name.clone(), client(endpoint, config)?);
    }
    Ok(Connection {
        clients,
        sim,
        cache,
    })
}

fn client(mut endpoint: Endpoint, config: &Config) -> Result<Client, UsageError> {
    endpoint.request_timeout = config.request_timeout();
    endpoint.stall_timeout = config.stall_timeout();
    endpoint.max_line = config.max_sse_line();
    endpoint.max_concurrent = usize::try_from(config.max_concurrent_requests).unwrap_or(8);
    Client::new(endpoint).map_err(|e| UsageError(e.to_string()))
}
