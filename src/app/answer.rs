//! One answer: the reply as it streams, where it stands, what it cost, and its rendered rows
//! (markdown for the text, plain wrapped rows for the reasoning). An answer is one state
//! machine: `apply` takes a stream event through one exhaustive match (fold the text in,
//! sanitised; move the state; settle the cost) and says what came of it. Rows are rendered
//! here, in `update`; views copy the ones in sight.

use std::time::Duration;

use tokio::time::Instant;

use super::RequestId;
use crate::api::{ApiError, Reply, StreamEvent};
pub use crate::chat::CostState;
use crate::chat::{Cost, Usage};
use crate::markdown::{Ctx, MarkdownText};
use crate::sanitize::Clean;
use crate::text::WrappedText;

/// Columns the reasoning block's bar takes ("│ ").
pub const REASONING_BAR: u16 = 2;

/// Where an answer stands. What it says lives here once: the text, timing and a failure's
/// error are the reply's (`Reply::error`), the cost is `CostState`.
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
    /// Ended by a failure; the text so far is kept and `Reply::error` says why.
    Failed,
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
    /// Which of its prompt's samples this answer is, when there are several: (k, of K).
    pub sample: Option<(u32, u32)>,
    /// Waiting for its endpoint's limit of answers at once (`max_concurrent_requests`).
    pub queued: bool,
}

/// What the room needs to know about an answer to apply an event.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Tries of a rate-limited request before it fails.
    pub max_attempts: u8,
    /// The gateway keeps generation records, so a cost it did not stream can be asked for.
    pub reconcilable: bool,
}

/// What applying one event did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Applied {
    /// Text or reasoning grew: its rows want rendering.
    pub grew: bool,
    /// The provider or the served model became known.
    pub served: bool,
    /// The answer ended (complete or failed): render it whole, charge it, save it.
    pub ended: bool,
    /// Rate limited: ask again after this long.
    pub retry_after: Option<Duration>,
    /// The gateway rejected the model itself (the pane should be rebound).
    pub rejected: bool,
}

impl Answer {
    /// Takes one event of this answer's stream (the caller has dropped stale ones).
    pub fn apply(&mut self, event: StreamEvent, now: Instant, policy: Policy) -> Applied {
        let mut out = Applied::default();
        let r = &mut self.reply;
        match event {
            StreamEvent::Opened { generation_id } => r.generation_id = generation_id,
            StreamEvent::Queued => {
                self.queued = true;
                out.grew = true;
            }
            StreamEvent::Dequeued => {
                self.queued = false;
                r.restart(now);
                out.grew = true;
            }
            StreamEvent::Served {
                id,
                model,
                provider,
            } => {
                r.served(id, model, provider);
                out.served = true;
            }
            StreamEvent::Content(text) => {
                r.push_content(&text, now);
                self.state = AnswerState::Streaming;
                out.grew = true;
            }
            StreamEvent::Reasoning(text) => {
                r.push_reasoning(&text, now);
                self.state = AnswerState::Streaming;
                out.grew = true;
            }
            StreamEvent::ReasoningDetails(items) => {
                crate::api::merge_reasoning_details(&mut r.reasoning_details, items);
                out.grew = true;
            }
            StreamEvent::Citations(cited) => {
                crate::api::citations::merge(&mut r.citations, cited);
                out.grew = true;
            }
            StreamEvent::Usage(usage) => r.usage = Some(usage),
            StreamEvent::Finished(reason) => r.finished(reason),
            StreamEvent::Damaged(err) => r.damaged(err),
            StreamEvent::Done => {
                r.end(now);
                self.state = AnswerState::Complete;
                self.cost = self.settled_cost(policy);
                out.ended = true;
            }
            StreamEvent::Failed(err) => {
                if let (Some(after), true) =
                    (err.rate_limit_wait(), self.attempts < policy.max_attempts)
                {
                    self.state = AnswerState::Retrying { at: now + after };
                    self.cost = CostState::Reported(Cost::ZERO);
                    out.retry_after = Some(after);
                    return out;
                }
                self.cost = match err {
                    // Refused before anything was generated: nothing is billed.
                    ApiError::Http { .. } => CostState::Reported(Cost::ZERO),
                    _ => self.settled_cost(policy),
                };
                out.rejected = rejected_model(&err);
                let err = err.after_attempts(self.attempts);
                self.state = AnswerState::Failed;
                self.reply.fail(err, now);
                out.ended = true;
            }
        }
        out
    }

    /// Stops a live answer, keeping its text: `true` when a stream was running (a retry that
    /// was only waiting costs nothing and has no stream to cancel).
    pub fn stop(&mut self, now: Instant, policy: Policy) -> bool {
        let was_retrying = matches!(self.state, AnswerState::Retrying { .. });
        self.state = AnswerState::Stopped;
        self.reply.end(now);
        self.cost = if was_retrying {
            CostState::Reported(Cost::ZERO)
        } else {
            self.settled_cost(policy)
        };
        !was_retrying
    }

    /// The generation to ask the gateway about, while this answer's cost is pending.
    pub fn to_reconcile(&self) -> Option<&str> {
        (self.cost == CostState::Pending)
            .then_some(self.reply.generation_id.as_deref())
            .flatten()
    }

    /// The cost of an answer that ended: reported with its usage; otherwise pending while the
    /// gateway's generation record can still tell it, else unknown (never assumed to be $0).
    fn settled_cost(&self, policy: Policy) -> CostState {
        let has_generation = policy.reconcilable && self.reply.generation_id.is_some();
        match self.reply.usage.as_ref().and_then(|u: &Usage| u.cost) {
            Some(c) => CostState::Reported(c),
            None if has_generation => CostState::Pending,
            None => CostState::Unknown,
        }
    }

    pub fn new(request: RequestId, reply: Reply, state: AnswerState, cost: CostState) -> Self {
        Self {
            request,
            reply,
            state,
            cost,
            attempts: 1,
            text: MarkdownText::lazy(),
            thinking: WrappedText::default(),
            sample: None,
            queued: false,
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

fn rejected_model(err: &ApiError) -> bool {
    match err {
        ApiError::Http {
            status: 400 | 404,
            message,
            ..
        } => {
            let m = message.to_ascii_lowercase();
            m.contains("model")
                && (m.contains("not a valid")
                    || m.contains("not found")
                    || m.contains("no endpoints"))
        }
        _ => false,
    }
}

/// What a finished answer's footer says: provider, cost, tokens, speed, or the failure.
/// `None` while it is live (the view draws a spinner then). A blind round leaves out the
/// provider and the model that served; views reach this through `Identity::footer`, which
/// passes the words of a fallback that served (`crate::served`), said in place of `via …`.
pub(super) fn footer_text(
    a: &Answer,
    pane_model: &str,
    blind: bool,
    fallback: Option<&str>,
) -> Option<Clean> {
    let r = &a.reply;
    let mut parts = Vec::new();
    match &a.state {
        AnswerState::Waiting | AnswerState::Streaming | AnswerState::Retrying { .. } => {
            return None;
        }
        AnswerState::Failed => {
            // What the failure cost: `$0` when it was refused before any token.
            let cost = match a.cost {
                CostState::Reported(c) => c.to_string(),
                CostState::Pending => "cost pending…".to_owned(),
                CostState::Unknown => "cost unknown".to_owned(),
            };
            let error = r
                .error
                .as_ref()
                .map_or_else(|| Clean::line("✗ failed"), error_text);
            return Some(Clean::line(&format!("{error} · {cost}")));
        }
        AnswerState::Stopped => parts.push(format!("■ {}", crate::chat::STOPPED_NOTE)),
        AnswerState::Interrupted => {
            parts.push("⚠ interrupted when modelroom last stopped".to_owned())
        }
        AnswerState::Complete => parts.push("──".to_owned()),
    }
    if let Some((k, n)) = a.sample {
        parts.push(format!("sample {k}/{n}"));
    }
    if let Some(p) = r.provider.as_ref().filter(|_| !blind) {
        parts.push(p.to_string());
    }
    // Price, length and speed tell a model as well as its name: a blind round shows none.
    if blind {
        parts.extend(r.warnings().into_iter().map(|n| format!("⚠ {n}")));
        return Some(Clean::line(&parts.join(" · ").replacen("── · ", "── ", 1)));
    }
    parts.push(match a.cost {
        CostState::Reported(c) => c.to_string(),
        CostState::Pending => "cost pending…".to_owned(),
        CostState::Unknown => "cost unknown".to_owned(),
    });
    // The searches' share of the cost above (already in it), shown apart.
    parts.extend(r.usage.and_then(|u| u.search_label()));
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
    if let Some(note) = fallback.filter(|_| !blind) {
        parts.push(note.to_owned());
    } else if let Some(served) = r
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> Answer {
        Answer::new(
            RequestId(1),
            Reply::new(Instant::now()),
            AnswerState::Waiting,
            CostState::Pending,
        )
    }

    const POLICY: Policy = Policy {
        max_attempts: 2,
        reconcilable: true,
    };

    #[tokio::test]
    async fn a_cut_filtered_or_stopped_answer_says_so_in_words() {
        use crate::chat::FinishReason;
        let footer = |state, finish: Option<FinishReason>| {
            let mut a = answer();
            a.state = state;
            a.cost = CostState::Reported(Cost::ZERO);
            a.reply.finish_reason = finish;
            footer_text(&a, "m", false, None).unwrap().to_string()
        };
        let cut = footer(AnswerState::Complete, Some(FinishReason::Length));
        assert!(
            cut.contains("cut off at max_tokens (finish: length)"),
            "{cut}"
        );
        let filtered = footer(AnswerState::Complete, Some(FinishReason::ContentFilter));
        assert!(filtered.contains("content filter"), "{filtered}");
        let stopped = footer(AnswerState::Stopped, None);
        assert!(stopped.contains(crate::chat::STOPPED_NOTE), "{stopped}");
        let plain = footer(AnswerState::Complete, Some(FinishReason::Stop));
        assert!(!plain.contains('⚠'), "{plain}");
    }

    #[tokio::test]
    async fn one_event_moves_the_state_and_says_what_it_did() {
        let now = Instant::now();
        let mut a = answer();
        let applied = a.apply(StreamEvent::Content("a\u{1b}[2Jb".into()), now, POLICY);
        assert_eq!((applied.grew, applied.ended), (true, false));
        assert_eq!(
            (a.state.clone(), a.reply.content.as_str()),
            (AnswerState::Streaming, "ab")
        );
        let rate_limited = ApiError::Http {
            status: 429,
            code: None,
            message: "slow down".into(),
            provider: None,
            raw: None,
            retry_after: Some(Duration::from_secs(2)),
        };
        let applied = a.apply(StreamEvent::Failed(rate_limited.clone()), now, POLICY);
        assert_eq!(applied.retry_after, Some(Duration::from_secs(2)));
        assert!(a.state.is_live());
        a.attempts = 2;
        let applied = a.apply(StreamEvent::Failed(rate_limited), now, POLICY);
        assert!(applied.ended && applied.retry_after.is_none());
        assert_eq!(a.cost, CostState::Reported(Cost::ZERO));
        // After every retry, the footer says so rather than "retry in 2 s".
        let footer = footer_text(&a, "m", false, None).unwrap().to_string();
        assert!(
            footer.contains("still rate limited after 2 attempts"),
            "{footer}"
        );
        assert!(!footer.contains("retry in"), "{footer}");
        assert!(footer.contains("· $0"), "a refusal costs nothing: {footer}");

        let mut b = answer();
        b.apply(
            StreamEvent::Opened {
                generation_id: Some("gen-1".into()),
            },
            now,
            POLICY,
        );
        let applied = b.apply(StreamEvent::Done, now, POLICY);
        assert!(applied.ended);
        assert_eq!(
            (b.state.clone(), b.cost, b.to_reconcile()),
            (AnswerState::Complete, CostState::Pending, Some("gen-1"))
        );
    }
}
