//! The spend ledger: one JSON line per answer whose cost became known, in the data directory
//! (`spend.jsonl`, mode 0600), so today's spend survives restarts and is shared by every room
//! and `ask` run. Lines are only appended; a damaged line is skipped, never fatal.

use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One billed answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendRecord {
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Unix seconds.
    pub at: u64,
    pub usd: f64,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The session it was spent in; `None` for `ask`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

impl SpendRecord {
    pub fn now(usd: f64, model: &str, provider: Option<&str>, session: Option<&str>) -> Self {
        let at = crate::clock::unix_now();
        Self {
            day: crate::clock::day(at),
            at,
            usd,
            model: model.to_owned(),
            provider: provider.map(str::to_owned),
            session: session.map(str::to_owned),
        }
    }
}

/// The longest line of the ledger read; a record is a few hundred bytes.
const MAX_LINE: u64 = 64 << 10;

#[derive(Debug, Clone)]
pub struct Ledger {
    path: PathBuf,
}

impl Ledger {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("spend.jsonl"),
        }
    }

    /// The ledger of `--demo`'s simulated spend, kept apart: play money never counts
    /// against the daily budget of real money, nor real spend against the demo's.
    pub fn demo(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("spend-demo.jsonl"),
        }
    }

    /// The ledger in the default data directory.
    pub fn open_default() -> Option<Self> {
        crate::logging::data_dir().map(|d| Self::new(&d))
    }

    /// The ledger in the default data directory for a real gateway or for `--demo`.
    pub fn open_for(demo: bool) -> Option<Self> {
        let dir = crate::logging::data_dir()?;
        Some(if demo {
            Self::demo(&dir)
        } else {
            Self::new(&dir)
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends records as whole lines in one write, so concurrent writers do not interleave.
    pub fn append(&self, records: &[SpendRecord]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            crate::logging::create_private_dir(dir)?;
        }
        let mut text = String::new();
        for r in records {
            text.push_str(&serde_json::to_string(r).map_err(io::Error::other)?);
            text.push('\n');
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // A FIFO planted here must neither block the room nor take the records.
            options.mode(0o600).custom_flags(libc::O_NONBLOCK);
        }
        let mut file = options.open(&self.path)?;
        if !file.metadata()?.is_file() {
            return Err(io::Error::other(format!(
                "{} is not a regular file",
                self.path.display()
            )));
        }
        file.write_all(text.as_bytes())?;
        file.sync_data()
    }

    /// The USD spent on `day` (UTC `YYYY-MM-DD`); no ledger yet is $0.
    pub fn total_on(&self, day: &str) -> io::Result<f64> {
        let file = match super::read::open_regular(&self.path, super::read::MAX_FILE_BYTES) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0.0),
            Err(e) => return Err(e),
        };
        let mut total = 0.0f64;
        let mut reader = BufReader::new(file.take(super::read::MAX_FILE_BYTES));
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            // A line is at most MAX_LINE bytes: a longer one (damage) is skipped, not held.
            let n = reader
                .by_ref()
                .take(MAX_LINE)
                .read_until(b'\n', &mut bytes)?;
            if n == 0 {
                break;
            }
            if bytes.last() != Some(&b'\n') && n as u64 == MAX_LINE {
                let mut rest = Vec::new();
                while reader
                    .by_ref()
                    .take(MAX_LINE)
                    .read_until(b'\n', &mut rest)?
                    > 0
                    && rest.last() != Some(&b'\n')
                {
                    rest.clear();
                }
                continue;
            }
            let line = String::from_utf8_lossy(&bytes);
            // The day is checked before parsing, so old lines cost almost nothing to skip.
            if !line.contains(day) {
                continue;
            }
            match serde_json::from_str::<SpendRecord>(&line) {
                Ok(r) if r.day == day && r.usd.is_finite() && r.usd > 0.0 => {
                    total = (total + r.usd).min(f64::MAX);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("skipping a damaged line of {}: {e}", self.path.display()),
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(day: &str, usd: f64) -> SpendRecord {
        SpendRecord {
            day: day.into(),
            at: 0,
            usd,
            model: "a/b".into(),
            provider: None,
            session: Some("s".into()),
        }
    }

    #[test]
    fn the_day_total_survives_reopening_and_skips_damage() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path());
        assert_eq!(ledger.total_on("2026-11-24").unwrap(), 0.0);
        ledger
            .append(&[record("2026-11-23", 5.0), record("2026-11-24", 0.25)])
            .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(ledger.path())
            .unwrap()
            .write_all(b"{\"day\":\"2026-11-24\", broken\n")
            .unwrap();
        Ledger::new(dir.path())
            .append(&[record("2026-11-24", 0.5)])
            .unwrap();
        let again = Ledger::new(dir.path());
        assert!((again.total_on("2026-11-24").unwrap() - 0.75).abs() < 1e-12);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(again.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn an_overlong_line_is_skipped_and_a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path());
        ledger.append(&[record("2026-11-24", 0.25)]).unwrap();
        let mut long = vec![b'x'; 200_000];
        long.extend_from_slice(b"2026-11-24\n");
        std::fs::OpenOptions::new()
            .append(true)
            .open(ledger.path())
            .unwrap()
            .write_all(&long)
            .unwrap();
        ledger.append(&[record("2026-11-24", 0.5)]).unwrap();
        assert!((ledger.total_on("2026-11-24").unwrap() - 0.75).abs() < 1e-12);
        #[cfg(unix)]
        {
            let other = tempfile::tempdir().unwrap();
            let fifo = Ledger::new(other.path());
            let made = std::process::Command::new("mkfifo")
                .arg(fifo.path())
                .status()
                .unwrap();
            assert!(made.success());
            let e = fifo.total_on("2026-11-24").unwrap_err();
            assert!(e.to_string().contains("named pipe"), "{e}");
            assert!(fifo.append(&[record("2026-11-24", 1.0)]).is_err());
        }
    }
}
