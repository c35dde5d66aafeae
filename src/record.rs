//! An answer as a session file keeps it, and back: the one mapping between a folded reply
//! (`api::Reply`, how it ended, what it cost) and its `store::AnswerRecord`. The room's saves,
//! `sessions rerun` and a reopened session all go through here, so a field is mapped once.
//! It sits above `api` and `store`, which know nothing of each other.

use std::time::Duration;

use tokio::time::Instant;

use crate::api::{ApiError, Citation, ErrorCode, Reply};
use crate::chat::{Cost, CostState, FinishReason};
use crate::sanitize::Clean;
use crate::store::{AnswerRecord, CitationRecord, CostStatus, ErrorRecord, Finish};

/// The record of `reply`, ended as `finish` (a failed one keeps the reply's error), costing
/// what `cost` says.
pub fn answer_record(reply: &Reply, finish: Finish, cost: CostState) -> AnswerRecord {
    let ms = |d: Option<Duration>| d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let (cost_usd, cost_status) = match cost {
        CostState::Reported(c) => (Some(c.as_usd()), CostStatus::Reported),
        CostState::Pending => (None, CostStatus::Pending),
        CostState::Unknown => (None, CostStatus::Unknown),
    };
    AnswerRecord {
        content: reply.content.to_string(),
        reasoning: reply.reasoning.to_string(),
        reasoning_details: reply.reasoning_details.clone(),
        model: reply.served_model.as_deref().map(str::to_owned),
        provider: reply.provider.as_deref().map(str::to_owned),
        generation_id: reply.generation_id.clone(),
        usage: reply.usage,
        cost_usd,
        cost_status,
        ttft_ms: ms(reply.ttft),
        duration_ms: ms(reply.duration),
        finish,
        finish_reason: reply.finish_reason.as_ref().map(|f| f.as_str().to_owned()),
        error: reply
            .error
            .as_ref()
            .filter(|_| finish == Finish::Failed)
            .map(error_record),
        citations: reply
            .citations
            .iter()
            .map(|c| CitationRecord {
                url: c.url.to_string(),
                title: c.title.to_string(),
            })
            .collect(),
    }
}

/// What is kept of a failure: its status, code and the sentence a person read.
pub fn error_record(e: &ApiError) -> ErrorRecord {
    ErrorRecord {
        status: e.status(),
        code: e.code().to_string(),
        message: e.to_string(),
    }
}

/// The reply a record was made of (`now` stands for when it started; its own timing is kept). A session file is
/// untrusted like a server: its text enters state through `Clean`.
pub fn restore_reply(a: &AnswerRecord, now: Instant) -> Reply {
    let mut reply = Reply::new(now);
    reply.content = Clean::text(&a.content);
    reply.reasoning = Clean::text(&a.reasoning);
    reply.reasoning_details.clone_from(&a.reasoning_details);
    reply.served_model = a.model.as_deref().map(Clean::line);
    reply.provider = a.provider.as_deref().map(Clean::line);
    reply.generation_id.clone_from(&a.generation_id);
    reply.usage = a.usage;
    // A file's sources are untrusted like a server's: cleaned and capped the same way.
    let cited = a
        .citations
        .iter()
        .filter_map(|c| Citation::new(&c.url, &c.title))
        .collect();
    crate::api::citations::merge(&mut reply.citations, cited);
    reply.finish_reason = a.finish_reason.clone().map(FinishReason::from);
    reply.ttft = a.ttft_ms.map(Duration::from_millis);
    reply.duration = a.duration_ms.map(Duration::from_millis);
    if a.finish == Finish::Failed {
        reply.error = Some(restore_error(a.error.as_ref()));
    }
    reply
}

/// Where a record's cost stands: pending only while there is a generation to ask about.
pub fn restore_cost(a: &AnswerRecord) -> CostState {
    match (a.cost_status, a.cost_usd) {
        (CostStatus::Reported, Some(c)) => CostState::Reported(Cost::usd(c)),
        (CostStatus::Pending, _) if a.generation_id.is_some() => CostState::Pending,
        _ => CostState::Unknown,
    }
}

/// A saved error comes back as its words; its HTTP status and code survive where known.
fn restore_error(e: Option<&ErrorRecord>) -> ApiError {
    let Some(e) = e else {
        return ApiError::InStream {
            code: None,
            message: "failed (no details were saved)".into(),
            provider: None,
        };
    };
    let code = e
        .code
        .parse::<i64>()
        .map_or_else(|_| ErrorCode::Text(e.code.clone()), ErrorCode::Number);
    // The saved message is the full sentence already; strip the status prefix Display adds back.
    let message = e
        .message
        .split_once(": ")
        .map_or(e.message.as_str(), |(_, m)| m)
        .to_owned();
    match e.status {
        Some(status) => ApiError::Http {
            status,
            code: Some(code),
            message,
            provider: None,
            raw: None,
            retry_after: None,
        },
        None => ApiError::InStream {
            code: Some(code),
            message,
            provider: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::StreamEvent;

    #[test]
    fn an_answer_saved_before_web_search_loads_and_a_files_sources_are_cleaned() {
        let old = r#"{"content":"hi","usage":{"prompt_tokens":1,"completion_tokens":2,"cost":0.5},
            "cost_usd":0.5,"cost_status":"reported","finish":"complete"}"#;
        let a: AnswerRecord = serde_json::from_str(old).unwrap();
        let back = restore_reply(&a, Instant::now());
        assert!(back.citations.is_empty());
        assert_eq!(back.usage.map(|u| u.web_search_requests), Some(0));
        let hostile = r#"{"content":"hi","cost_status":"unknown","finish":"complete",
            "citations":[{"url":"https://a.example/\u001b[2J","title":"A\u001b]0;pwn\u0007"},{"url":""}]}"#;
        let a: AnswerRecord = serde_json::from_str(hostile).unwrap();
        let back = restore_reply(&a, Instant::now());
        assert_eq!(back.citations.len(), 1);
        assert_eq!(
            (
                back.citations[0].url.as_str(),
                back.citations[0].title.as_str()
            ),
            ("https://a.example/", "A")
        );
        let saved = answer_record(&back, Finish::Complete, CostState::Unknown);
        assert_eq!(saved.citations[0].url, "https://a.example/");
    }

    #[test]
    fn a_failed_answer_and_its_cost_go_to_the_file_and_come_back() {
        let now = Instant::now();
        let mut reply = Reply::new(now);
        reply.apply(StreamEvent::Content("half".into()), now);
        let failure = ApiError::Http {
            status: 402,
            code: Some(ErrorCode::Number(402)),
            message: "no credits".into(),
            provider: None,
            raw: None,
            retry_after: None,
        };
        reply.apply(StreamEvent::Failed(failure.clone()), now);
        let saved = answer_record(&reply, Finish::Failed, CostState::Pending);
        assert_eq!(saved.error, Some(error_record(&failure)));
        assert_eq!(
            (saved.cost_usd, saved.cost_status),
            (None, CostStatus::Pending)
        );
        let back = restore_reply(&saved, now);
        assert_eq!(back.content, "half");
        assert_eq!(back.error.as_ref().and_then(ApiError::status), Some(402));
        // Pending needs a generation to ask about; without one the cost is unknown.
        assert_eq!(restore_cost(&saved), CostState::Unknown);
        // A record that is not failed keeps no error, whatever the reply holds.
        let kept = answer_record(&reply, Finish::Stopped, Some(Cost::usd(0.5)).into());
        assert_eq!(kept.error, None);
        assert_eq!(restore_cost(&kept), CostState::Reported(Cost::usd(0.5)));
    }
}
