//! Display text has one trust boundary: whatever its source (a gateway's `/generation` record,
//! a session file, a rerun's answers), nothing of a string but its printable text reaches the
//! screen. And a model's identity has one seam: a blind round names no model and no provider,
//! whichever overlay is open.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::drive::{self, ev, send};
use common::live;
use modelroom::api::{ApiError, Client, Clients, Dialect, Generation, StreamEvent};
use modelroom::app::{Action, App, Command, Effect, SessionRow, Settings, update};
use modelroom::chat::{Cost, Usage};
use modelroom::keymap::Keymap;
use modelroom::sessions::rerun::{self, RerunPlan};
use modelroom::store::{SessionStore, Turn};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Escape sequences (a screen clear, a window title, a clipboard write, a hyperlink), C1
/// controls and a bidi override around `word`.
fn hostile(word: &str) -> String {
    format!(
        "\u{1b}[2J{word}\u{1b}]0;pwned\u{7}\u{202e}\u{1b}]52;c;aGk=\u{7}\u{9b}31m\u{1b}]8;;http://x\u{1b}\\!\u{1b}]8;;\u{1b}\\"
    )
}

/// What `hostile(word)` must become on screen.
fn printable(word: &str) -> String {
    format!("{word}!")
}

/// Every cell printable, and no residue of a sequence whose escape byte was dropped.
fn assert_clean(app: &App) {
    let buf = common::draw(app);
    for cell in &buf.content {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "{:?}",
            cell.symbol()
        );
    }
    let screen = common::text(&buf);
    for residue in ["[2J", "]0;", "]52;", "pwned", "[31m", "31m", "]8;"] {
        assert!(
            !screen.contains(residue),
            "{residue:?} on screen:\n{screen}"
        );
    }
}

fn esc(app: &mut App) {
    update(
        app,
        Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
}

fn screen(app: &App) -> String {
    common::text(&common::draw(app))
}

#[tokio::test]
async fn a_hostile_generation_record_reaches_the_screen_as_its_printable_text() {
    let mut app = drive::room(&["demo/fast"], Settings::default(), 120, 30);
    let live = send(&mut app, "hi")[0];
    ev(
        &mut app,
        live,
        StreamEvent::Opened {
            generation_id: Some("gen-1".into()),
        },
    );
    ev(&mut app, live, StreamEvent::Content("partial".into()));
    let stop = update(&mut app, Action::Command(Command::Stop));
    assert!(
        stop.iter().any(|e| matches!(e, Effect::Reconcile { .. })),
        "{stop:?}"
    );
    let record = Generation {
        total_cost: Some(0.0042),
        provider_name: Some(hostile("Evil Cloud")),
        ..Generation::default()
    };
    update(
        &mut app,
        Action::Reconciled {
            pane: live.0,
            request: live.1,
            result: Ok(record),
        },
    );
    let answer = app.panes[0].last_answer().unwrap();
    assert_eq!(
        answer.reply.provider.as_deref(),
        Some(printable("Evil Cloud").as_str())
    );
    assert!(screen(&app).contains(&printable("Evil Cloud")));
    assert_clean(&app);
    update(&mut app, Action::Command(Command::Spend));
    assert!(screen(&app).contains(&printable("Evil Cloud")));
    assert_clean(&app);
}

#[tokio::test]
async fn a_hostile_session_file_reopens_with_only_its_printable_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    // A session the room saved, then edited by someone else to carry escapes everywhere a
    // string is shown: the title, the model, the prompt, the answer, its reasoning, the served
    // model and the provider.
    let mut app = drive::room(&["demo/fast"], Settings::default(), 120, 30);
    let live = send(&mut app, "question")[0];
    ev(&mut app, live, StreamEvent::Content("answer".into()));
    drive::finish(
        &mut app,
        live,
        Usage {
            prompt_tokens: 3,
            completion_tokens: 5,
            cost: Some(Cost::usd(0.001)),
            ..Usage::default()
        },
    );
    let mut session = app.snapshot();
    session.title = hostile("Title");
    let pane = &mut session.panes[0];
    pane.model = hostile("vendor/model");
    for turn in &mut pane.turns {
        match turn {
            Turn::User { content, .. } => *content = hostile("Prompt"),
            Turn::Assistant(a) => {
                let a = std::sync::Arc::make_mut(a);
                a.content = hostile("Answer");
                a.reasoning = hostile("Thought");
                a.model = Some(hostile("served/model"));
                a.provider = Some(hostile("Provider"));
            }
        }
    }
    store.save(&session).unwrap();

    let loaded = store.load(&session.id).unwrap();
    let (mut app, _) = App::from_session(&loaded, Keymap::default(), Settings::default()).unwrap();
    update(
        &mut app,
        Action::Resize {
            width: 140,
            height: 30,
        },
    );
    let reply = &app.panes[0].last_answer().unwrap().reply;
    assert_eq!(reply.content, printable("Answer").as_str());
    assert_eq!(reply.reasoning, printable("Thought").as_str());
    update(&mut app, Action::Command(Command::ToggleReasoning));
    let text = screen(&app);
    for word in [
        "vendor/model",
        "Prompt",
        "Answer",
        "Thought",
        "Provider",
        "served/model",
    ] {
        assert!(text.contains(&printable(word)), "{word} missing:\n{text}");
    }
    assert_clean(&app);
    for overlay in [Command::Spend, Command::Routing] {
        update(&mut app, Action::Command(overlay));
        assert_clean(&app);
        esc(&mut app);
    }
    // The session browser lists the file with its title and model, printable.
    update(&mut app, Action::Command(Command::Sessions));
    let rows = store
        .list()
        .unwrap()
        .iter()
        .map(SessionRow::from_listing)
        .collect();
    update(&mut app, Action::SessionsListed(Ok(rows)));
    let text = screen(&app);
    assert!(text.contains(&printable("Title")), "{text}");
    assert!(text.contains(&printable("vendor/model")), "{text}");
    assert_clean(&app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_rerun_saves_and_reopens_only_printable_text() {
    let sim = live::gateway().await;
    let client = Client::new(live::endpoint(&sim.base_url(), Dialect::OpenRouter)).unwrap();
    let clients = Clients::new(client);
    let plan = RerunPlan {
        models: vec!["demo/fast".parse().unwrap()],
        settings: Vec::new(),
        routings: Vec::new(),
        prompts: vec!["[sim:escape] say something".into()],
        attachments: Vec::new(),
        system: None,
        max_tokens: 200,
        temperature: None,
        json: false,
        show_reasoning: false,
        title: "rerun of a hostile answer".into(),
        deny_data_collection: false,
        ledger: None,
    };
    let mut out = Vec::new();
    let done = rerun::run(&clients, &plan, &mut out).await.unwrap();
    let Some(Turn::Assistant(saved)) = done.session.panes[0].turns.get(1) else {
        panic!(
            "the rerun saved an answer: {:?}",
            done.session.panes[0].turns
        );
    };
    assert!(saved.content.contains("Innocent text"), "{}", saved.content);
    assert!(
        !saved
            .content
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
        "{:?}",
        saved.content
    );
    for residue in ["[2J", "]52;", "]8;", "31m"] {
        assert!(!saved.content.contains(residue), "{:?}", saved.content);
    }
    let (mut app, _) =
        App::from_session(&done.session, Keymap::default(), Settings::default()).unwrap();
    update(
        &mut app,
        Action::Resize {
            width: 140,
            height: 40,
        },
    );
    assert!(screen(&app).contains("Innocent text"));
    assert_clean(&app);
}

/// A room of two panes whose answers name their models and providers in every way a screen
/// can show them: titles, footers, a fallback, routing, an error, a note, a notice.
fn named_room() -> App {
    let mut app = drive::room(
        &["acme/oracle-7", "zenith/sage-2"],
        Settings::default(),
        150,
        40,
    );
    let live = send(&mut app, "compare");
    ev(
        &mut app,
        live[0],
        StreamEvent::Served {
            id: Some("gen-1".into()),
            model: Some("acme/oracle-7-0601".into()),
            provider: Some("Aurora Cloud".into()),
        },
    );
    ev(&mut app, live[0], StreamEvent::Content("An answer.".into()));
    drive::finish(
        &mut app,
        live[0],
        Usage {
            prompt_tokens: 3,
            completion_tokens: 5,
            cost: Some(Cost::usd(0.001)),
            ..Usage::default()
        },
    );
    ev(
        &mut app,
        live[1],
        StreamEvent::Failed(ApiError::Http {
            status: 404,
            code: None,
            message: "zenith/sage-2 is not a valid model: no endpoints found".into(),
            provider: Some("Borealis".into()),
            raw: None,
            retry_after: None,
        }),
    );
    app.panes[0].routing.only = vec!["aurora-cloud".into()];
    app.set_notice(
        modelroom::app::NoticeLevel::Error,
        "acme/oracle-7 answered through Aurora Cloud",
    );
    app
}

const NAMES: &[&str] = &[
    "acme", "oracle", "zenith", "sage", "Aurora", "aurora", "Borealis",
];

fn assert_anonymous(app: &App, what: &str) {
    let text = screen(app);
    for name in NAMES {
        assert!(!text.contains(name), "{name} shows with {what}:\n{text}");
    }
}

#[tokio::test]
async fn a_blind_round_names_no_model_and_no_provider_anywhere() {
    let mut app = named_room();
    // Not blind: the names are there (so the checks below can fail).
    let text = screen(&app);
    for name in ["acme/oracle-7", "zenith/sage-2", "Aurora Cloud", "Borealis"] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }

    app.set_blind(true);
    assert_anonymous(&app, "no overlay");
    let text = screen(&app);
    assert!(
        text.contains("model A") && text.contains("model B"),
        "{text}"
    );
    for overlay in [
        Command::Help,
        Command::ChangeModel,
        Command::Routing,
        Command::Spend,
        Command::Account,
        Command::NameSession,
    ] {
        update(&mut app, Action::Command(overlay));
        assert_anonymous(&app, &format!("{overlay:?} open"));
        esc(&mut app);
    }
    update(&mut app, Action::Command(Command::Sessions));
    let snapshot = app.snapshot();
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    store.save(&snapshot).unwrap();
    let rows = store
        .list()
        .unwrap()
        .iter()
        .map(SessionRow::from_listing)
        .collect();
    update(&mut app, Action::SessionsListed(Ok(rows)));
    assert_anonymous(&app, "the session browser open");
    // Focused sends name the pane in the prompt's title.
    esc(&mut app);
    update(&mut app, Action::Command(Command::ToggleSendMode));
    assert_anonymous(&app, "focused send mode");

    app.set_blind(false);
    assert!(screen(&app).contains("acme/oracle-7"));
}

/// `modelroom arena`'s blind round: the same answers, errors and notices as `named_room`, in
/// panes shuffled and named A and B, with every overlay a key opens.
#[tokio::test]
async fn an_arena_round_names_no_model_provider_or_figure_with_any_overlay_open() {
    let models = modelroom::model::parse_all(&["acme/oracle-7", "zenith/sage-2"]).unwrap();
    let mut app = App::new_arena(
        modelroom::app::ArenaSource::Models(models),
        Keymap::default(),
        Settings::default(),
        21,
    )
    .unwrap();
    update(
        &mut app,
        Action::Resize {
            width: 150,
            height: 40,
        },
    );
    assert_anonymous(&app, "the arena before a prompt");
    let live = send(&mut app, "compare");
    // The streams in the order of the panes on screen (a blind round shuffles them).
    let live: Vec<_> = app
        .panes
        .iter()
        .map(|p| *live.iter().find(|l| l.0 == p.id).unwrap())
        .collect();
    let oracle = usize::from(app.panes[1].model.as_str().starts_with("acme"));
    ev(
        &mut app,
        live[oracle],
        StreamEvent::Served {
            id: Some("gen-1".into()),
            model: Some("acme/oracle-7-0601".into()),
            provider: Some("Aurora Cloud".into()),
        },
    );
    ev(
        &mut app,
        live[oracle],
        StreamEvent::Reasoning("Hmm.".into()),
    );
    ev(
        &mut app,
        live[oracle],
        StreamEvent::Content("An answer.".into()),
    );
    drive::finish(
        &mut app,
        live[oracle],
        Usage {
            prompt_tokens: 3,
            completion_tokens: 5,
            reasoning_tokens: 2,
            cost: Some(Cost::usd(0.001)),
            completion_cost: Some(Cost::usd(0.0008)),
            ..Usage::default()
        },
    );
    ev(
        &mut app,
        live[1 - oracle],
        StreamEvent::Failed(ApiError::Http {
            status: 402,
            code: None,
            message: "zenith/sage-2 needs more credits at Borealis".into(),
            provider: Some("Borealis".into()),
            raw: None,
            retry_after: None,
        }),
    );
    app.set_notice(
        modelroom::app::NoticeLevel::Error,
        "acme/oracle-7 answered through Aurora Cloud",
    );
    let text = screen(&app);
    assert!(text.contains("model A") && text.contains("402"), "{text}");
    // Per-pane figures would tell a price or a speed: none shows, the total may.
    assert!(text.contains("▸ reasoning"), "{text}");
    for figure in ["3→5", "TTFT", "$0.00100 ·", "2 tok", "$0.0008"] {
        assert!(!text.contains(figure), "{figure} shows:\n{text}");
    }
    assert_anonymous(&app, "no overlay");
    for overlay in [
        Command::Help,
        Command::ChangeModel,
        Command::AddPane,
        Command::Routing,
        Command::Spend,
        Command::Account,
        Command::NameSession,
        Command::Tag,
        Command::Leaderboard,
    ] {
        update(&mut app, Action::Command(overlay));
        assert_anonymous(&app, &format!("{overlay:?} open"));
        esc(&mut app);
    }
    update(&mut app, Action::Command(Command::Sessions));
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    store.save(&app.snapshot()).unwrap();
    let rows = store
        .list()
        .unwrap()
        .iter()
        .map(SessionRow::from_listing)
        .collect();
    update(&mut app, Action::SessionsListed(Ok(rows)));
    assert_anonymous(&app, "the session browser open");
    esc(&mut app);
    // The panes stay as they are under their labels until the vote.
    update(&mut app, Action::Command(Command::ClosePane));
    assert_eq!(app.panes.len(), 2);
    assert!(screen(&app).contains("until this round's vote"));
    // The provider shoot-out would list the focused model's providers: refused too.
    let fx = update(&mut app, Action::Command(Command::ShootOut));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(app.panes.len(), 2);
    assert_anonymous(&app, "the shoot-out refused");
    // The vote reveals them all.
    update(&mut app, Action::Command(Command::VoteA));
    let text = screen(&app);
    assert!(
        text.contains("acme/oracle-7") && text.contains("Aurora Cloud"),
        "{text}"
    );
}
