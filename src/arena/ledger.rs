//! The votes ledger: `votes.jsonl` in the data directory, one JSON line per vote, created 0600,
//! only ever appended to, each line synced to disk before `append` returns (so a vote shown as
//! recorded survives a kill or a power cut). An undo is a line of its own that names the vote;
//! a damaged line is reported and skipped, and the file is never rewritten.

use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Vote;

/// A line of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    Vote(Vote),
    /// Takes back the vote with this id (made before the next prompt).
    Undo {
        id: String,
        at: u64,
    },
}

/// A line that could not be used: its number (from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    pub line: usize,
    pub reason: String,
}

/// What reading the ledger found.
#[derive(Debug, Default)]
pub struct Read {
    /// Votes in the order they were made, undone ones left out.
    pub votes: Vec<Vote>,
    pub damaged: Vec<Damaged>,
}

#[derive(Debug, Clone)]
pub struct VoteLedger {
    path: PathBuf,
}

impl VoteLedger {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("votes.jsonl"),
        }
    }

    /// The ledger in the default data directory (`MODELROOM_DATA` or the platform's).
    pub fn open_default() -> Option<Self> {
        crate::logging::data_dir().map(|d| Self::new(&d))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` as one line in one write and syncs it; only then is it recorded.
    pub fn append(&self, entry: &Entry) -> io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        crate::logging::create_private_dir(dir)?;
        let mut line = serde_json::to_string(entry).map_err(io::Error::other)?;
        line.push('\n');
        let existed = self.path.exists();
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path)?;
        file.write_all(line.as_bytes())?;
        file.sync_all()?;
        // A new file's name lives in the directory, which has to reach the disk as well.
        #[cfg(unix)]
        if !existed {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    /// Every vote still standing, and the lines that could not be read. No ledger yet is empty.
    pub fn read(&self) -> io::Result<Read> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Read::default()),
            Err(e) => return Err(e),
        };
        let mut read = Read::default();
        let mut undone = std::collections::HashSet::new();
        let mut reader = BufReader::new(file);
        let mut buf = Vec::new();
        let mut number = 0;
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            number += 1;
            let Ok(text) = std::str::from_utf8(&buf) else {
                read.damaged.push(Damaged {
                    line: number,
                    reason: "not UTF-8".into(),
                });
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(text) {
                Ok(Entry::Vote(v)) => match v.problem() {
                    None => read.votes.push(v),
                    Some(reason) => read.damaged.push(Damaged {
                        line: number,
                        reason,
                    }),
                },
                Ok(Entry::Undo { id, .. }) => {
                    undone.insert(id);
                }
                Err(e) => read.damaged.push(Damaged {
                    line: number,
                    reason: if text.ends_with('\n') {
                        e.to_string()
                    } else {
                        format!("{e} (the last line is cut short)")
                    },
                }),
            }
        }
        read.votes.retain(|v| !undone.contains(&v.id));
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::{Outcome, VotedAnswer, vote::MarkdownCounts};

    fn vote(outcome: Outcome) -> Vote {
        let answer = |m: &str| VotedAnswer {
            requested: m.into(),
            served: Some(m.into()),
            provider: Some("P".into()),
            fallback: false,
            tokens: Some(42),
            markdown: MarkdownCounts {
                headers: 1,
                list_items: 2,
                bold: 3,
            },
            cost_usd: Some(0.001),
            latency_ms: Some(900),
            named_itself: false,
        };
        Vote::new(
            "sess",
            1,
            "hi #code",
            outcome,
            true,
            vec![answer("a/x"), answer("b/y")],
        )
    }

    #[test]
    fn votes_are_appended_privately_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = VoteLedger::new(&dir.path().join("data"));
        assert!(ledger.read().unwrap().votes.is_empty());
        let (a, b) = (vote(Outcome::Best(0)), vote(Outcome::BothBad));
        ledger.append(&Entry::Vote(a.clone())).unwrap();
        ledger.append(&Entry::Vote(b.clone())).unwrap();
        let read = ledger.read().unwrap();
        assert_eq!(read.votes, [a, b]);
        assert!(read.damaged.is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(ledger.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_line_is_reported_skipped_and_left_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = VoteLedger::new(dir.path());
        let first = vote(Outcome::Best(1));
        ledger.append(&Entry::Vote(first.clone())).unwrap();
        let mut file = OpenOptions::new().append(true).open(ledger.path()).unwrap();
        file.write_all(b"{\"kind\":\"vote\", broken\n\xff\xfe\n")
            .unwrap();
        let mut wrong = vote(Outcome::Tie);
        wrong.outcome = Outcome::Best(5);
        file.write_all(
            format!("{}\n", serde_json::to_string(&Entry::Vote(wrong)).unwrap()).as_bytes(),
        )
        .unwrap();
        let last = vote(Outcome::Tie);
        ledger.append(&Entry::Vote(last.clone())).unwrap();
        // A line cut short by a crash in the middle of a write.
        file.write_all(b"{\"kind\":\"vote\",\"v\":1").unwrap();
        let before = std::fs::read(ledger.path()).unwrap();
        let read = ledger.read().unwrap();
        assert_eq!(read.votes, [first, last]);
        let lines: Vec<usize> = read.damaged.iter().map(|d| d.line).collect();
        assert_eq!(lines, [2, 3, 4, 6]);
        assert!(read.damaged[2].reason.contains("only 2 answers"));
        assert!(read.damaged[3].reason.contains("cut short"));
        assert_eq!(std::fs::read(ledger.path()).unwrap(), before);
    }

    #[test]
    fn an_undo_takes_back_only_its_vote() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = VoteLedger::new(dir.path());
        let (a, b) = (vote(Outcome::Best(0)), vote(Outcome::Best(1)));
        ledger.append(&Entry::Vote(a.clone())).unwrap();
        ledger.append(&Entry::Vote(b.clone())).unwrap();
        ledger
            .append(&Entry::Undo {
                id: b.id.clone(),
                at: 0,
            })
            .unwrap();
        assert_eq!(ledger.read().unwrap().votes, [a]);
    }

    /// The child half of the SIGKILL test: records a vote, says so, then waits to be killed
    /// (on a read of its standard input, which the parent never writes to).
    #[test]
    fn sigkill_child() {
        let Some(dir) = std::env::var_os("MODELROOM_VOTE_CHILD_DIR") else {
            return;
        };
        let ledger = VoteLedger::new(Path::new(&dir));
        let v = vote(Outcome::Best(1));
        ledger.append(&Entry::Vote(v.clone())).unwrap();
        println!("RECORDED {}", v.id);
        io::stdout().flush().unwrap();
        let mut sink = String::new();
        let _ = io::stdin().read_line(&mut sink);
    }

    #[cfg(unix)]
    #[test]
    fn a_vote_shown_as_recorded_survives_sigkill() {
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "arena::ledger::tests::sigkill_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("MODELROOM_VOTE_CHILD_DIR", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let id = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|l| {
                l.split_once("RECORDED ")
                    .map(|(_, id)| id.trim().to_owned())
            })
            .expect("the child reports its vote");
        child.kill().unwrap(); // SIGKILL: no destructor, no flush runs in the child.
        let status = child.wait().unwrap();
        assert!(!status.success());
        let read = VoteLedger::new(dir.path()).read().unwrap();
        assert_eq!(read.votes.len(), 1);
        assert_eq!(read.votes[0].id, id);
    }
}
