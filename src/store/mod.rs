//! Sessions on disk: one JSON file per session in a private directory (0700), each written
//! atomically (temporary file in the same directory, fsync, rename) with mode 0600. A file that
//! cannot be read is reported as damaged with the reason, and is never overwritten or deleted.

mod arena;
pub mod blobs;
mod ledger;
mod lock;
mod order;
pub mod read;
mod rooms;
mod session;

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use arena::{ArenaRecord, HiddenPane, TurnRef, VoteRecord};
pub use blobs::Blobs;
pub use ledger::{Ledger, SpendRecord};
pub use lock::Holder;
pub use order::{Sent, merge_orders};
pub use rooms::{Forked, Opened};
pub use session::{
    AnswerRecord, CitationRecord, CostStatus, ErrorRecord, FORMAT_VERSION, Finish, Header,
    PaneHeader, PaneRecord, Params, Session, Totals, Turn,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no session `{0}`")]
    NotFound(String),
    #[error("cannot read {}: {source}", path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{} is truncated (it ends in the middle of the data)", path.display())]
    Truncated { path: PathBuf },
    #[error("{} is corrupt: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("{} has format version {found}; this modelroom reads version {FORMAT_VERSION}", path.display())]
    UnknownVersion { path: PathBuf, found: u64 },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("`{query}` could be several sessions ({examples}, …): give more of the id")]
    Ambiguous { query: String, examples: String },
    #[error("refusing to overwrite {}: it could not be read ({reason})", path.display())]
    WouldOverwriteDamaged { path: PathBuf, reason: String },
    #[error("session `{id}` is open in {holder}")]
    OpenElsewhere { id: String, holder: Holder },
    #[error("{} changed on disk since this room read or saved it", path.display())]
    ChangedOnDisk { path: PathBuf },
}

impl StoreError {
    /// Why, without the path (for listings that already name the session).
    pub fn reason(&self) -> String {
        match self {
            Self::NotFound(_) => "not found".into(),
            Self::Ambiguous { .. } => self.to_string(),
            Self::Unreadable { source, .. } => format!("cannot be read: {source}"),
            Self::Truncated { .. } => "truncated: it ends in the middle of the data".into(),
            Self::Corrupt { detail, .. } => format!("corrupt: {detail}"),
            Self::UnknownVersion { found, .. } => {
                format!("format version {found}; this modelroom reads version {FORMAT_VERSION}")
            }
            Self::Write { source, .. } => format!("cannot be written: {source}"),
            Self::WouldOverwriteDamaged { reason, .. } => format!("damaged ({reason})"),
            Self::OpenElsewhere { holder, .. } => format!("open in {holder}"),
            Self::ChangedOnDisk { .. } => "changed on disk by another program".into(),
        }
    }
}

/// One line of `sessions list`: a readable session, or a damaged file and why.
#[derive(Debug)]
pub enum Listing {
    Ok(Header),
    Damaged {
        id: String,
        path: PathBuf,
        reason: String,
    },
}

impl Listing {
    /// When a readable session was last saved; `None` for a damaged file.
    pub fn updated_at(&self) -> Option<&str> {
        match self {
            Self::Ok(h) => Some(&h.updated_at),
            Self::Damaged { .. } => None,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Self::Ok(h) => &h.id,
            Self::Damaged { id, .. } => id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionStore {
    dir: PathBuf,
    /// Size and modification time of each file as this store last wrote or read it whole.
    /// A file that still matches is known to be readable, so saving over it needs no scan
    /// (a 50 MB session would otherwise be parsed again before every save).
    known: Arc<Mutex<HashMap<String, Stamp>>>,
    /// The sessions this store (this room) has open, locked against other rooms.
    locks: Arc<Mutex<HashMap<String, lock::SessionLock>>>,
}

/// Size, modification time and inode: every save renames a new file into place, so the inode
/// alone changes with each write, whoever made it.
type Stamp = (u64, Option<std::time::SystemTime>, u64);

fn stamp(meta: &fs::Metadata) -> Stamp {
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    (meta.len(), meta.modified().ok(), inode)
}

/// Ids are file names: letters, digits, `-` and `_` only, so no id can name a path elsewhere.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A new id: sortable by creation time, unique enough for one person's sessions.
pub fn new_id(unix: u64) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mix = (u64::from(nanos) ^ u64::from(std::process::id()).rotate_left(20))
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    format!("{}-{:04x}", crate::clock::compact(unix), mix >> 48)
}

impl SessionStore {
    /// The store in `dir` (created, private, if missing).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        crate::logging::create_private_dir(&dir).map_err(|source| StoreError::Write {
            path: dir.clone(),
            source,
        })?;
        Ok(Self {
            dir,
            known: Arc::default(),
            locks: Arc::default(),
        })
    }

    fn remember(&self, id: &str, path: &Path) {
        let Ok(meta) = fs::metadata(path) else { return };
        if let Ok(mut known) = self.known.lock() {
            known.insert(id.to_owned(), stamp(&meta));
        }
    }

    /// Whether the file at `path` is the one this store last wrote or read whole.
    fn unchanged(&self, id: &str, meta: &fs::Metadata) -> bool {
        self.known
            .lock()
            .map(|k| k.get(id) == Some(&stamp(meta)))
            .unwrap_or(false)
    }

    /// The store under the data directory (`MODELROOM_DATA` or the platform's).
    pub fn open_default() -> Result<Self, StoreError> {
        let base = crate::logging::data_dir().ok_or_else(|| StoreError::Write {
            path: PathBuf::from("~"),
            source: io::Error::other("no home directory to keep sessions in; set MODELROOM_DATA"),
        })?;
        Self::open(base.join("sessions"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where this store's sessions keep their attachments (`attachments/` beside them).
    pub fn blobs(&self) -> Blobs {
        Blobs::beside(&self.dir)
    }

    pub fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Reads and checks one session.
    pub fn load(&self, id: &str) -> Result<Session, StoreError> {
        if !valid_id(id) {
            return Err(StoreError::NotFound(id.to_owned()));
        }
        let path = self.path(id);
        let before = fs::metadata(&path).ok().map(|m| stamp(&m));
        let session = read_json(&path, id)?;
        // Remembered only if nothing replaced the file while it was read.
        if before.is_some() && fs::metadata(&path).ok().map(|m| stamp(&m)) == before {
            self.remember(id, &path);
        }
        Ok(session)
    }

    /// Writes `session` atomically. Never replaces a file that exists but cannot be read, nor
    /// one that changed since this store last read or wrote it (another room, an editor):
    /// that is `ChangedOnDisk`, and the caller saves elsewhere (`save_or_fork`).
    pub fn save(&self, session: &Session) -> Result<(), StoreError> {
        let path = self.path(&session.id);
        if !valid_id(&session.id) {
            return Err(StoreError::Write {
                path,
                source: io::Error::other("invalid session id"),
            });
        }
        if let Ok(meta) = fs::symlink_metadata(&path) {
            if !self.unchanged(&session.id, &meta) {
                if let Err(e) = read_header(&path, &session.id) {
                    return Err(StoreError::WouldOverwriteDamaged {
                        path,
                        reason: e.to_string(),
                    });
                }
                return Err(StoreError::ChangedOnDisk { path });
            }
        }
        write_atomic(&path, |w| {
            serde_json::to_writer(w, session).map_err(io::Error::other)
        })
        .map_err(|source| StoreError::Write {
            path: path.clone(),
            source,
        })?;
        self.remember(&session.id, &path);
        Ok(())
    }

    /// Every session file, newest first; damaged ones are listed with their reason.
    pub fn list(&self) -> Result<Vec<Listing>, StoreError> {
        let entries = fs::read_dir(&self.dir).map_err(|source| StoreError::Unreadable {
            path: self.dir.clone(),
            source,
        })?;
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(id) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            if !valid_id(id) {
                continue;
            }
            out.push(match read_header(&path, id) {
                Ok(h) => Listing::Ok(h),
                Err(e) => Listing::Damaged {
                    id: id.to_owned(),
                    path: path.clone(),
                    reason: e.reason(),
                },
            });
        }
        // Readable sessions newest first, then damaged files; ids break ties, so the order
        // is total and stable.
        out.sort_by(|a, b| {
            let (ua, ub) = (a.updated_at(), b.updated_at());
            ua.is_none()
                .cmp(&ub.is_none())
                .then_with(|| ub.cmp(&ua))
                .then_with(|| b.id().cmp(a.id()))
        });
        Ok(out)
    }

    /// The most recently updated readable session.
    pub fn latest(&self) -> Result<Option<Header>, StoreError> {
        Ok(self.list()?.into_iter().find_map(|l| match l {
            Listing::Ok(h) => Some(h),
            Listing::Damaged { .. } => None,
        }))
    }

    /// The id a person meant: `latest`, an exact id, or the one id that starts with `query`.
    /// Damaged files count, so that opening one says why it cannot be read.
    pub fn resolve(&self, query: &str) -> Result<String, StoreError> {
        let query = query.trim();
        if query == "latest" {
            return match self.latest()? {
                Some(h) => Ok(h.id),
                None => Err(StoreError::NotFound("latest".into())),
            };
        }
        if valid_id(query) && self.path(query).exists() {
            return Ok(query.to_owned());
        }
        let listing = self.list()?;
        let mut matches = listing
            .iter()
            .map(Listing::id)
            .filter(|id| !query.is_empty() && id.starts_with(query));
        match (matches.next(), matches.next()) {
            (Some(id), None) => Ok(id.to_owned()),
            (Some(a), Some(b)) => Err(StoreError::Ambiguous {
                query: query.to_owned(),
                examples: format!("{a}, {b}"),
            }),
            (None, _) => Err(StoreError::NotFound(query.to_owned())),
        }
    }

    /// Renames a session that no other room has open (that room would keep its own title).
    pub fn rename(&self, id: &str, title: &str) -> Result<Session, StoreError> {
        self.while_claimed(id, || {
            let mut s = self.load(id)?;
            title.trim().clone_into(&mut s.title);
            s.updated_at = crate::clock::rfc3339(crate::clock::unix_now());
            self.save(&s)?;
            Ok(s)
        })
    }

    /// Deletes a session file that no room has open. Damaged files are only deleted when
    /// asked for by id.
    pub fn remove(&self, id: &str) -> Result<(), StoreError> {
        if !valid_id(id) {
            return Err(StoreError::NotFound(id.to_owned()));
        }
        self.while_claimed(id, || {
            let path = self.path(id);
            fs::remove_file(&path).map_err(|source| match source.kind() {
                io::ErrorKind::NotFound => StoreError::NotFound(id.to_owned()),
                _ => StoreError::Write { path, source },
            })
        })
    }
}

fn classify(path: &Path, e: &serde_json::Error) -> StoreError {
    let path = path.to_path_buf();
    if e.is_eof() {
        StoreError::Truncated { path }
    } else if e.is_io() {
        StoreError::Unreadable {
            path,
            source: io::Error::other(e.to_string()),
        }
    } else {
        StoreError::Corrupt {
            path,
            detail: e.to_string(),
        }
    }
}

/// Checks the version before anything else, so a newer file says "unknown version", not
/// "corrupt".
fn check_version(path: &Path, value: &serde_json::Value) -> Result<(), StoreError> {
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => Ok(()),
        Some(found) => Err(StoreError::UnknownVersion {
            path: path.to_path_buf(),
            found,
        }),
        None => Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: "no \"version\" field".into(),
        }),
    }
}

fn read_json(path: &Path, id: &str) -> Result<Session, StoreError> {
    let mut session: Session = read_versioned(path, id)?;
    // Totals are derived; files from before they were kept finite may hold `null`.
    session.retotal();
    Ok(session)
}

fn read_header(path: &Path, id: &str) -> Result<Header, StoreError> {
    read_versioned(path, id)
}

/// What `read_versioned` needs of a file's contents.
trait Versioned: serde::de::DeserializeOwned {
    fn version(&self) -> u32;
    fn set_id(&mut self, id: &str);
}

impl Versioned for Session {
    fn version(&self) -> u32 {
        self.version
    }
    fn set_id(&mut self, id: &str) {
        id.clone_into(&mut self.id);
    }
}

impl Versioned for Header {
    fn version(&self) -> u32 {
        self.version
    }
    fn set_id(&mut self, id: &str) {
        id.clone_into(&mut self.id);
    }
}

/// Reads a whole file and parses it as `T`, checking its format version. A file that does not
/// parse but names another version says "unknown version", not "corrupt". The file's name is
/// its id, whatever the id inside says (a copied file is its own session), so listing and
/// opening agree. (Parsing a slice is several times faster than parsing from a reader.)
fn read_versioned<T: Versioned>(path: &Path, id: &str) -> Result<T, StoreError> {
    let bytes =
        read::read_regular(path, read::MAX_FILE_BYTES).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => StoreError::NotFound(id.to_owned()),
            _ => StoreError::Unreadable {
                path: path.to_path_buf(),
                source,
            },
        })?;
    if read::nesting(&bytes, read::MAX_NESTING) > read::MAX_NESTING {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("nested more than {} levels deep", read::MAX_NESTING),
        });
    }
    match read::from_slice_deep::<T>(&bytes) {
        Ok(mut v) if v.version() == FORMAT_VERSION => {
            v.set_id(id);
            Ok(v)
        }
        Ok(v) => Err(StoreError::UnknownVersion {
            path: path.to_path_buf(),
            found: u64::from(v.version()),
        }),
        Err(e) => {
            if let Ok(value) = read::from_slice_deep::<serde_json::Value>(&bytes) {
                check_version(path, &value)?;
            }
            Err(classify(path, &e))
        }
    }
}

/// Writes through a temporary file in the same directory, fsyncs it, renames it over `path`
/// and fsyncs the directory, so a crash leaves either the old file or the new one.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("session");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        write(&mut w)?;
        let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
