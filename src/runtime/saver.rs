//! Saves sessions off the UI thread, one at a time and in order. The loop hands over a
//! snapshot only when the previous save is done, so a burst of changes costs one save, and a
//! failed save (disk full, read-only directory) is reported and retried with the next one.
//! The saver holds the lock of the session it saves (taken when the room opened it) and lets
//! go of a session once the room has moved on; a save that would go over another writer's
//! turns goes to a copy (`SessionStore::save_or_fork`), and the room is told to continue as
//! that copy.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::Action;
use crate::store::{Forked, Session, SessionStore};

pub struct Saver {
    queue: mpsc::Sender<Session>,
    busy: bool,
    /// Snapshots waiting for the save in flight to finish: the newest of each session (a
    /// room that switched sessions meanwhile has one of the old and one of the new).
    pending: Vec<Session>,
    task: JoinHandle<Finished>,
}

impl Saver {
    pub fn new(store: SessionStore, actions: mpsc::Sender<Action>) -> Self {
        let (queue, mut rx) = mpsc::channel::<Session>(1);
        let worker = Worker::new(store.clone());
        let task = tokio::spawn(async move {
            let mut worker = Some(worker);
            let mut report = Finished::default();
            while let Some(session) = rx.recv().await {
                let Some(mut w) = worker.take() else { break };
                let (w, result) = tokio::task::spawn_blocking(move || {
                    let result = w.save(session);
                    (w, result)
                })
                .await
                .map_err(|e| format!("the save task failed: {e}"))
                .map_or_else(|e| (None, Err(e)), |(w, r)| (Some(w), r));
                worker = w;
                report.error = result.as_ref().err().cloned();
                if let Ok(Some(f)) = &result {
                    report.moved = Some(f.clone());
                }
                let moved = match result {
                    Ok(moved) => {
                        let report = actions.send(Action::Saved(Ok(())));
                        let _ = tokio::time::timeout(SEND_WAIT, report).await;
                        moved
                    }
                    Err(e) => {
                        tracing::warn!("session save failed: {e}");
                        // At shutdown the loop no longer reads; the result was logged above.
                        let report = actions.send(Action::Saved(Err(e)));
                        let _ = tokio::time::timeout(SEND_WAIT, report).await;
                        None
                    }
                };
                if let Some(f) = moved {
                    let report = actions.send(Action::SessionMoved {
                        id: f.id,
                        title: f.title,
                        why: f.why,
                    });
                    let _ = tokio::time::timeout(SEND_WAIT, report).await;
                }
            }
            report
        });
        Self {
            queue,
            busy: false,
            pending: Vec::new(),
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
            match self.pending.iter_mut().find(|p| p.id == session.id) {
                Some(older) => *older = session,
                None => self.pending.push(session),
            }
        } else if self.queue.try_send(session).is_ok() {
            self.busy = true;
        }
    }

    /// Called when `Action::Saved` comes back.
    pub fn done(&mut self) {
        self.busy = false;
        if !self.pending.is_empty() {
            let next = self.pending.remove(0);
            self.save(next);
        }
    }

    /// The last saves at quit: the one in flight, those waiting, then `last`. Returns why the
    /// last one failed, if it did, and the latest copy made, so the person hears of them after
    /// the terminal is restored (the loop no longer reads the saver's reports by then).
    pub async fn finish(mut self, last: Option<Session>) -> Finished {
        for waiting in std::mem::take(&mut self.pending) {
            let _ = self.queue.send(waiting).await;
        }
        if let Some(last) = last {
            let _ = self.queue.send(last).await;
        }
        drop(self.queue);
        self.task.await.unwrap_or_else(|e| Finished {
            error: Some(format!("the save task failed: {e}")),
            moved: None,
        })
    }
}

/// What the saves of a room came to.
#[derive(Debug, Default)]
pub struct Finished {
    /// Why the last save failed, if it did.
    pub error: Option<String>,
    /// The latest copy a save had to make (the room goes on as it).
    pub moved: Option<Forked>,
}

/// How long the worker waits for the loop to take a report (at shutdown it no longer reads).
const SEND_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The saver's side of the disk, one save at a time and in order.
pub(crate) struct Worker {
    store: SessionStore,
    /// Sessions that went to a copy: later snapshots under the old id go to the copy too.
    moved: Vec<(String, Forked)>,
    /// The session last saved, whose lock this room holds.
    current: Option<String>,
}

impl Worker {
    pub(crate) fn new(store: SessionStore) -> Self {
        Self {
            store,
            moved: Vec::new(),
            current: None,
        }
    }

    /// Saves `session` (or its copy); returns the copy when the save had to make one.
    pub(crate) fn save(&mut self, mut session: Session) -> Result<Option<Forked>, String> {
        if let Some((_, f)) = self.moved.iter().find(|(from, _)| *from == session.id) {
            session.id.clone_from(&f.id);
            session.title.clone_from(&f.title);
        }
        // The room has moved on from the session saved before: other rooms may open it now.
        if let Some(previous) = self.current.take().filter(|p| *p != session.id) {
            self.store.release(&previous);
        }
        self.current = Some(session.id.clone());
        // An empty room that was never saved is not worth a file.
        let empty = session.panes.iter().all(|p| p.turns.is_empty());
        if empty && !self.store.path(&session.id).exists() {
            return Ok(None);
        }
        let forked = self
            .store
            .save_or_fork(&session)
            .map_err(|e| e.to_string())?;
        if let Some(f) = &forked {
            self.current = Some(f.id.clone());
            self.moved.push((session.id.clone(), f.clone()));
        }
        Ok(forked)
    }
}
