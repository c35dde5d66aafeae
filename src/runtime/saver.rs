//! Saves sessions off the UI thread, one at a time and in order. `Effect::Save` hands over a
//! numbered snapshot; the saver coalesces on its own (of the snapshots queued while a save
//! runs, only the newest of each session is written: a room that switched sessions meanwhile
//! has one of the old and one of the new) and reports each save as `Action::Saved` with the
//! number of the snapshot it wrote. A failed save (disk full, read-only directory) is reported
//! and retried with the next one. The saver holds the lock of the session it saves (taken
//! when the room opened it) and lets go of a session once the room has moved on; a save that
//! would go over another writer's turns goes to a copy (`SessionStore::save_or_fork`), and the
//! room is told to continue as that copy.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::{Action, WorkError};
use crate::store::{Forked, Session, SessionStore};

/// A snapshot to write, with its number (`Effect::Save`'s `seq`).
struct Job {
    seq: u64,
    session: Session,
}

pub struct Saver {
    queue: mpsc::UnboundedSender<Job>,
    task: JoinHandle<Finished>,
}

impl Saver {
    pub fn new(store: SessionStore, actions: mpsc::Sender<Action>) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<Job>();
        let worker = Worker::new(store);
        let task = tokio::spawn(async move {
            let mut worker = Some(worker);
            let mut report = Finished::default();
            while let Some(first) = rx.recv().await {
                for job in newest_of_each(first, &mut rx) {
                    let Some(mut w) = worker.take() else { break };
                    let (w, result) = tokio::task::spawn_blocking(move || {
                        let result = w.save(job.session);
                        (w, result)
                    })
                    .await
                    .map_err(|e| WorkError::task("the save task", e))
                    .map_or_else(|e| (None, Err(e)), |(w, r)| (Some(w), r));
                    worker = w;
                    report.error = result.as_ref().err().cloned();
                    if let Ok(Some(f)) = &result {
                        report.moved = Some(f.clone());
                    }
                    if let Err(e) = &result {
                        tracing::warn!("session save failed: {e}");
                    }
                    let (saved, moved) = match result {
                        Ok(moved) => (Ok(()), moved),
                        Err(e) => (Err(e), None),
                    };
                    // At shutdown the loop no longer reads; the result was logged above.
                    let sent = actions.send(Action::Saved {
                        seq: job.seq,
                        result: saved,
                    });
                    let _ = tokio::time::timeout(SEND_WAIT, sent).await;
                    if let Some(f) = moved {
                        let sent = actions.send(Action::SessionMoved {
                            id: f.id,
                            title: f.title,
                            why: f.why,
                        });
                        let _ = tokio::time::timeout(SEND_WAIT, sent).await;
                    }
                }
            }
            report
        });
        Self { queue, task }
    }

    /// Saves snapshot number `seq` after the saves before it; a newer snapshot of the same
    /// session queued meanwhile replaces it.
    pub fn save(&self, seq: u64, session: Session) {
        // The worker ends only after the queue closes (at `finish`), so this cannot fail.
        let _ = self.queue.send(Job { seq, session });
    }

    /// The last saves at quit: those waiting, then `last`. Returns why the last one failed, if
    /// it did, and the latest copy made, so the person hears of them after the terminal is
    /// restored (the loop no longer reads the saver's reports by then).
    pub async fn finish(self, last: Option<Session>) -> Finished {
        if let Some(session) = last {
            let _ = self.queue.send(Job { seq: 0, session });
        }
        drop(self.queue);
        self.task.await.unwrap_or_else(|e| Finished {
            error: Some(WorkError::task("the save task", e)),
            moved: None,
        })
    }
}

/// `first` and every job already queued behind it, keeping the newest snapshot of each
/// session, in the order the sessions first appear.
fn newest_of_each(first: Job, rx: &mut mpsc::UnboundedReceiver<Job>) -> Vec<Job> {
    let mut batch = vec![first];
    while let Ok(job) = rx.try_recv() {
        match batch.iter_mut().find(|j| j.session.id == job.session.id) {
            Some(older) => {
                // The snapshot it replaces keeps its place; the report names the newer number.
                *older = job;
            }
            None => batch.push(job),
        }
    }
    batch
}

/// What the saves of a room came to.
#[derive(Debug, Default)]
pub struct Finished {
    /// Why the last save failed, if it did.
    pub error: Option<WorkError>,
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
    /// Where attachments are kept, and the ones kept by this room so far.
    blobs: crate::store::Blobs,
    kept: std::collections::HashSet<String>,
}

impl Worker {
    pub(crate) fn new(store: SessionStore) -> Self {
        Self {
            blobs: store.blobs(),
            store,
            moved: Vec::new(),
            current: None,
            kept: std::collections::HashSet::new(),
        }
    }

    /// Saves `session` (or its copy); returns the copy when the save had to make one.
    pub(crate) fn save(&mut self, mut session: Session) -> Result<Option<Forked>, WorkError> {
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
        // The files first, so a session on disk never names one that is not there; one that
        // cannot be written is reported, and the session is saved all the same (its text is
        // worth keeping) and tried again with the next save.
        let kept = self.blobs.keep_all(&session, &mut self.kept);
        let forked = self.store.save_or_fork(&session)?;
        if let Err(detail) = kept {
            return Err(WorkError::task("keeping an attachment", detail));
        }
        if let Some(f) = &forked {
            self.current = Some(f.id.clone());
            self.moved.push((session.id.clone(), f.clone()));
        }
        Ok(forked)
    }
}
