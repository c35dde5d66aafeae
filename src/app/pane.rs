//! One pane: a model, its conversation, the answer streaming into it, and where it is scrolled.
//! Text is wrapped here (in `update`), once per width; views only copy the visible rows.

use tokio::time::Instant;

use super::text::{WrappedText, wrap};
use super::{PaneId, RequestId};
use crate::api::{ApiError, Reply};
use crate::chat::{Cost, Message, Usage};

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
    pub text: WrappedText,
}

impl Answer {
    pub fn usage(&self) -> Option<Usage> {
        self.reply.usage
    }
}

#[derive(Debug, Clone)]
pub enum Entry {
    Prompt { text: String, lines: WrappedText },
    Answer(Box<Answer>),
}

/// Scroll position. `follow` pins the view to the bottom while an answer grows; scrolling up
/// unpins it at an absolute `top` line so new text does not move what the person is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    pub follow: bool,
    pub top: usize,
}

impl Default for Scroll {
    fn default() -> Self {
        Self {
            follow: true,
            top: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pane {
    pub id: PaneId,
    pub model: String,
    pub entries: Vec<Entry>,
    pub scroll: Scroll,
    /// Text width the entries are wrapped to (the pane's inner width).
    pub width: u16,
    /// Rows the transcript shows (the pane's inner height).
    pub height: u16,
    /// A note about the pane itself, e.g. "model rejected: rebind with Alt+M".
    pub note: Option<String>,
    /// OpenRouter routing preferences for this pane's requests.
    pub routing: crate::api::Routing,
    /// The model that served the latest answer, when it is not the one asked for (a fallback).
    pub served_instead: Option<String>,
}

impl Pane {
    pub fn new(id: PaneId, model: impl Into<String>) -> Self {
        Self {
            id,
            model: model.into(),
            entries: Vec::new(),
            scroll: Scroll::default(),
            width: 40,
            height: 10,
            note: None,
            routing: crate::api::Routing::default(),
            served_instead: None,
        }
    }

    pub fn answers(&self) -> impl DoubleEndedIterator<Item = &Answer> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Answer(a) => Some(a.as_ref()),
            Entry::Prompt { .. } => None,
        })
    }

    pub fn last_answer(&self) -> Option<&Answer> {
        self.answers().next_back()
    }

    pub fn answer_mut(&mut self, request: RequestId) -> Option<&mut Answer> {
        self.entries.iter_mut().rev().find_map(|e| match e {
            Entry::Answer(a) if a.request == request => Some(a.as_mut()),
            _ => None,
        })
    }

    /// The request currently streaming (or waiting, or retrying), if any.
    pub fn live_request(&self) -> Option<RequestId> {
        self.last_answer()
            .filter(|a| a.state.is_live())
            .map(|a| a.request)
    }

    pub fn is_live(&self) -> bool {
        self.live_request().is_some()
    }

    /// Sum of known costs, and how many answers still have a pending cost.
    pub fn spend(&self) -> (Cost, usize) {
        let mut total = Cost::ZERO;
        let mut pending = 0;
        for a in self.answers() {
            match a.cost {
                CostState::Reported(c) => total += c,
                CostState::Pending => pending += 1,
                CostState::Unknown => {}
            }
        }
        (total, pending)
    }

    /// The provider that served the latest answer that named one.
    pub fn last_provider(&self) -> Option<&str> {
        self.answers()
            .rev()
            .find_map(|a| a.reply.provider.as_deref())
    }

    /// The conversation before entry `upto`: each prompt with its latest answer (a regenerated
    /// answer replaces the earlier one). A prompt whose answer has no text is left out with it:
    /// it never reached the model, and user/assistant turns must alternate.
    pub fn history(&self, upto: usize) -> Vec<Message> {
        let entries = &self.entries[..upto.min(self.entries.len())];
        let mut out = Vec::new();
        let mut i = 0;
        while i < entries.len() {
            let Entry::Prompt { text, .. } = &entries[i] else {
                i += 1;
                continue;
            };
            let mut latest = None;
            i += 1;
            while let Some(Entry::Answer(a)) = entries.get(i) {
                latest = Some(a);
                i += 1;
            }
            if let Some(a) = latest.filter(|a| !a.reply.content.is_empty()) {
                out.push(Message::user(text.clone()));
                out.push(a.reply.to_message());
            }
        }
        out
    }

    /// Wraps every entry for a new width. Only called when the width changes.
    pub fn rewrap(&mut self, width: u16) {
        if width == self.width {
            return;
        }
        self.width = width;
        for entry in &mut self.entries {
            match entry {
                Entry::Prompt { text, lines } => *lines = WrappedText::new(text, width),
                Entry::Answer(a) => a.text.rewrap(&a.reply.content, width),
            }
        }
    }

    pub fn total_lines(&self) -> usize {
        self.entries
            .iter()
            .map(|e| entry_height(e, self.width, &self.model))
            .sum()
    }

    /// Scrolls by `delta` lines (negative is up); reaching the bottom resumes following.
    pub fn scroll_by(&mut self, delta: isize) {
        let height = usize::from(self.height.max(1));
        let max_top = self.total_lines().saturating_sub(height);
        let top = if self.scroll.follow {
            max_top
        } else {
            self.scroll.top.min(max_top)
        };
        let new_top = top.saturating_add_signed(delta).min(max_top);
        self.scroll = Scroll {
            follow: new_top >= max_top && delta >= 0,
            top: new_top,
        };
    }

    pub fn scroll_to_top(&mut self) {
        self.scroll = Scroll {
            follow: self.total_lines() <= usize::from(self.height),
            top: 0,
        };
    }

    pub fn scroll_to_bottom(&mut self) {
        self.scroll = Scroll::default();
    }
}

/// Rows an entry takes: its wrapped lines, an answer's footer, and one blank separator.
pub fn entry_height(entry: &Entry, width: u16, pane_model: &str) -> usize {
    match entry {
        Entry::Prompt { lines, .. } => lines.len() + 1,
        Entry::Answer(a) => a.text.len() + 1 + footer_rows(a, width, pane_model),
    }
}

/// A live answer's footer is one row (a spinner); a finished one's wraps like text.
pub fn footer_rows(a: &Answer, width: u16, pane_model: &str) -> usize {
    footer_text(a, pane_model).map_or(1, |t| wrap_note(&t, width).len())
}

/// What a finished answer's footer says: provider, cost, tokens, speed, or the failure.
/// `None` while it is live (the view draws a spinner then).
pub fn footer_text(a: &Answer, pane_model: &str) -> Option<String> {
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
    if let Some(p) = &r.provider {
        parts.push(p.clone());
    }
    parts.push(match a.cost {
        CostState::Reported(c) => c.to_string(),
        CostState::Pending => "cost pending…".to_owned(),
        CostState::Unknown => "cost unknown".to_owned(),
    });
    if let Some(u) = r.usage {
        parts.push(format!("{}→{} tok", u.prompt_tokens, u.completion_tokens));
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
    if r.damage.is_some() {
        parts.push("⚠ a chunk was undecodable".to_owned());
    }
    if let Some(served) = r.served_model.as_deref().filter(|m| *m != pane_model) {
        parts.push(format!("via {served}"));
    }
    let text = parts.join(" · ");
    Some(text.replacen("── · ", "── ", 1))
}

/// A failure in words a person can act on: what happened, then what to do.
pub fn error_text(e: &ApiError) -> String {
    let text = match e.hint() {
        Some(hint) => format!("✗ {e} — {hint}"),
        None => format!("✗ {e}"),
    };
    // Gateway messages are untrusted text too.
    crate::sanitize::sanitize(&text, " ")
}

pub fn prompt_entry(text: String, width: u16) -> Entry {
    let lines = WrappedText::new(&text, width);
    Entry::Prompt { text, lines }
}

/// Wraps a one-off string (an error message) to the pane width.
pub fn wrap_note(text: &str, width: u16) -> Vec<String> {
    wrap(text, usize::from(width.max(1)))
}
