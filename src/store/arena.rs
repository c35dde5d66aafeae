//! A session's arena record: the votes cast on its rounds (each beside the answers it judged)
//! and the panes of a blind round not yet voted on, whose names every reading of the file
//! (`sessions list/show/export`, the room's browser) hides behind their labels until the vote.

use serde::{Deserialize, Serialize};

use super::{Header, Session, Turn};
use crate::arena::Vote;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArenaRecord {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub votes: Vec<VoteRecord>,
    /// Panes of the blind round in progress: named only by their label until the vote.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<HiddenPane>,
}

impl ArenaRecord {
    pub fn is_empty(&self) -> bool {
        self.votes.is_empty() && self.hidden.is_empty()
    }

    /// The label pane `pane` is shown by, while its round is blind.
    pub fn hidden_label(&self, pane: usize) -> Option<&str> {
        self.hidden
            .iter()
            .find(|h| h.pane == pane)
            .map(|h| h.label.as_str())
    }
}

/// A vote, and where the answers it judged are in the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoteRecord {
    pub vote: Vote,
    /// The answers in label order (A first): which pane, which turn.
    pub answers: Vec<TurnRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnRef {
    /// Index in `Session::panes`.
    pub pane: usize,
    /// Index in that pane's `turns`.
    pub turn: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenPane {
    pub pane: usize,
    /// `model A`, `model B`…
    pub label: String,
}

impl Session {
    /// The session as it may be shown now: a pane of an unvoted blind round has its label for
    /// a model, and its answers name no served model or provider.
    pub fn blinded(&self) -> Session {
        if self.arena.hidden.is_empty() {
            return self.clone();
        }
        let mut s = self.clone();
        for (i, pane) in s.panes.iter_mut().enumerate() {
            let Some(label) = self.arena.hidden_label(i) else {
                continue;
            };
            label.clone_into(&mut pane.model);
            pane.routing = Default::default();
            for turn in &mut pane.turns {
                if let Turn::Assistant(a) = turn {
                    let a = std::sync::Arc::make_mut(a);
                    a.model = None;
                    a.provider = None;
                    // Price, length and speed tell a model too (the totals keep the spend).
                    a.cost_usd = None;
                    a.cost_status = super::CostStatus::Unknown;
                    a.usage = None;
                    a.ttft_ms = None;
                    a.duration_ms = None;
                    a.generation_id = None;
                    // A failure's words can name the model or its provider.
                    if let Some(e) = &mut a.error {
                        e.message = format!("{label} failed");
                    }
                }
            }
        }
        s
    }
}

impl Header {
    /// The models as a listing may name them: hidden panes by their label.
    pub fn shown_models(&self) -> Vec<&str> {
        self.panes
            .iter()
            .enumerate()
            .map(|(i, p)| self.arena.hidden_label(i).unwrap_or(&p.model))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_pane_is_shown_by_its_label_until_the_vote() {
        let json = r#"{"version":1,"id":"s","title":"t","created_at":"x","updated_at":"x",
            "panes":[{"model":"acme/oracle","params":{"max_tokens":1},"turns":[
              {"role":"user","content":"hi"},
              {"role":"assistant","content":"yo","model":"acme/oracle-1","provider":"Aurora",
               "cost_status":"reported","finish":"complete"}]},
              {"model":"zen/sage","params":{"max_tokens":1},"turns":[]}],
            "totals":{"cost_usd":0,"uncosted_answers":0,"prompts":1,"answers":1},
            "arena":{"hidden":[{"pane":0,"label":"model B"}]}}"#;
        let s: Session = serde_json::from_str(json).unwrap();
        let shown = serde_json::to_string(&s.blinded()).unwrap();
        for name in ["acme", "oracle", "Aurora"] {
            assert!(!shown.contains(name), "{name} in {shown}");
        }
        assert!(shown.contains("zen/sage"));
        let h: Header = serde_json::from_str(json).unwrap();
        assert_eq!(h.shown_models(), ["model B", "zen/sage"]);
        // Without hidden panes the session is shown as it is.
        let mut open = s.clone();
        open.arena.hidden.clear();
        assert_eq!(open.blinded(), open);
    }
}
