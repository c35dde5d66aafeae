//! Saves sessions off the UI thread, one at a time and in order. The loop hands over a
//! snapshot only when the previous save is done, so a burst of changes costs one save, and a
//! failed save (disk full, read-only directory) is reported and retried with the next one.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::Action;
use crate::store::{Session, SessionStore};

pub struct Saver {
    queue: mpsc::Sender<Session>,
    busy: bool,
    task: JoinHandle<()>,
}

impl Saver {
    pub fn new(store: SessionStore, actions: mpsc::Sender<Action>) -> Self {
        let (queue, mut rx) = mpsc::channel::<Session>(1);
        let task = tokio::spawn(async move {
            while let Some(session) = rx.recv().await {
                let store = store.clone();
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
            queue,
            busy: false,
            task,
        }
    }

    /// Whether a new snapshot can be handed over now.
    pub fn idle(&self) -> bool {
        !self.busy
    }

    pub fn save(&mut self, session: Session) {
        if self.queue.try_send(session).is_ok() {
            self.busy = true;
        }
    }

    /// Called when `Action::Saved` comes back.
    pub fn done(&mut self) {
        self.busy = false;
    }

    /// The last save at quit: waits for the one in flight, then for this one.
    pub async fn finish(self, last: Option<Session>) {
        if let Some(session) = last {
            let _ = self.queue.send(session).await;
        }
        drop(self.queue);
        let _ = self.task.await;
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
