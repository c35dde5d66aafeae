//! The catalog and the spend ledger, off the UI thread. At start the cached catalog is read
//! and shown at once; if it is missing or more than a day old the gateway is asked in the
//! background, and a fresh catalog replaces it and is cached. Billed answers are appended to
//! the ledger, and today's total is read from it once.

use tokio::sync::mpsc;

use crate::api::Clients;
use crate::app::{Action, CatalogUpdate, SharedIndex, WorkError};
use crate::catalog::Index;
use crate::catalog::cache::CatalogCache;
use crate::clock::{day, unix_now};
use crate::store::{Ledger, SpendRecord};

/// Reads the cache (unless `force`), then fetches when it is stale, missing or forced.
pub fn refresh(
    clients: &Clients,
    cache: Option<CatalogCache>,
    force: bool,
    actions: mpsc::Sender<Action>,
) {
    let client = clients.default_client().clone();
    tokio::spawn(async move {
        if !force {
            let reader = cache.clone();
            let cached = tokio::task::spawn_blocking(move || {
                let loaded = reader.map(|c| c.load()).transpose();
                loaded.map(|c| {
                    c.flatten().map(|c| {
                        let fresh = !c.is_stale(unix_now());
                        (Index::new(c.catalog), c.fetched_at, fresh)
                    })
                })
            })
            .await;
            match cached {
                Ok(Ok(Some((index, fetched_at, fresh)))) => {
                    let update = CatalogUpdate {
                        index: SharedIndex(std::sync::Arc::new(index)),
                        fetched_at,
                        from_cache: true,
                    };
                    if actions
                        .send(Action::CatalogLoaded(Box::new(update)))
                        .await
                        .is_err()
                        || fresh
                    {
                        return;
                    }
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => tracing::warn!("catalog cache: {e}"),
                Err(e) => tracing::warn!("reading the catalog cache failed: {e}"),
            }
        }
        let action = match client.models().await {
            Ok(catalog) => {
                let now = unix_now();
                let built = tokio::task::spawn_blocking(move || {
                    if let Some(cache) = &cache {
                        if let Err(e) = cache.save(&catalog, now) {
                            tracing::warn!("{e}");
                        }
                    }
                    Index::new(catalog)
                })
                .await;
                match built {
                    Ok(index) => Action::CatalogLoaded(Box::new(CatalogUpdate {
                        index: SharedIndex(std::sync::Arc::new(index)),
                        fetched_at: now,
                        from_cache: false,
                    })),
                    Err(e) => Action::CatalogFailed(WorkError::task("indexing the catalog", e)),
                }
            }
            Err(e) => Action::CatalogFailed(e.into()),
        };
        let _ = actions.send(action).await;
    });
}

/// Asks each named endpoint for its models (`GET /models`), for the picker.
pub fn fetch_endpoint_models(clients: &Clients, actions: &mpsc::Sender<Action>) {
    for (name, client) in clients.named() {
        let (endpoint, client, actions) = (name.to_owned(), client.clone(), actions.clone());
        tokio::spawn(async move {
            let result = client.models().await.map(Box::new);
            let _ = actions
                .send(Action::EndpointModels { endpoint, result })
                .await;
        });
    }
}

/// Reads today's spend (UTC) from the ledger and reports it.
pub fn read_spent_today(ledger: Option<Ledger>, actions: mpsc::Sender<Action>) {
    tokio::spawn(async move {
        let result = match ledger {
            None => Ok(0.0),
            Some(ledger) => tokio::task::spawn_blocking(move || {
                ledger
                    .total_on(&day(unix_now()))
                    .map_err(|e| WorkError::File {
                        path: ledger.path().to_owned(),
                        source: std::sync::Arc::new(e),
                    })
            })
            .await
            .unwrap_or_else(|e| Err(WorkError::task("reading today's spend", e))),
        };
        let _ = actions.send(Action::SpentToday(result)).await;
    });
}

/// Appends a billed answer to the ledger; a failure is logged (the room's own total stands).
pub fn record(ledger: Option<Ledger>, record: SpendRecord) {
    let Some(ledger) = ledger else { return };
    tokio::task::spawn_blocking(move || {
        if let Err(e) = ledger.append(&[record]) {
            tracing::warn!("cannot append to {}: {e}", ledger.path().display());
        }
    });
}
