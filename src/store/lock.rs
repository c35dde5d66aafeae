//! One room per session: an advisory lock (`<id>.lock` beside the session, mode 0600) held for
//! as long as a room has the session open. The operating system's file lock (`flock`) is
//! released by the kernel when its holder exits, however it exits, so a room that crashed
//! never leaves a session locked: its leftover file is simply taken over. The file holds the
//! holder's pid, only to say who has the session.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A lock this process holds; dropping it removes the file and releases the lock.
#[derive(Debug)]
pub struct SessionLock {
    file: File,
    path: PathBuf,
}

/// Who holds a session another room has open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub pid: Option<u32>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pid {
            Some(pid) => write!(f, "another room (pid {pid})"),
            None => f.write_str("another room"),
        }
    }
}

/// Whether `file` is still the one at `path` (a holder that released its lock removed the
/// file; a lock on a removed file guards nothing).
fn is_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

fn open(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never follow a planted symlink, never block on a planted FIFO.
        options
            .mode(0o600)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    // A leftover file may have been made with other permissions; it says who has a chat open.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(64).read_to_string(&mut text).ok()?;
    text.split_whitespace().nth(1)?.parse().ok()
}

impl SessionLock {
    /// Takes the lock at `path`: `Ok(Err(holder))` when another process (or another store in
    /// this one) holds it, `Err` when locking is impossible here (the caller goes on without).
    pub fn acquire(path: &Path) -> io::Result<Result<Self, Holder>> {
        // A holder may remove the file between our open and our lock; then try again.
        for _ in 0..8 {
            let mut file = open(path)?;
            match try_lock(&file) {
                Ok(true) if is_at(&file, path) => {
                    file.set_len(0)?;
                    file.rewind()?;
                    writeln!(file, "pid {}", std::process::id())?;
                    return Ok(Ok(Self {
                        file,
                        path: path.to_path_buf(),
                    }));
                }
                Ok(true) => {}
                Ok(false) => {
                    return Ok(Err(Holder {
                        pid: read_pid(&mut file),
                    }));
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(format!(
            "{} keeps being replaced",
            path.display()
        )))
    }
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        // Removed while still held, so nobody can take a lock on a file about to vanish.
        if is_at(&self.file, &self.path) {
            let _ = fs::remove_file(&self.path);
        }
        // Closing the file (dropping it, next) releases the lock.
    }
}

/// Takes the exclusive lock on `file` without waiting: `false` when someone holds it.
#[cfg(unix)]
fn try_lock(file: &File) -> io::Result<bool> {
    use rustix::fs::{FlockOperation, flock};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(unix))]
fn try_lock(_: &File) -> io::Result<bool> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no advisory file locks on this platform",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_a_leftover_file_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.lock");
        // What a room killed with SIGKILL leaves: the file, but no lock on it.
        std::fs::write(&path, "pid 999999999\n").unwrap();
        let first = SessionLock::acquire(&path).unwrap().unwrap();
        let held = SessionLock::acquire(&path).unwrap().unwrap_err();
        assert_eq!(held.pid, Some(std::process::id()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        drop(first);
        assert!(!path.exists(), "a released lock leaves no file");
        let again = SessionLock::acquire(&path).unwrap();
        assert!(again.is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_fifo_or_symlink_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.lock");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(SessionLock::acquire(&fifo).is_err());
        let link = dir.path().join("l.lock");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        assert!(SessionLock::acquire(&link).is_err());
    }
}
