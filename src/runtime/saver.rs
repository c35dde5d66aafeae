//! Saves sessions off the UI thread, one at a time and in order. The loop hands over a
//! snapshot only when the previous save is done, so a burst of changes costs one save, and a
//! failed save (disk full, read-only directory) is reported and retried with the next one.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::Action;
use crate::store::{Session, SessionStore};

pub struct Saver {
    store: SessionStore,
    queue: mpsc::Sender<Session>,
    busy: bool,
    /// The newest snapshot waiting for the save in flight to finish.
    pending: Option<Session>,
    task: JoinHandle<()>,
}

impl Saver {
    pub fn new(store: SessionStore, actions: mpsc::Sender<Action>) -> Self {
        let (queue, mut rx) = mpsc::channel::<Session>(1);
        let worker = store.clone();
        let task = tokio::spawn(async move {
            while let Some(session) = rx.recv().await {
                let store = worker.clone();
                let result = tokio::task::spawn_blocking(move || save(&store, &session))
                    .await
                    .unwrap_or_else(|e| Err(format!("the save task failed: {e}")));
                if let Err(e) = &result {
                    tracing::warn!("session save failed: {e}");
                }
                // At shutdown the loop no longer reads; the result was logged above.
                let report = actions.send(Action::Saved(result));
                let _ = tokio::time::timeout(std::time::Duration::from_secs(1), report).await;
            }
        });
        Self {
            store,
            queue,
            busy: false,
            pending: None,
            task,
        }
    }

    /// Whether a new snapshot can be handed over now.
    pub fn idle(&self) -> bool {
        !self.busy
    }

    /// Saves `session` now, or right after the save in flight (a newer snapshot replaces an
    /// older one still waiting).
    pub fn save(&mut self, session: Session) {
        if self.busy {
            self.pending = Some(session);
        } else if self.queue.try_send(session).is_ok() {
            self.busy = true;
        }
    }

    /// Called when `Action::Saved` comes back.
    pub fn done(&mut self) {
        self.busy = false;
        if let Some(next) = self.pending.take() {
            self.save(next);
        }
    }

    /// The last saves at quit: the one in flight, one waiting, then `last`. Returns why the
    /// last one failed, if it did, so the person hears of it after the terminal is restored.
    pub async fn finish(mut self, last: Option<Session>) -> Option<String> {
        if let Some(waiting) = self.pending.take() {
            let _ = self.queue.send(waiting).await;
        }
        drop(self.queue);
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
