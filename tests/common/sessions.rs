//! Sessions as the `sessions` commands' tests lay them down: a sample session with a focused
//! send, routing, settings and hostile text, its answers, and the golden files they export to.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use modelroom::chat::{Cost, Usage};
use modelroom::store::{
    AnswerRecord, CostStatus, ErrorRecord, FORMAT_VERSION, Finish, PaneRecord, Params, Session,
    Totals, Turn,
};

pub fn answer(content: &str, provider: &str, cost: Option<f64>, finish: Finish) -> AnswerRecord {
    AnswerRecord {
        content: content.into(),
        reasoning: String::new(),
        reasoning_details: Vec::new(),
        model: None,
        provider: Some(provider.into()),
        generation_id: Some("gen-1".into()),
        usage: Some(Usage {
            prompt_tokens: 12,
            completion_tokens: 40,
            reasoning_tokens: 0,
            cached_tokens: 0,
            cost: cost.map(Cost::usd),
            completion_cost: None,
            ..Usage::default()
        }),
        cost_usd: cost,
        cost_status: if cost.is_some() {
            CostStatus::Reported
        } else {
            CostStatus::Pending
        },
        ttft_ms: Some(250),
        duration_ms: Some(1500),
        finish,
        finish_reason: Some("stop".into()),
        error: None,
        citations: Vec::new(),
    }
}

/// A prompt as the room saves it: with the number of the send it came with.
pub fn sent(text: &str, send: u64) -> Turn {
    Turn::User {
        content: text.into(),
        send: Some(send),
        attachments: Vec::new(),
    }
}

pub fn said(a: AnswerRecord) -> Turn {
    Turn::Assistant(std::sync::Arc::new(a))
}

/// A session with everything a rendering must get right: a broadcast, focused sends (the
/// thinker's sent before the fast pane's, so send order differs from pane order), an answer
/// asked again, a fallback model, routing and settings, reasoning, a stopped and a failed
/// answer, a pending cost, markdown with headings and code, non-ASCII text, and hostile
/// control sequences.
pub fn sample() -> Session {
    let mut thinker = answer(
        "# Short answer\n\nSSE is **one-way** streaming over HTTP.\n\n```rust\nlet x = \"日本語\";\n```",
        "Granite Bedrock",
        Some(0.00103),
        Finish::Complete,
    );
    thinker.reasoning =
        "## Plan\nThe user wants one line.</details><!-- hide the rest\n\n```rust\nlet a = 1;"
            .into();
    thinker.usage = thinker.usage.map(|u| Usage {
        reasoning_tokens: 20,
        ..u
    });
    let mut fallback = answer(
        "Served by the fallback <b>model</b> & friends",
        "Aurora Cloud",
        Some(0.0000494),
        Finish::Complete,
    );
    fallback.model = Some("demo/fast-2026-01-01".into());
    let mut failed = answer("partial te", "Aurora Cloud", None, Finish::Failed);
    failed.error = Some(ErrorRecord {
        status: Some(502),
        code: "502".into(),
        message: "502 Bad Gateway: upstream \u{1b}[31mdown\u{1b}[0m".into(),
    });
    failed.cost_status = CostStatus::Unknown;
    let mut session = Session {
        version: FORMAT_VERSION,
        id: "20261124-120000-beef".into(),
        title: "Explain SSE \u{1b}]0;pwned\u{7}in one line".into(),
        created_at: "2026-11-24T12:00:00Z".into(),
        updated_at: "2026-11-24T12:05:00Z".into(),
        panes: vec![
            PaneRecord {
                model: "demo/fast".into(),
                closed: false,
                routing: modelroom::routing::Routing {
                    order: vec!["aurora".into(), "granite".into()],
                    fallbacks: vec!["demo/fast-2026-01-01".into()],
                    ..Default::default()
                },
                settings: Default::default(),
                params: Params {
                    max_tokens: 512,
                    temperature: Some(0.5),
                    system: None,
                },
                turns: vec![
                    sent("Explain SSE in one line", 1),
                    said(fallback),
                    sent("And | pipes <script>alert(1)</script>?", 3),
                    said(failed),
                ],
            },
            PaneRecord {
                model: "demo/thinker".into(),
                closed: false,
                routing: Default::default(),
                settings: modelroom::pane_settings::PaneSettings {
                    system: Some("Be terse.\nNever use <html>.".into()),
                    effort: Some(modelroom::pane_settings::Effort::High),
                    ..Default::default()
                },
                params: Params {
                    max_tokens: 512,
                    temperature: Some(0.5),
                    system: None,
                },
                turns: vec![
                    sent("Explain SSE in one line", 1),
                    said(answer(
                        "First try, stopped",
                        "Granite Bedrock",
                        None,
                        Finish::Stopped,
                    )),
                    said(thinker),
                    sent("Only for the thinker", 2),
                    said(answer(
                        "Focused answer",
                        "Granite Bedrock",
                        Some(0.0002),
                        Finish::Complete,
                    )),
                ],
            },
        ],
        totals: Totals::default(),
        arena: Default::default(),
    };
    session.retotal();
    session
}

/// Compares with the golden file; `UPDATE_GOLDEN=1` rewrites it (then review the diff).
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    pretty_assertions::assert_eq!(expected, actual, "{name} differs from its golden file");
}
