//! Attachments kept by content: each file once, named by its SHA-256 (and an extension from
//! its type, so a link to it opens in the right program), in `attachments/` beside the
//! sessions, mode 0600, written atomically. A session file names them by hash, name, type and
//! size; the bytes come back from here when it is reopened, rerun or exported. The hash and
//! type come from a session file, which anyone could have edited: both are checked before they
//! make a path, and what is read back must hash to the name it was read under.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{Session, Turn};
use crate::attach::{Attachment, hex};

/// The content store of one data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blobs {
    dir: PathBuf,
}

/// The extension a stored file gets, for the types attachments take (anything else is not
/// something this store wrote).
fn extension(mime: &str) -> Option<&'static str> {
    Some(match mime {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "audio/wav" => "wav",
        "audio/mpeg" => "mp3",
        _ => return None,
    })
}

fn valid_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Blobs {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The store beside a sessions directory: `<data>/attachments` for `<data>/sessions`.
    pub fn beside(sessions: &Path) -> Self {
        match sessions.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => Self::new(parent.join("attachments")),
            _ => Self::new(sessions.join("attachments")),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `a` is (or would be) kept; `None` for a hash or type no stored file can have.
    pub fn path_of(&self, a: &Attachment) -> Option<PathBuf> {
        let ext = extension(&a.mime)?;
        valid_hash(&a.sha256).then(|| self.dir.join(format!("{}.{ext}", a.sha256)))
    }

    /// Keeps `a`'s bytes unless a file of that content is already there; `Ok(false)` when
    /// there was nothing to write (already kept, or no bytes in hand).
    pub fn put(&self, a: &Attachment) -> std::io::Result<bool> {
        let Some(path) = self.path_of(a) else {
            return Err(std::io::Error::other(format!(
                "{} has no valid hash or type to be kept under",
                a.name
            )));
        };
        if a.data.is_empty() && a.size > 0 {
            return Ok(false);
        }
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == a.size) {
            return Ok(false);
        }
        crate::logging::create_private_dir(&self.dir)?;
        super::write_atomic(&path, |w| w.write_all(&a.data))?;
        Ok(true)
    }

    /// The bytes of `a`, read back and checked against its hash and size.
    pub fn get(&self, a: &Attachment) -> Result<Arc<Vec<u8>>, String> {
        let Some(path) = self.path_of(a) else {
            return Err(format!(
                "{}: the session names it by an invalid hash or type",
                a.name
            ));
        };
        let bytes = super::read::read_regular(&path, a.size).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{}: {} is missing", a.name, path.display()),
            _ => format!("{}: cannot read {}: {e}", a.name, path.display()),
        })?;
        if hex(&Sha256::digest(&bytes)) != a.sha256 {
            return Err(format!(
                "{}: {} is damaged (its content no longer matches its hash)",
                a.name,
                path.display()
            ));
        }
        Ok(Arc::new(bytes))
    }

    /// Gives every attachment of `session` its bytes (each distinct file read once, shared
    /// between the turns that carry it). Returns what could not be read, one line per file:
    /// those keep their name, type and size and no bytes; nothing else is touched.
    pub fn hydrate(&self, session: &mut Session) -> Vec<String> {
        let mut read: HashMap<String, Result<Arc<Vec<u8>>, String>> = HashMap::new();
        for pane in &mut session.panes {
            for turn in &mut pane.turns {
                let Turn::User { attachments, .. } = turn else {
                    continue;
                };
                for a in attachments.iter_mut().filter(|a| !a.has_data()) {
                    let got = read.entry(a.sha256.clone()).or_insert_with(|| self.get(a));
                    if let Ok(data) = got {
                        a.data = data.clone();
                    }
                }
            }
        }
        let mut missing: Vec<String> = read.into_values().filter_map(Result::err).collect();
        missing.sort();
        missing
    }

    /// Keeps every attachment of `session` that has its bytes in hand; `written` holds the
    /// hashes already kept by this process, so a save of a long session stats nothing new.
    pub fn keep_all(
        &self,
        session: &Session,
        written: &mut std::collections::HashSet<String>,
    ) -> Result<(), String> {
        for pane in &session.panes {
            for turn in &pane.turns {
                let Turn::User { attachments, .. } = turn else {
                    continue;
                };
                for a in attachments.iter().filter(|a| a.has_data()) {
                    if written.contains(&a.sha256) {
                        continue;
                    }
                    self.put(a).map_err(|e| {
                        format!(
                            "attachment {} could not be kept in {}: {e}",
                            a.name,
                            self.dir.display()
                        )
                    })?;
                    written.insert(a.sha256.clone());
                }
            }
        }
        Ok(())
    }
}

/// What deleting a session did to its stored files.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Released {
    /// Files removed: no saved session names them any more.
    pub removed: usize,
    /// Why a file was kept or could not be removed, one line each, for a person.
    pub problems: Vec<String>,
}

fn named(session: &Session) -> impl Iterator<Item = &Attachment> {
    session
        .panes
        .iter()
        .flat_map(|p| &p.turns)
        .flat_map(|t| match t {
            Turn::User { attachments, .. } => attachments.as_slice(),
            _ => &[][..],
        })
}

impl Blobs {
    /// After `gone` was deleted from `store`: removes each stored file it named that no
    /// saved session still names. A session file that cannot be read might name any of
    /// them, so then none is removed (and that is said). A file that cannot be removed is
    /// said too; neither undoes the delete.
    pub fn release(&self, gone: &Session, store: &super::SessionStore) -> Released {
        let mut out = Released::default();
        let mut candidates: HashMap<&str, PathBuf> = named(gone)
            .filter_map(|a| Some((a.sha256.as_str(), self.path_of(a)?)))
            .collect();
        if candidates.is_empty() {
            return out;
        }
        let kept = |why: String| Released {
            removed: 0,
            problems: vec![format!(
                "its attachments were kept in {}: {why}",
                self.dir.display()
            )],
        };
        let listing = match store.list() {
            Ok(l) => l,
            Err(e) => return kept(format!("the sessions could not be listed ({e})")),
        };
        for entry in listing {
            let id = entry.id().to_owned();
            // Read without `load`, so this store does not take the file as one it knows.
            match super::read_json(&store.path(&id), &id) {
                Ok(other) => {
                    for a in named(&other) {
                        candidates.remove(a.sha256.as_str());
                    }
                }
                Err(e) => {
                    return kept(format!(
                        "session {id} could not be read ({}) and may name them",
                        e.reason()
                    ));
                }
            }
        }
        for path in candidates.into_values() {
            match std::fs::remove_file(&path) {
                Ok(()) => out.removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => out
                    .problems
                    .push(format!("cannot remove {}: {e}", path.display())),
            }
        }
        out
    }
}

/// One line for a person: what a reopened session lacks.
pub fn missing_notice(missing: &[String]) -> Option<String> {
    match missing {
        [] => None,
        [one] => Some(format!(
            "an attachment could not be read back (the rest of the session is here): {one}"
        )),
        [first, rest @ ..] => Some(format!(
            "{} attachments could not be read back (the rest of the session is here): {first} (and {} more)",
            rest.len() + 1,
            rest.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attach::Kind;

    fn png(bytes: &[u8]) -> Attachment {
        Attachment {
            name: "chart.png".into(),
            kind: Kind::Image,
            mime: "image/png".into(),
            size: bytes.len() as u64,
            sha256: hex(&Sha256::digest(bytes)),
            pages: None,
            data: Arc::new(bytes.to_vec()),
        }
    }

    #[test]
    fn a_file_is_kept_once_private_and_comes_back_checked() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::beside(&dir.path().join("sessions"));
        assert_eq!(blobs.dir(), dir.path().join("attachments"));
        let a = png(b"\x89PNG\r\n\x1a\nsome pixels");
        assert!(blobs.put(&a).unwrap());
        assert!(
            !blobs.put(&a).unwrap(),
            "the same content is not written twice"
        );
        let path = blobs.path_of(&a).unwrap();
        assert!(
            path.to_str()
                .unwrap()
                .ends_with(&format!("{}.png", a.sha256))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(*blobs.get(&a).unwrap(), a.data.to_vec());
        // A file changed on disk is refused, by name.
        std::fs::write(&path, b"\x89PNG\r\n\x1a\nother pixel").unwrap();
        let e = blobs.get(&a).unwrap_err();
        assert!(e.contains("chart.png") && e.contains("damaged"), "{e}");
    }

    #[test]
    fn a_hostile_hash_or_type_never_makes_a_path() {
        let blobs = Blobs::new("/nonexistent");
        let mut a = png(b"x");
        a.sha256 = "../../etc/passwd".into();
        assert!(blobs.path_of(&a).is_none());
        assert!(blobs.get(&a).unwrap_err().contains("invalid hash"));
        let mut b = png(b"x");
        b.mime = "text/html".into();
        assert!(blobs.path_of(&b).is_none());
    }
}
