//! What a pane's footer says about an answer that ended oddly or arrived damaged (the same
//! words `ask` prints), and token counts a server inflated adding up without overflow.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::drive::{self, ev, send};
use modelroom::api::{ApiError, Damage, StreamEvent};
use modelroom::app::{AnswerState, Settings, spend};
use modelroom::chat::{FinishReason, Usage};

#[test]
fn the_footer_names_a_tool_call_ending_and_the_damage_an_answer_survived() {
    let mut app = drive::room(&["a/b"], Settings::default(), 120, 30);
    let live = send(&mut app, "hi")[0];
    ev(&mut app, live, StreamEvent::Content("half".into()));
    let skipped = ApiError::Malformed {
        detail: "undecodable chunk".into(),
    };
    ev(
        &mut app,
        live,
        StreamEvent::Damaged(Damage::Undecodable(skipped)),
    );
    ev(
        &mut app,
        live,
        StreamEvent::Damaged(Damage::InvalidUtf8 { replaced: 3 }),
    );
    let refused = "reported cost $1.7e308 is more than $1000 for one answer".to_owned();
    ev(
        &mut app,
        live,
        StreamEvent::Damaged(Damage::CostRefused(refused)),
    );
    ev(
        &mut app,
        live,
        StreamEvent::Finished(FinishReason::ToolCalls),
    );
    ev(&mut app, live, StreamEvent::Done);
    let pane = &app.panes[0];
    let answer = pane.last_answer().unwrap();
    assert_eq!(
        answer.state,
        AnswerState::Complete,
        "damage does not fail it"
    );
    let footer = pane.identity(0).footer(answer).unwrap().to_string();
    for words in [
        "an undecodable chunk was skipped",
        "invalid UTF-8 replaced (3 sequences)",
        "cost refused: reported cost $1.7e308",
        "ended asking to call a tool, which modelroom does not run (finish: tool_calls)",
    ] {
        assert!(footer.contains(words), "{words:?} not in {footer:?}");
    }
}

#[test]
fn inflated_token_counts_add_up_saturating_in_the_spend_view() {
    let mut app = drive::room(&["a/b"], Settings::default(), 120, 30);
    for _ in 0..2 {
        let live = send(&mut app, "hi")[0];
        let usage = Usage {
            prompt_tokens: u64::MAX,
            completion_tokens: u64::MAX - 1,
            ..Usage::default()
        };
        drive::finish(&mut app, live, usage);
    }
    let report = spend::report(&app.panes);
    assert_eq!(report.models[0].prompt_tokens, u64::MAX);
    assert_eq!(report.models[0].completion_tokens, u64::MAX);
}

#[test]
fn a_refused_billed_cost_stays_unknown_with_its_reason() {
    use modelroom::api::Generation;
    use modelroom::app::{Action, Command, CostState, update};
    let mut app = drive::room(&["a/b"], Settings::default(), 120, 30);
    let live = send(&mut app, "hi")[0];
    ev(
        &mut app,
        live,
        StreamEvent::Opened {
            generation_id: Some("gen-1".into()),
        },
    );
    ev(&mut app, live, StreamEvent::Content("partial".into()));
    update(&mut app, Action::Command(Command::Stop));
    // What `Client::generation` gives for a record billing $5,000.
    let record = Generation {
        total_cost: None,
        cost_refused: Some("reported cost $5000 is more than $1000 for one answer".into()),
        ..Generation::default()
    };
    let (pane, request) = live;
    update(
        &mut app,
        Action::Reconciled {
            pane,
            request,
            result: Ok(record),
        },
    );
    let pane = &app.panes[0];
    let answer = pane.last_answer().unwrap();
    assert_eq!(answer.cost, CostState::Unknown);
    assert_eq!(app.spend().0.as_usd(), 0.0, "nothing is charged");
    let footer = pane.identity(0).footer(answer).unwrap().to_string();
    assert!(
        footer.contains("cost refused: reported cost $5000"),
        "{footer}"
    );
}

#[test]
fn a_fetched_catalog_with_malformed_entries_says_how_many_were_skipped() {
    use modelroom::api::{Catalog, ModelEntry};
    use modelroom::app::{Action, CatalogUpdate, SharedIndex, update};
    let mut app = drive::room(&["a/b"], Settings::default(), 120, 30);
    let entry = ModelEntry {
        id: "a/b".into(),
        ..ModelEntry::default()
    };
    let index = modelroom::catalog::Index::new(Catalog::with_skipped(vec![entry], 2));
    let loaded = CatalogUpdate {
        index: SharedIndex(std::sync::Arc::new(index)),
        fetched_at: 1,
        from_cache: false,
    };
    update(&mut app, Action::CatalogLoaded(Box::new(loaded)));
    let notice = app.notice.as_ref().map(|n| n.text.as_str());
    assert_eq!(notice, Some("2 malformed catalog entries were skipped"));
}

#[test]
fn routing_a_plain_openai_server_will_not_get_is_named_in_its_pane() {
    let settings = Settings {
        endpoints: vec!["local".into()],
        plain_openai: vec![Some("local".into())],
        ..Settings::default()
    };
    let mut app = drive::room(&["@local/qwen3", "a/b"], settings, 160, 30);
    for pane in &mut app.panes {
        pane.routing.sort = Some(modelroom::api::ProviderSort::Price);
    }
    send(&mut app, "hi");
    let note = app.panes[0].note.as_ref().expect("the local pane says so");
    assert!(
        note.as_str().contains("routing not sent")
            && note.as_str().contains("[endpoints.local]")
            && note.as_str().contains("dialect"),
        "{note:?}"
    );
    assert!(app.panes[1].note.is_none(), "OpenRouter gets its routing");
    let screen = common::text(&common::draw(&app));
    assert!(screen.contains("routing not sent"), "{screen}");
}
