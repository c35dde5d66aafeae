//! `Reply`: one model's answer folded from its stream of events, with its timing.
//! Both the headless `ask` and the room fold events through here, so they agree on what an
//! answer is (first finish reason, merged reasoning details, partial text kept on failure).
//! The text a server sends is sanitised as it is folded in: every displayed field is `Clean`.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::error::ApiError;
use super::{Damage, StreamEvent};
use crate::chat::{Cost, FinishReason, Message, Role, Usage};
use crate::sanitize::{Clean, Sanitizer};

#[derive(Debug, Clone)]
pub struct Reply {
    pub generation_id: Option<String>,
    /// The model that actually served, from the response (fallbacks and canonical slugs
    /// differ from what was asked for).
    pub served_model: Option<Clean>,
    pub provider: Option<Clean>,
    pub content: Clean,
    pub reasoning: Clean,
    pub reasoning_details: Vec<Value>,
    /// Web sources the answer cites, in the order first cited, each address once.
    pub citations: Vec<super::Citation>,
    pub usage: Option<Usage>,
    pub finish_reason: Option<FinishReason>,
    /// The first undecodable chunk, kept even though the stream went on.
    pub damage: Option<ApiError>,
    /// How many chunks were undecodable and skipped.
    pub undecodable: u64,
    /// Invalid UTF-8 sequences replaced with U+FFFD.
    pub invalid_utf8: u64,
    /// Why the reported cost was refused, when it was.
    pub cost_refused: Option<String>,
    /// The failure that ended the stream, if one did (the room's `AnswerState::Failed` says
    /// only that it failed; this says why).
    pub error: Option<ApiError>,
    started: Instant,
    pub ttft: Option<Duration>,
    pub duration: Option<Duration>,
    /// Where the content and reasoning streams stand inside an escape sequence.
    content_stream: Sanitizer,
    reasoning_stream: Sanitizer,
}

impl Reply {
    pub fn new(started: Instant) -> Self {
        Self {
            generation_id: None,
            served_model: None,
            provider: None,
            content: Clean::default(),
            reasoning: Clean::default(),
            reasoning_details: Vec::new(),
            citations: Vec::new(),
            usage: None,
            finish_reason: None,
            damage: None,
            undecodable: 0,
            invalid_utf8: 0,
            cost_refused: None,
            error: None,
            started,
            ttft: None,
            duration: None,
            content_stream: Sanitizer::default(),
            reasoning_stream: Sanitizer::default(),
        }
    }

    /// Folds one event in; `now` is when it arrived. The room's answers fold through
    /// `app::Answer::apply`, which moves their state in the same match; both use the pieces
    /// below.
    pub fn apply(&mut self, event: StreamEvent, now: Instant) {
        match event {
            StreamEvent::Opened { generation_id } => self.generation_id = generation_id,
            StreamEvent::Queued => {}
            StreamEvent::Dequeued => self.restart(now),
            StreamEvent::Served {
                id,
                model,
                provider,
            } => self.served(id, model, provider),
            StreamEvent::Content(text) => self.push_content(&text, now),
            StreamEvent::Reasoning(text) => self.push_reasoning(&text, now),
            StreamEvent::ReasoningDetails(items) => {
                merge_reasoning_details(&mut self.reasoning_details, items);
            }
            StreamEvent::Citations(cited) => super::citations::merge(&mut self.citations, cited),
            StreamEvent::Usage(usage) => self.usage = Some(usage),
            StreamEvent::Finished(reason) => self.finished(reason),
            StreamEvent::Damaged(err) => self.damaged(err),
            StreamEvent::Failed(err) => self.fail(err, now),
            StreamEvent::Done => self.end(now),
        }
    }

    /// The request left its endpoint's queue: its times count from now, not from the wait.
    pub fn restart(&mut self, now: Instant) {
        self.started = now;
    }

    /// Who served: the generation id (if `Opened` did not say), the model and the provider.
    pub fn served(&mut self, id: Option<String>, model: Option<String>, provider: Option<String>) {
        if self.generation_id.is_none() {
            self.generation_id = id;
        }
        if let Some(m) = model {
            self.served_model = Some(Clean::line(&m));
        }
        if let Some(p) = provider {
            self.provider = Some(Clean::line(&p));
        }
    }

    /// The next piece of the answer, sanitised by its stream's own sanitiser.
    pub fn push_content(&mut self, text: &str, now: Instant) {
        self.first_token(now);
        self.content.push_piece(&mut self.content_stream, text);
    }

    /// The next piece of the reasoning, sanitised by its stream's own sanitiser.
    pub fn push_reasoning(&mut self, text: &str, now: Instant) {
        self.first_token(now);
        self.reasoning.push_piece(&mut self.reasoning_stream, text);
    }

    /// The first finish reason wins.
    pub fn finished(&mut self, reason: FinishReason) {
        if self.finish_reason.is_none() {
            self.finish_reason = Some(reason);
        }
    }

    /// Damage the stream survived: counted and kept for the warnings (the first undecodable
    /// chunk's error, replaced bytes, a refused cost).
    pub fn damaged(&mut self, damage: Damage) {
        match damage {
            Damage::Undecodable(err) => {
                self.undecodable = self.undecodable.saturating_add(1);
                if self.damage.is_none() {
                    self.damage = Some(err);
                }
            }
            Damage::InvalidUtf8 { replaced } => {
                self.invalid_utf8 = self.invalid_utf8.max(replaced);
            }
            Damage::CostRefused(why) => self.cost_refused = Some(why),
        }
    }

    /// A terminal failure; the text so far is kept.
    pub fn fail(&mut self, err: ApiError, now: Instant) {
        self.error = Some(err);
        self.end(now);
    }

    fn first_token(&mut self, now: Instant) {
        if self.ttft.is_none() {
            self.ttft = Some(now.saturating_duration_since(self.started));
        }
    }

    /// The stream ended (done, failed or stopped): the duration is taken once.
    pub fn end(&mut self, now: Instant) {
        if self.duration.is_none() {
            self.duration = Some(now.saturating_duration_since(self.started));
        }
    }

    /// Whether the stream has ended (its duration is known).
    pub fn ended(&self) -> bool {
        self.duration.is_some()
    }

    /// The error that makes this answer failed. This is the one rule, for `ask` and the room
    /// alike: only a terminal failure fails an answer; damage it survived (a skipped chunk,
    /// replaced bytes, a refused cost) leaves it complete, with `warnings` saying what.
    pub fn failure(&self) -> Option<&ApiError> {
        self.error.as_ref()
    }

    /// What is not quite right with this answer, in words, for a footer or `ask`'s output.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.undecodable > 0 {
            let detail = self
                .damage
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            w.push(match self.undecodable {
                1 => format!("an undecodable chunk was skipped{detail}"),
                n => format!("{n} undecodable chunks were skipped; the first{detail}"),
            });
        }
        if self.invalid_utf8 > 0 {
            w.push(format!(
                "invalid UTF-8 replaced ({} sequence{})",
                self.invalid_utf8,
                if self.invalid_utf8 == 1 { "" } else { "s" }
            ));
        }
        if let Some(why) = &self.cost_refused {
            w.push(format!("cost refused: {why}"));
        }
        w
    }

    /// How the answer ended, in words, when it is not a plain stop (see `FinishReason::note`).
    pub fn finish_note(&self) -> Option<String> {
        self.finish_reason.as_ref().and_then(FinishReason::note)
    }

    pub fn cost(&self) -> Option<Cost> {
        self.usage.and_then(|u| u.cost)
    }

    /// Completion tokens per second after the first token, when both are known.
    pub fn tokens_per_second(&self) -> Option<f64> {
        let usage = self.usage?;
        let generating = self.duration?.checked_sub(self.ttft?)?;
        let secs = generating.as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        (secs > 0.0 && usage.completion_tokens > 0).then(|| usage.completion_tokens as f64 / secs)
    }

    /// The assistant turn to send back as history on the next request.
    pub fn to_message(&self) -> Message {
        Message {
            role: Role::Assistant,
            content: self.content.to_string(),
            reasoning_details: self.reasoning_details.clone(),
            attachments: Vec::new(),
        }
    }
}

/// Stream items arrive as fragments keyed by `index` and `type`; the gateway wants them back
/// merged: text concatenated, signature and other fields kept (openrouter-api.md §3.3).
pub fn merge_reasoning_details(acc: &mut Vec<Value>, items: Vec<Value>) {
    for item in items {
        let Value::Object(fragment) = item else {
            acc.push(item);
            continue;
        };
        let key = (
            fragment.get("type").cloned(),
            fragment.get("index").cloned(),
        );
        let existing = acc.iter_mut().find_map(|v| match v {
            Value::Object(o)
                if key.1.is_some() && (o.get("type").cloned(), o.get("index").cloned()) == key =>
            {
                Some(o)
            }
            _ => None,
        });
        let Some(target) = existing else {
            acc.push(Value::Object(fragment));
            continue;
        };
        for (k, v) in fragment {
            let appendable = matches!(k.as_str(), "text" | "summary" | "data");
            match (target.get_mut(&k), v) {
                (Some(Value::String(old)), Value::String(new)) if appendable => old.push_str(&new),
                (_, Value::Null) => {}
                (Some(Value::String(old)), Value::String(new))
                    if new.is_empty() && !old.is_empty() => {}
                (_, v) => {
                    target.insert(k, v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reasoning_fragments_merge_by_index_and_keep_the_signature() {
        let mut acc = Vec::new();
        merge_reasoning_details(
            &mut acc,
            vec![json!({"type":"reasoning.text","text":"","signature":"","format":"f","index":0})],
        );
        merge_reasoning_details(
            &mut acc,
            vec![json!({"type":"reasoning.text","text":"Two plus","format":"f","index":0})],
        );
        merge_reasoning_details(
            &mut acc,
            vec![json!({"type":"reasoning.text","text":" two.","format":"f","index":0})],
        );
        merge_reasoning_details(
            &mut acc,
            vec![json!({"type":"reasoning.text","signature":"SIG","format":"f","index":0})],
        );
        merge_reasoning_details(
            &mut acc,
            vec![json!({"type":"reasoning.encrypted","data":"xyz","index":1})],
        );
        assert_eq!(
            acc,
            vec![
                json!({"type":"reasoning.text","text":"Two plus two.","signature":"SIG","format":"f","index":0}),
                json!({"type":"reasoning.encrypted","data":"xyz","index":1}),
            ]
        );
    }

    #[test]
    fn first_finish_reason_wins_and_failure_keeps_partial_text() {
        let t0 = Instant::now();
        let mut r = Reply::new(t0);
        r.apply(StreamEvent::Content("half an ans".into()), t0);
        r.apply(StreamEvent::Finished(FinishReason::Length), t0);
        r.apply(StreamEvent::Finished(FinishReason::Stop), t0);
        r.apply(
            StreamEvent::Failed(ApiError::Dropped {
                detail: "eof".into(),
            }),
            t0,
        );
        assert_eq!(r.content, "half an ans");
        assert_eq!(r.finish_reason, Some(FinishReason::Length));
        assert!(r.ended() && r.failure().is_some());
    }
}
