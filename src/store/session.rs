//! The session file format (JSON, versioned): panes with their models and parameters, every
//! turn with its answer's provider, tokens, cost, timing and finish state, and the totals.
//! It has no field that could hold an API key.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

use crate::chat::Usage;
use crate::pane_settings::PaneSettings;
use crate::routing::Routing;

/// Bumped when a change would make older files mean something else.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub version: u32,
    pub id: String,
    pub title: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    pub panes: Vec<PaneRecord>,
    pub totals: Totals,
    /// Votes on its rounds and the panes hidden in a blind round; absent when there are none.
    #[serde(default, skip_serializing_if = "super::ArenaRecord::is_empty")]
    pub arena: super::ArenaRecord,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of every answer's known cost, in USD: always a finite number on disk (JSON has no
    /// infinity; serde would write `null`). Files from before that rule may hold `null`: it
    /// reads as NaN, shown as unknown, and a full load adds the turns up again.
    #[serde(serialize_with = "finite_usd", deserialize_with = "usd_or_null")]
    pub cost_usd: f64,
    /// Answers whose cost was still pending or unknown when saved.
    pub uncosted_answers: usize,
    pub prompts: usize,
    pub answers: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaneRecord {
    pub model: String,
    /// Closed in the room (Alt+W): not shown when the session is reopened, but its turns and
    /// their cost stay part of the session, its totals and its exports. Absent means open.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closed: bool,
    /// OpenRouter routing preferences (sort, variant, price cap, fallback models, provider
    /// lists); absent in files from before routing existed, and when nothing is set.
    #[serde(default, skip_serializing_if = "Routing::is_default")]
    pub routing: Routing,
    /// This pane's own settings (system prompt, temperature, seed, reasoning…), over the
    /// room's `params`; absent when it has none.
    #[serde(default, skip_serializing_if = "PaneSettings::is_default")]
    pub settings: PaneSettings,
    pub params: Params,
    pub turns: Vec<Turn>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub max_tokens: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Turn {
    User {
        content: String,
        /// Which of the room's sends this prompt came with: numbers rise in the order the
        /// prompts were sent, and a prompt sent to several panes has the same number in each
        /// (a focused send is in one pane only). Absent in files from before it was kept;
        /// their order is then inferred (`Session::sends`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        send: Option<u64>,
        /// Files sent with the prompt: hash, name, type and size; the bytes are kept once, by
        /// hash, in `attachments/` beside the sessions (`Blobs`). Absent when there are none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<crate::attach::Attachment>,
    },
    /// Shared, so a snapshot of the room reuses the records of answers that are settled
    /// instead of copying megabytes of text on the UI thread.
    Assistant(Arc<AnswerRecord>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Finish {
    Complete,
    Stopped,
    Failed,
    /// It was still streaming when the app last saved (killed, or crashed).
    Interrupted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CostStatus {
    Reported,
    Pending,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerRecord {
    pub content: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reasoning: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasoning_details: Vec<Value>,
    /// The model that served, as the response named it.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub generation_id: Option<String>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default)]
    pub cost_usd: Option<f64>,
    pub cost_status: CostStatus,
    #[serde(default)]
    pub ttft_ms: Option<u64>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    pub finish: Finish,
    #[serde(default)]
    pub finish_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorRecord>,
    /// Web sources the answer cited; absent in files from before web search, and when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub citations: Vec<CitationRecord>,
}

/// One cited web page as a session file keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitationRecord {
    pub url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
}

impl Turn {
    /// A prompt without attachments.
    pub fn user(content: impl Into<String>) -> Self {
        Self::User {
            content: content.into(),
            send: None,
            attachments: Vec::new(),
        }
    }
}

impl Session {
    /// The files sent with `prompt`, from the first turn that asked it with some.
    pub fn attachments_of(&self, prompt: &str) -> &[crate::attach::Attachment] {
        self.panes
            .iter()
            .flat_map(|p| &p.turns)
            .find_map(|t| match t {
                Turn::User {
                    content,
                    attachments,
                    ..
                } if content == prompt && !attachments.is_empty() => Some(attachments.as_slice()),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// Recomputes the totals from the turns (they are stored for listings, derived here).
    /// Only finite, non-negative costs count, and the sum saturates: no cost a server sent can
    /// make the total something the file cannot hold.
    pub fn retotal(&mut self) {
        let mut t = Totals {
            prompts: self.prompts().len(),
            ..Totals::default()
        };
        for pane in &self.panes {
            for turn in &pane.turns {
                match turn {
                    Turn::User { .. } => {}
                    Turn::Assistant(a) => {
                        t.answers += 1;
                        match (a.cost_status, a.cost_usd) {
                            (CostStatus::Reported, Some(c)) if c.is_finite() && c >= 0.0 => {
                                t.cost_usd = (t.cost_usd + c).min(f64::MAX);
                            }
                            _ => t.uncosted_answers += 1,
                        }
                    }
                }
            }
        }
        self.totals = t;
    }

    /// The prompts in the order they were sent, a broadcast counted once (`Session::sends`).
    pub fn prompts(&self) -> Vec<&str> {
        self.sends().into_iter().filter_map(|s| s.prompt).collect()
    }

    pub fn models(&self) -> Vec<&str> {
        self.panes.iter().map(|p| p.model.as_str()).collect()
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` signature
fn finite_usd<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    let v = if v.is_nan() {
        0.0
    } else {
        v.clamp(-f64::MAX, f64::MAX)
    };
    s.serialize_f64(v)
}

fn usd_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// What a listing needs, read without keeping the transcripts in memory.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Header {
    pub version: u32,
    pub id: String,
    pub title: String,
    pub created_at: String,
    pub updated_at: String,
    pub panes: Vec<PaneHeader>,
    pub totals: Totals,
    #[serde(default)]
    pub arena: super::ArenaRecord,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PaneHeader {
    pub model: String,
    #[serde(default)]
    pub turns: serde::de::IgnoredAny,
}
