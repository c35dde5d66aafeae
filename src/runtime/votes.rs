//! The votes ledger's writer and the leaderboard's computation, off the UI thread. Votes are
//! appended one at a time and in order (an undo never lands before its vote), each synced
//! before `Action::VoteRecorded` says so: the room shows a vote as recorded only then. On
//! quit, what is queued is written before the room ends.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::{Action, WorkError, board};
use crate::arena::{Entry, VoteLedger};

/// How long a report may wait for room in the loop's channel (the loop may have ended).
const SEND_WAIT: Duration = Duration::from_secs(1);

pub struct VoteWriter {
    queue: mpsc::UnboundedSender<Entry>,
    task: JoinHandle<()>,
    ledger: VoteLedger,
}

impl VoteWriter {
    pub fn new(ledger: VoteLedger, actions: mpsc::Sender<Action>) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<Entry>();
        let writer = ledger.clone();
        let task = tokio::spawn(async move {
            while let Some(entry) = rx.recv().await {
                let (id, undo) = match &entry {
                    Entry::Vote(v) => (v.id.clone(), false),
                    Entry::Undo { id, .. } => (id.clone(), true),
                };
                let ledger = writer.clone();
                let result = tokio::task::spawn_blocking(move || {
                    ledger
                        .append(&entry)
                        .map_err(|e| WorkError::votes(ledger.path(), e))
                })
                .await
                .unwrap_or_else(|e| Err(WorkError::task("the votes ledger", e)));
                if let Err(e) = &result {
                    tracing::warn!("vote not recorded: {e}");
                }
                let sent = actions.send(Action::VoteRecorded { id, undo, result });
                let _ = tokio::time::timeout(SEND_WAIT, sent).await;
            }
        });
        Self {
            queue,
            task,
            ledger,
        }
    }

    pub fn ledger(&self) -> &VoteLedger {
        &self.ledger
    }

    pub fn record(&self, entry: Entry) {
        let _ = self.queue.send(entry);
    }

    /// Writes what is queued, then ends.
    pub async fn finish(self) {
        drop(self.queue);
        let _ = self.task.await;
    }
}

/// Computes the leaderboard on the blocking pool and reports it to the loop.
pub fn compute_board(ledger: Option<VoteLedger>, all_votes: bool, actions: mpsc::Sender<Action>) {
    tokio::spawn(async move {
        let result =
            tokio::task::spawn_blocking(move || board::compute(ledger.as_ref(), all_votes))
                .await
                .unwrap_or_else(|e| Err(WorkError::task("the leaderboard", e)))
                .map(Box::new);
        let _ = actions.send(Action::BoardComputed(result)).await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::{MarkdownCounts, Outcome, Vote, VotedAnswer};

    fn vote() -> Vote {
        let answer = |m: &str| VotedAnswer {
            requested: m.into(),
            served: None,
            provider: None,
            fallback: false,
            tokens: None,
            markdown: MarkdownCounts::default(),
            cost_usd: None,
            latency_ms: None,
            named_itself: false,
        };
        Vote::new(
            "s",
            0,
            "hi",
            Outcome::Tie,
            true,
            vec![answer("a"), answer("b")],
        )
    }

    #[tokio::test]
    async fn each_append_is_reported_in_order_and_a_failure_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, mut rx) = mpsc::channel(8);
        let writer = VoteWriter::new(VoteLedger::new(dir.path()), tx.clone());
        let v = vote();
        writer.record(Entry::Vote(v.clone()));
        writer.record(Entry::Undo {
            id: v.id.clone(),
            at: 0,
        });
        writer.finish().await;
        let first = rx.recv().await.unwrap();
        assert_eq!(
            first,
            Action::VoteRecorded {
                id: v.id.clone(),
                undo: false,
                result: Ok(())
            }
        );
        assert!(matches!(
            rx.recv().await,
            Some(Action::VoteRecorded {
                undo: true,
                result: Ok(()),
                ..
            })
        ));
        assert!(VoteLedger::new(dir.path()).read().unwrap().votes.is_empty());
        // A ledger that cannot be written (its directory is a file) is reported, not hidden.
        let blocked = dir.path().join("file");
        std::fs::write(&blocked, b"x").unwrap();
        let writer = VoteWriter::new(VoteLedger::new(&blocked), tx);
        writer.record(Entry::Vote(vote()));
        writer.finish().await;
        let Some(Action::VoteRecorded { result: Err(e), .. }) = rx.recv().await else {
            panic!("the failure is reported");
        };
        assert!(e.to_string().contains("votes.jsonl"), "{e}");
    }
}
