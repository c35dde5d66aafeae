//! A session belongs to one room at a time. A room claims the session it opens (a lock beside
//! the file); a second room that opens it gets a copy under a new id, told so, rather than a
//! read-only view: it can go on working and nothing either room does is lost. Should a file
//! change under a room anyway (a room of an older modelroom, an editor, a filesystem without
//! locks), the save goes to a copy as well instead of over the other writer's turns.

use super::lock::SessionLock;
use super::{Session, SessionStore, StoreError, valid_id};

/// A session opened for a room, and what the room should tell the person about it.
#[derive(Debug)]
pub struct Opened {
    pub session: Session,
    /// Set when the session was open elsewhere and this is a copy.
    pub note: Option<String>,
}

/// A save that went to a copy: the room continues as this session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forked {
    pub from: String,
    pub id: String,
    pub title: String,
    /// Why, in a sentence for the status bar.
    pub why: String,
}

/// The title of a copy: `"<title> (copy)"`.
pub fn copy_title(title: &str) -> String {
    let title = title.trim();
    if title.is_empty() || title == "untitled" {
        "untitled (copy)".to_owned()
    } else {
        format!("{title} (copy)")
    }
}

impl SessionStore {
    fn lock_path(&self, id: &str) -> std::path::PathBuf {
        self.dir.join(format!("{id}.lock"))
    }

    /// Claims `id` for this store's room. Where the filesystem cannot lock, the room goes on
    /// without (the save's check for changes on disk still holds).
    pub fn claim(&self, id: &str) -> Result<(), StoreError> {
        if !valid_id(id) {
            return Err(StoreError::NotFound(id.to_owned()));
        }
        let Ok(mut locks) = self.locks.lock() else {
            return Ok(());
        };
        if locks.contains_key(id) {
            return Ok(());
        }
        match SessionLock::acquire(&self.lock_path(id)) {
            Ok(Ok(lock)) => {
                locks.insert(id.to_owned(), lock);
                Ok(())
            }
            Ok(Err(holder)) => Err(StoreError::OpenElsewhere {
                id: id.to_owned(),
                holder,
            }),
            Err(e) => {
                tracing::warn!("cannot lock session {id}: {e}");
                Ok(())
            }
        }
    }

    /// Lets other rooms open `id` again.
    pub fn release(&self, id: &str) {
        if let Ok(mut locks) = self.locks.lock() {
            locks.remove(id);
        }
    }

    /// Whether this store holds the lock of `id`.
    pub fn holds(&self, id: &str) -> bool {
        self.locks.lock().is_ok_and(|l| l.contains_key(id))
    }

    /// Runs `f` with `id` claimed, and lets it go after unless it was already held.
    pub(super) fn while_claimed<T>(
        &self,
        id: &str,
        f: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let held = self.holds(id);
        self.claim(id)?;
        let result = f();
        if !held {
            self.release(id);
        }
        result
    }

    /// Opens session `id` for a room: claimed, or, when another room has it open, a copy of
    /// it under a new id (claimed, and saved by the room's first save).
    /// The session's attachments are read back from `attachments/`: one that cannot be is
    /// said in the note, and the rest of the session opens as it is.
    pub fn open_for_room(&self, id: &str) -> Result<Opened, StoreError> {
        let mut opened = self.open_claimed(id)?;
        let missing = self.blobs().hydrate(&mut opened.session);
        if let Some(m) = super::blobs::missing_notice(&missing) {
            opened.note = Some(match opened.note.take() {
                Some(n) => format!("{n}; {m}"),
                None => m,
            });
        }
        Ok(opened)
    }

    fn open_claimed(&self, id: &str) -> Result<Opened, StoreError> {
        match self.claim(id) {
            Ok(()) => match self.load(id) {
                Ok(session) => Ok(Opened {
                    session,
                    note: None,
                }),
                Err(e) => {
                    self.release(id);
                    Err(e)
                }
            },
            Err(StoreError::OpenElsewhere { holder, .. }) => {
                let original = self.load(id)?;
                let copy = self.fork(&original);
                let note = format!(
                    "\"{}\" is open in {holder}: this room has a copy of it, saved as {}",
                    crate::sanitize::sanitize(&original.title, " "),
                    copy.id
                );
                Ok(Opened {
                    session: copy,
                    note: Some(note),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// `session` under a new id and a "(copy)" title, claimed for this room.
    fn fork(&self, session: &Session) -> Session {
        let now = crate::clock::unix_now();
        let mut copy = session.clone();
        for _ in 0..16 {
            copy.id = super::new_id(now);
            if !self.path(&copy.id).exists() && self.claim(&copy.id).is_ok() {
                break;
            }
        }
        copy.title = copy_title(&session.title);
        copy.created_at = crate::clock::rfc3339(now);
        copy.updated_at.clone_from(&copy.created_at);
        copy
    }

    /// Saves a room's `session`; if another room has it or the file changed on disk since this
    /// room last saved it, saves it as a copy instead and says so. Nothing is overwritten.
    pub fn save_or_fork(&self, session: &Session) -> Result<Option<Forked>, StoreError> {
        let why = match self.claim(&session.id).and_then(|()| self.save(session)) {
            Ok(()) => return Ok(None),
            Err(StoreError::OpenElsewhere { holder, .. }) => {
                format!("this session is open in {holder}")
            }
            Err(StoreError::ChangedOnDisk { .. }) => {
                "the session file was changed by another program".to_owned()
            }
            Err(e) => return Err(e),
        };
        let copy = self.fork(session);
        self.save(&copy)?;
        self.release(&session.id);
        let why = format!(
            "{why}; this room's turns are saved as a copy, {} (\"{}\")",
            copy.id,
            crate::sanitize::sanitize(&copy.title, " ")
        );
        tracing::warn!("{why}");
        Ok(Some(Forked {
            from: session.id.clone(),
            id: copy.id,
            title: copy.title,
            why,
        }))
    }
}
