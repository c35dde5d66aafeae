//! Money in the room, driven through `update`: the input box's estimate, the session and daily
//! budgets refusing a send and the gauge, the guard against a held key, billed answers going
//! to the ledger, and the spend and account views (whose numbers must equal the transcript's).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::drive::{self, ev, key, started, type_text};
use common::{draw_sized, rows};
use modelroom::api::{ApiError, Credits, KeyInfo, StreamEvent};
use modelroom::app::{
    AccountInfo, Action, App, Command, Effect, Overlay, PaneId, RequestId, Settings, spend, update,
};
use modelroom::chat::{Cost, FinishReason, Usage};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const WIDTH: u16 = 150;
const HEIGHT: u16 = 40;

fn room_with(models: &[&str], settings: Settings) -> App {
    let mut app = drive::room(models, settings, WIDTH, HEIGHT);
    drive::load_demo_catalog(&mut app, 1);
    app
}

fn screen(app: &App) -> String {
    rows(&draw_sized(app, WIDTH, HEIGHT)).join("\n")
}

/// Types `text` and presses Enter; returns the streams started.
fn send(app: &mut App, text: &str) -> Vec<(PaneId, RequestId)> {
    type_text(app, text);
    started(key(app, KeyCode::Enter))
        .into_iter()
        .map(|(pane, request, _)| (pane, request))
        .collect()
}

/// A whole answer from `model` via `provider`, costing `cost` (or no cost), with timings.
fn answer(
    app: &mut App,
    live: (PaneId, RequestId),
    model: &str,
    provider: &str,
    cost: Option<f64>,
) -> Vec<Effect> {
    let mut fx = Vec::new();
    let events = [
        StreamEvent::Opened {
            generation_id: None,
        },
        StreamEvent::Served {
            id: None,
            model: Some(model.into()),
            provider: Some(provider.into()),
        },
        StreamEvent::Content("an answer".into()),
        StreamEvent::Usage(Usage {
            prompt_tokens: 10,
            completion_tokens: 20,
            cost: cost.map(Cost::usd),
            ..Usage::default()
        }),
        StreamEvent::Finished(FinishReason::Stop),
        StreamEvent::Done,
    ];
    for event in events {
        fx.extend(ev(app, live, event));
    }
    fx
}

#[test]
fn the_input_box_shows_the_most_a_broadcast_can_cost() {
    let settings = Settings {
        checks_models: false,
        ..Settings::default()
    };
    let mut app = room_with(&["demo/fast", "demo/thinker", "vendor/unlisted"], settings);
    assert!(app.money.estimate.is_none());
    type_text(&mut app, "hello");
    let est = app.money.estimate.clone().unwrap();
    // demo/fast: ceil(5 / 4) + 4 = 6 prompt tokens at $0.2/M, 2048 × $0.8/M.
    let fast = 6.0 * 0.000_000_2 + 2048.0 * 0.000_000_8;
    let thinker = 6.0 * 0.000_003 + 2048.0 * 0.000_015;
    assert!(
        (est.max.as_usd() - (fast + thinker)).abs() < 1e-12,
        "{est:?}"
    );
    assert_eq!(est.unknown, ["vendor/unlisted"]);
    let shown = screen(&app);
    let expected = format!(
        "≤ {} for 2 panes (≈) + vendor/unlisted at an unknown price",
        Cost::usd(fast + thinker)
    );
    assert!(shown.contains(&expected), "{expected}\n{shown}");
}

#[test]
fn a_fallback_model_counts_at_the_dearer_price() {
    let mut app = room_with(&["demo/fast"], Settings::default());
    app.panes[0].routing.fallbacks = vec!["demo/premium".into()];
    type_text(&mut app, "hi");
    let est = app.money.estimate.clone().unwrap();
    let premium = 5.0 * 0.000_015 + 2048.0 * 0.000_075;
    assert!((est.max.as_usd() - premium).abs() < 1e-12, "{est:?}");
}

#[test]
fn the_session_budget_refuses_a_send_that_could_pass_it_and_says_why() {
    let settings = Settings {
        session_budget: Some(0.002),
        ..Settings::default()
    };
    let mut app = room_with(&["demo/thinker"], settings);
    assert!(send(&mut app, "hello").is_empty());
    let why = app.notice.clone().unwrap().text;
    assert!(
        why.starts_with(
            "not sent: up to $0.0307 would pass the session budget of $0.002 ($0 spent)"
        ),
        "{why}"
    );
    assert_eq!(app.prompt.text(), "hello");
    // A cheaper pane fits; once it has spent, the same send no longer does.
    let mut app = room_with(
        &["demo/fast"],
        Settings {
            session_budget: Some(0.002),
            ..Settings::default()
        },
    );
    let live = send(&mut app, "hello");
    assert_eq!(live.len(), 1);
    answer(&mut app, live[0], "demo/fast", "Aurora Cloud", Some(0.001));
    assert!(send(&mut app, "again").is_empty());
    assert!(app.notice.clone().unwrap().text.contains("($0.001 spent)"));
    app.notice = None;
    let shown = screen(&app);
    assert!(shown.contains("session ▰▰▰▰▱▱▱▱ $0.001/$0.002"), "{shown}");
}

#[test]
fn the_daily_budget_counts_the_ledger_and_this_run() {
    let settings = Settings {
        daily_budget: Some(0.01),
        ..Settings::default()
    };
    let mut app = room_with(&["demo/fast"], settings);
    assert!(send(&mut app, "hi").is_empty());
    assert!(
        app.notice
            .clone()
            .unwrap()
            .text
            .contains("still being read")
    );
    update(&mut app, Action::SpentToday(Ok(0.009)));
    assert!(send(&mut app, "").is_empty());
    let why = app.notice.clone().unwrap().text;
    assert!(
        why.contains("would pass today's budget of $0.01 ($0.009 spent today, UTC)"),
        "{why}"
    );
    update(&mut app, Action::SpentToday(Ok(0.001)));
    let live = send(&mut app, "");
    assert_eq!(live.len(), 1, "{:?}", app.notice);
    let fx = answer(&mut app, live[0], "demo/fast", "Aurora Cloud", Some(0.004));
    let records: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::RecordSpend(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(records.len(), 1, "one billed answer, one ledger line");
    assert_eq!(
        (records[0].usd, records[0].model.as_str()),
        (0.004, "demo/fast")
    );
    assert_eq!(records[0].session.as_deref(), Some(app.session.id.as_str()));
    assert!((app.money.spent_today().unwrap() - 0.005).abs() < 1e-12);
    assert!(screen(&app).contains("today ▰▰▰▰▱▱▱▱ $0.005/$0.01"));
}

#[test]
fn a_held_key_cannot_fire_requests_faster_than_the_interval() {
    let settings = Settings {
        min_send_interval: Duration::from_secs(3600),
        ..Settings::default()
    };
    let mut app = room_with(&["demo/fast"], settings);
    let live = send(&mut app, "one");
    answer(&mut app, live[0], "demo/fast", "Aurora Cloud", Some(0.0));
    assert!(send(&mut app, "two").is_empty());
    assert!(
        app.notice
            .clone()
            .unwrap()
            .text
            .contains("held key cannot drain")
    );
    let regen = update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::ALT)),
    );
    assert!(
        !regen
            .iter()
            .any(|e| matches!(e, Effect::StartStream { .. }))
    );
}

#[test]
fn the_spend_view_adds_up_to_the_transcript() {
    let mut app = room_with(
        &["demo/fast", "demo/down", "demo/coder"],
        Settings::default(),
    );
    let round = send(&mut app, "one");
    answer(
        &mut app,
        round[0],
        "demo/fast",
        "Aurora Cloud",
        Some(0.000_12),
    );
    answer(&mut app, round[1], "demo/fast", "Borealis", Some(0.000_3));
    answer(&mut app, round[2], "demo/coder", "Borealis", Some(0.002_5));
    let round = send(&mut app, "two");
    answer(
        &mut app,
        round[0],
        "demo/fast",
        "Aurora Cloud",
        Some(0.000_07),
    );
    answer(&mut app, round[1], "demo/fast", "Aurora Cloud", None);
    answer(&mut app, round[2], "demo/coder", "Borealis", Some(0.001));
    // The fallback shows in the title of the pane that asked for demo/down.
    assert_eq!(app.panes[1].served_instead.as_deref(), Some("demo/fast"));
    assert!(screen(&app).contains("2 demo/down → demo/fast"));

    update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::F(3), KeyModifiers::NONE)),
    );
    assert!(matches!(app.overlay, Overlay::Spend));
    let report = spend::report(&app.panes);
    let saved = app.snapshot().totals;
    assert!((report.total.as_usd() - saved.cost_usd).abs() < 1e-12);
    assert!((report.total.as_usd() - app.spend().0.as_usd()).abs() < 1e-12);
    let by_model: f64 = report.models.iter().map(|m| m.cost.as_usd()).sum();
    let by_provider: f64 = report.providers.iter().map(|p| p.1.as_usd()).sum();
    assert!(
        (by_model - saved.cost_usd).abs() < 1e-12 && (by_provider - saved.cost_usd).abs() < 1e-12
    );
    assert_eq!(report.uncosted, saved.uncosted_answers);
    let fast = report
        .models
        .iter()
        .find(|m| m.model == "demo/fast")
        .unwrap();
    assert_eq!(
        (
            fast.answers,
            fast.prompt_tokens,
            fast.completion_tokens,
            fast.uncosted
        ),
        (4, 40, 80, 1)
    );
    assert!((fast.cost.as_usd() - 0.000_49).abs() < 1e-12);
    let shown = screen(&app);
    assert!(
        shown.contains(&format!(
            "spend this session: {}",
            Cost::usd(saved.cost_usd)
        )),
        "{shown}"
    );
    assert!(
        shown.contains("1 answer(s) of pending or unknown cost"),
        "{shown}"
    );
    for line in [
        "per model",
        "per provider",
        "mean TTFT",
        "Borealis",
        "$0.0035",
    ] {
        assert!(shown.contains(line), "{line}\n{shown}");
    }
    let fast_row = shown
        .lines()
        .find(|l| l.contains("demo/fast ") && l.contains("40 → 80"))
        .unwrap();
    assert!(fast_row.contains("$0.00049+1?"), "{fast_row}");
    // At 80 columns the narrowed last heading says less instead of being cut to a second
    // "tok/s" beside the first.
    let narrow = rows(&draw_sized(&app, 80, 24)).join("\n");
    let heading = narrow.lines().find(|l| l.contains("mean TTFT")).unwrap();
    assert_eq!(heading.matches("tok/s").count(), 1, "{heading}");
    assert!(heading.contains("trend"), "{heading}");
    // At any width, a bar's cost never runs into the next chart's label.
    for width in 60..=160 {
        let shown = rows(&draw_sized(&app, width, 30)).join("\n");
        for line in shown.lines().filter(|l| l.contains('█')) {
            let glued = line.char_indices().any(|(i, c)| {
                c.is_ascii_digit()
                    && line[i + 1..]
                        .chars()
                        .next()
                        .is_some_and(|n| n.is_alphabetic())
                    && line[..i].contains('$')
            });
            assert!(!glued, "at {width} columns: {line}");
        }
    }
    update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn the_account_view_refreshes_in_the_background_and_shows_each_answer() {
    let mut app = room_with(&["demo/fast"], Settings::default());
    let fx = update(&mut app, Action::Command(Command::Account));
    assert!(fx.contains(&Effect::RefreshBalance));
    assert!(screen(&app).contains("refreshing…"));
    let info = AccountInfo {
        credits: Ok(Credits {
            total_credits: 10.0,
            total_usage: 2.5,
        }),
        key: Err(ApiError::Http {
            status: 401,
            code: None,
            message: "User not found.".into(),
            provider: None,
            raw: None,
            retry_after: None,
        }),
    };
    update(&mut app, Action::Account(Box::new(info)));
    let shown = screen(&app);
    assert!(
        shown.contains("purchased $10.00 · used $2.50 · left $7.50"),
        "{shown}"
    );
    assert!(
        shown.contains("not available: 401 Unauthorized: User not found."),
        "{shown}"
    );
    assert!(
        shown.contains("credits $7.50"),
        "the status bar has the balance too"
    );
    let info = AccountInfo {
        credits: Ok(Credits {
            total_credits: 10.0,
            total_usage: 2.5,
        }),
        key: Ok(KeyInfo {
            label: Some("sk-or-v1-abc...xyz".into()),
            limit: Some(20.0),
            limit_remaining: Some(17.5),
            limit_reset: Some("monthly".into()),
            usage: Some(2.5),
            usage_daily: Some(0.5),
            is_free_tier: Some(false),
        }),
    };
    update(&mut app, Action::Account(Box::new(info)));
    let shown = screen(&app);
    assert!(
        shown.contains("limit $20.00 · remaining $17.50 (resets monthly) · used today $0.50"),
        "{shown}"
    );
}

#[test]
fn a_refresh_that_fails_whole_leaves_the_status_bar_balance_as_it_was() {
    let mut app = room_with(&["demo/fast"], Settings::default());
    let refused = || ApiError::Connect {
        url: "http://127.0.0.1:9".into(),
        detail: "connection refused".into(),
    };
    let good = AccountInfo {
        credits: Ok(Credits {
            total_credits: 10.0,
            total_usage: 2.5,
        }),
        key: Err(refused()),
    };
    update(&mut app, Action::Account(Box::new(good)));
    assert!(screen(&app).contains("credits $7.50"));
    let failed = AccountInfo {
        credits: Err(refused()),
        key: Err(refused()),
    };
    update(&mut app, Action::Account(Box::new(failed)));
    assert!(
        screen(&app).contains("credits $7.50"),
        "the last balance that was told stays"
    );
    assert!(
        matches!(app.account.credits, Some(Err(_))),
        "the view says it failed"
    );
}
