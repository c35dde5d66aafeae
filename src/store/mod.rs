//! Sessions on disk: one JSON file per session in a private directory (0700), each written
//! atomically (temporary file in the same directory, fsync, rename) with mode 0600. A file that
//! cannot be read is reported as damaged with the reason, and is never overwritten or deleted.

mod ledger;
mod session;

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use ledger::{Ledger, SpendRecord};
pub use session::{
    AnswerRecord, CostStatus, ErrorRecord, FORMAT_VERSION, Finish, Header, PaneHeader, PaneRecord,
    Params, Session, Totals, Turn,
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
    #[error("refusing to overwrite {}: it could not be read ({reason})", path.display())]
    WouldOverwriteDamaged { path: PathBuf, reason: String },
}

impl StoreError {
    /// Why, without the path (for listings that already name the session).
    pub fn reason(&self) -> String {
        match self {
            Self::NotFound(_) => "not found".into(),
            Self::Unreadable { source, .. } => format!("cannot be read: {source}"),
            Self::Truncated { .. } => "truncated: it ends in the middle of the data".into(),
            Self::Corrupt { detail, .. } => format!("corrupt: {detail}"),
            Self::UnknownVersion { found, .. } => {
                format!("format version {found}; this modelroom reads version {FORMAT_VERSION}")
            }
            Self::Write { source, .. } => format!("cannot be written: {source}"),
            Self::WouldOverwriteDamaged { reason, .. } => format!("damaged ({reason})"),
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
        Ok(Self { dir })
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

    pub fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Reads and checks one session.
    pub fn load(&self, id: &str) -> Result<Session, StoreError> {
        if !valid_id(id) {
            return Err(StoreError::NotFound(id.to_owned()));
        }
        read_json(&self.path(id), id)
    }

    /// Writes `session` atomically. Never replaces a file that exists but cannot be read.
    pub fn save(&self, session: &Session) -> Result<(), StoreError> {
        let path = self.path(&session.id);
        if !valid_id(&session.id) {
            return Err(StoreError::Write {
                path,
                source: io::Error::other("invalid session id"),
            });
        }
        if path.exists() {
            if let Err(e) = read_header(&path, &session.id) {
                return Err(StoreError::WouldOverwriteDamaged {
                    path,
                    reason: e.to_string(),
                });
            }
        }
        write_atomic(&path, |w| {
            serde_json::to_writer(w, session).map_err(io::Error::other)
        })
        .map_err(|source| StoreError::Write { path, source })
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
                    reason: e.to_string(),
                },
            });
        }
        out.sort_by(|a, b| match (a, b) {
            (Listing::Ok(x), Listing::Ok(y)) => y
                .updated_at
                .cmp(&x.updated_at)
                .then_with(|| y.id.cmp(&x.id)),
            _ => b.id().cmp(a.id()),
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

    pub fn rename(&self, id: &str, title: &str) -> Result<Session, StoreError> {
        let mut s = self.load(id)?;
        title.trim().clone_into(&mut s.title);
        s.updated_at = crate::clock::rfc3339(crate::clock::unix_now());
        self.save(&s)?;
        Ok(s)
    }

    /// Deletes a session file. Damaged files are only deleted when asked for by id.
    pub fn remove(&self, id: &str) -> Result<(), StoreError> {
        if !valid_id(id) {
            return Err(StoreError::NotFound(id.to_owned()));
        }
        let path = self.path(id);
        fs::remove_file(&path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => StoreError::NotFound(id.to_owned()),
            _ => StoreError::Write { path, source },
        })
    }
}

fn open_for_read(path: &Path, id: &str) -> Result<File, StoreError> {
    File::open(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => StoreError::NotFound(id.to_owned()),
        _ => StoreError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })
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
    let bytes = fs::read(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => StoreError::NotFound(id.to_owned()),
        _ => StoreError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    match serde_json::from_slice::<Session>(&bytes) {
        Ok(s) if s.version == FORMAT_VERSION => Ok(s),
        Ok(s) => Err(StoreError::UnknownVersion {
            path: path.to_path_buf(),
            found: u64::from(s.version),
        }),
        Err(e) => {
            // Say "unknown version" for a newer file whose shape we cannot know.
            if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                check_version(path, &value)?;
            }
            Err(classify(path, &e))
        }
    }
}

fn read_header(path: &Path, id: &str) -> Result<Header, StoreError> {
    let file = open_for_read(path, id)?;
    match serde_json::from_reader::<_, Header>(BufReader::with_capacity(1 << 16, file)) {
        Ok(h) if h.version == FORMAT_VERSION => Ok(h),
        Ok(h) => Err(StoreError::UnknownVersion {
            path: path.to_path_buf(),
            found: u64::from(h.version),
        }),
        Err(e) => Err(classify(path, &e)),
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
