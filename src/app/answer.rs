//! One answer: the reply as it streams, where it stands, what it cost, and its rendered rows
//! (markdown for the text, plain wrapped rows for the reasoning). Rows are rendered here, in
//! `update`; views copy the ones in sight.

use tokio::time::Instant;

use super::RequestId;
use super::text::WrappedText;
use crate::api::{ApiError, Reply};
use crate::chat::Cost;
use crate::markdown::{Ctx, MarkdownText};
use crate::sanitize::Clean;

/// Columns the reasoning block's bar takes ("│ ").
pub const REASONING_BAR: u16 = 2;

/// Where an answer's cost stands. A stopped or failed answer has no usage chunk; its cost is
/// `Pending` until the gateway's generation record says what was billed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CostState {
    Reported(Cost),
    Pending,
    Unknown,
}

impl CostState {
    pub fn known(self) -> Option<Cost> {
        match self {
            Self::Reported(c) => Some(c),
            Self::Pending | Self::Unknown => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum AnswerState {
    /// Sent; nothing streamed yet.
    Waiting,
    Streaming,
    /// Rate limited; asked again at `at`.
    Retrying {
        at: Instant,
    },
    Complete,
    /// Stopped by the person; the text so far is kept.
    Stopped,
    Failed(ApiError),
    /// Still streaming when the app last saved and then stopped (killed or crashed); the text
    /// up to that save is kept.
    Interrupted,
}

impl AnswerState {
    pub fn is_live(&self) -> bool {
        matches!(
            self,
            Self::Waiting | Self::Streaming | Self::Retrying { .. }
        )
    }
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub request: RequestId,
    pub reply: Reply,
    pub state: AnswerState,
    pub cost: CostState,
    /// Attempts so far (rate-limit retries count).
    pub attempts: u8,
    /// The answer's markdown as rows.
    pub text: MarkdownText,
    /// The reasoning as plain rows, narrower by the block's bar.
    pub thinking: WrappedText,
}

impl Answer {
    pub fn new(request: RequestId, reply: Reply, state: AnswerState, cost: CostState) -> Self {
        Self {
            request,
            reply,
            state,
            cost,
            attempts: 1,
            text: MarkdownText::default(),
            thinking: WrappedText::default(),
        }
    }

    /// Brings the rows up to date with the reply: each of the text and the reasoning only when
    /// it changed (a content token leaves the reasoning's rows alone, and the other way round).
    pub fn render(&mut self, width: u16, cx: &Ctx<'_>) {
        let finished = !self.state.is_live();
        if !self
            .text
            .is_current(&self.reply.content, width, finished, cx)
        {
            self.text.update(&self.reply.content, width, finished, cx);
        }
        let narrow = width.saturating_sub(REASONING_BAR).max(1);
        if self.thinking.width() != narrow {
            self.thinking.rewrap(&self.reply.reasoning, narrow);
        } else if !self.thinking.is_current(&self.reply.reasoning, narrow) {
            self.thinking.update(&self.reply.reasoning);
        }
    }

    /// Whether the rows are up to date for `width` and `cx` (views may show them as they are).
    pub fn is_rendered(&self, width: u16, cx: &Ctx<'_>) -> bool {
        let narrow = width.saturating_sub(REASONING_BAR).max(1);
        self.text
            .is_current(&self.reply.content, width, !self.state.is_live(), cx)
            && self.thinking.is_current(&self.reply.reasoning, narrow)
    }

    /// Whether there is a reasoning block to show (text, or reasoning the provider hid).
    pub fn has_reasoning(&self) -> bool {
        !self.reply.reasoning.is_empty() || self.hidden_reasoning()
    }

    fn hidden_reasoning(&self) -> bool {
        self.reply.reasoning.is_empty()
            && self
                .reply
                .reasoning_details
                .iter()
                .any(|d| d.get("type").and_then(|t| t.as_str()) == Some("reasoning.encrypted"))
    }

    /// Rows of the reasoning block: a header, and when expanded its text and a blank row.
    pub fn reasoning_rows(&self, expanded: bool) -> usize {
        match (self.has_reasoning(), expanded) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 1 + self.thinking.len() + 1,
        }
    }

    /// The reasoning block's header: how much thinking, in tokens and cost where the gateway
    /// reported them (else in characters).
    pub fn reasoning_header(&self, expanded: bool) -> String {
        let mark = if expanded { "▾" } else { "▸" };
        let chars = self.reply.reasoning.chars().count();
        let tokens = self.reply.usage.filter(|u| u.reasoning_tokens > 0);
        let mut text = if self.hidden_reasoning() {
            format!("{mark} reasoning hidden by the provider")
        } else if self.state.is_live() && self.reply.content.is_empty() {
            format!("{mark} thinking… {chars} chars")
        } else if tokens.is_none() {
            format!("{mark} reasoning · {chars} chars")
        } else {
            format!("{mark} reasoning")
        };
        if let Some(u) = tokens {
            text.push_str(&format!(" · {} tok", u.reasoning_tokens));
            if let Some(c) = u.reasoning_cost() {
                text.push_str(&format!(" · {c}"));
            }
        }
        text
    }
}

/// What a finished answer's footer says: provider, cost, tokens, speed, or the failure.
/// `None` while it is live (the view draws a spinner then). A blind round leaves out the
/// provider and the model that served; views reach this through `Identity::footer`.
pub(super) fn footer_text(a: &Answer, pane_model: &str, blind: bool) -> Option<Clean> {
    let r = &a.reply;
    let mut parts = Vec::new();
    match &a.state {
        AnswerState::Waiting | AnswerState::Streaming | AnswerState::Retrying { .. } => {
            return None;
        }
        AnswerState::Failed(e) => return Some(error_text(e)),
        AnswerState::Stopped => parts.push("■ stopped".to_owned()),
        AnswerState::Interrupted => {
            parts.push("⚠ interrupted when modelroom last stopped".to_owned())
        }
        AnswerState::Complete => parts.push("──".to_owned()),
    }
    if let Some(p) = r.provider.as_ref().filter(|_| !blind) {
        parts.push(p.to_string());
    }
    parts.push(match a.cost {
        CostState::Reported(c) => c.to_string(),
        CostState::Pending => "cost pending…".to_owned(),
        CostState::Unknown => "cost unknown".to_owned(),
    });
    if let Some(u) = r.usage {
        let mut tokens = format!("{}→{} tok", u.prompt_tokens, u.completion_tokens);
        if u.reasoning_tokens > 0 {
            tokens.push_str(&format!(" ({} reasoning)", u.reasoning_tokens));
        }
        parts.push(tokens);
    }
    if let Some(ttft) = r.ttft {
        parts.push(format!("TTFT {:.2} s", ttft.as_secs_f64()));
    }
    // A stopped answer's billed tokens may exceed what streamed; its speed would mislead.
    if let Some(tps) = r
        .tokens_per_second()
        .filter(|_| a.state == AnswerState::Complete)
    {
        parts.push(format!("{tps:.0} tok/s"));
    }
    for note in r.warnings().into_iter().chain(r.finish_note()) {
        parts.push(format!("⚠ {note}"));
    }
    if let Some(served) = r
        .served_model
        .as_deref()
        .filter(|m| *m != pane_model && !blind)
    {
        parts.push(format!("via {served}"));
    }
    let text = parts.join(" · ");
    Some(Clean::line(&text.replacen("── · ", "── ", 1)))
}

/// A failure in words a person can act on: what happened, then what to do.
pub fn error_text(e: &ApiError) -> Clean {
    let text = match e.hint() {
        Some(hint) => format!("✗ {e} — {hint}"),
        None => format!("✗ {e}"),
    };
    // Gateway messages are untrusted text too.
    Clean::line(&text)
}
