//! Saves sessions off the UI thread, one at a time and in order. `Effect::Save` hands over a
//! snapshot; the saver keeps only the newest one waiting, so a burst of changes costs one
//! save, and it reports each save it made as `Action::Saved` with the number of the snapshot
//! it wrote. A failed save (disk full, read-only directory) is reported and retried with the
//! next one. Nothing here is asked whether it is busy: it coalesces on its own.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::app::Action;
use crate::store::{Session, SessionStore};

/// A snapshot to write, with its number (`Effect::Save`'s `seq`).
type Job = Option<Arc<(u64, Session)>>;

pub struct Saver {
    store: SessionStore,
    /// The newest snapshot not yet taken by the worker.
    newest: watch::Sender<Job>,
    task: JoinHandle<()>,
}

impl Saver {
    pub fn new(store: SessionStore, actions: mpsc::Sender<Action>) -> Self {
        let (newest, mut rx) = watch::channel::<Job>(None);
        let worker = store.clone();
        let task = tokio::spawn(async move {
            // Ends when the sender is dropped and the last snapshot has been taken.
            while rx.changed().await.is_ok() {
                let Some(job) = rx.borrow_and_update().clone() else {
                    continue;
                };
                let store = worker.clone();
                let seq = job.0;
                let result = tokio::task::spawn_blocking(move || save(&store, &job.1))
                    .await
                    .unwrap_or_else(|e| Err(format!("the save task failed: {e}")));
                if let Err(e) = &result {
                    tracing::warn!("session save failed: {e}");
                }
                // At shutdown the loop no longer reads; the result was logged above.
                let report = actions.send(Action::Saved { seq, result });
                let _ = tokio::time::timeout(std::time::Duration::from_secs(1), report).await;
            }
        });
        Self {
            store,
            newest,
            task,
        }
    }

    /// Saves snapshot number `seq` as soon as the save in flight is done; a newer snapshot
    /// replaces one still waiting.
    pub fn save(&self, seq: u64, session: Session) {
        self.newest.send_replace(Some(Arc::new((seq, session))));
    }

    /// The last saves at quit: the one in flight, one waiting, then `last`. Returns why the
    /// last one failed, if it did, so the person hears of it after the terminal is restored.
    pub async fn finish(self, last: Option<Session>) -> Option<String> {
        drop(self.newest);
        let _ = self.task.await;
        let session = last?;
        let store = self.store;
        tokio::task::spawn_blocking(move || save(&store, &session))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
            .err()
    }
}

/// An empty room that was never saved is not worth a file.
fn save(store: &SessionStore, session: &Session) -> Result<(), String> {
    let empty = session.panes.iter().all(|p| p.turns.is_empty());
    if empty && !store.path(&session.id).exists() {
        return Ok(());
    }
    store.save(session).map_err(|e| e.to_string())
}
