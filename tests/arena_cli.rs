//! `modelroom arena` on the command line, and the session commands on a session saved in the
//! middle of a blind round: they name its panes by their labels until the vote.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::binary::{Env, stderr, stdout};
use common::drive::{ev, finish, send};
use modelroom::api::StreamEvent;
use modelroom::app::{Action, App, ArenaSource, Command, Settings, update};
use modelroom::chat::{Cost, Usage};
use modelroom::keymap::Keymap;

#[tokio::test]
async fn the_arena_wants_two_models_or_a_pool() {
    let env = Env::new();
    let one = env.run(&["arena", "-m", "a/x"]).await;
    assert_eq!(one.status.code(), Some(2));
    assert!(
        stderr(&one).contains("two or more models"),
        "{}",
        stderr(&one)
    );
    let none = env.run(&["arena"]).await;
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("[arena] pool"), "{}", stderr(&none));
    // With models it gets as far as the terminal (the tests have none).
    for args in [
        &["--demo", "arena"][..],
        &["--demo", "arena", "-m", "demo/fast", "-m", "demo/coder"],
    ] {
        let out = env.run(args).await;
        assert!(
            stderr(&out).contains("needs a terminal"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let pooled = Env::with_config("[arena]\npool = [\"demo/fast\", \"demo/coder\"]\n");
    let out = pooled.run(&["--demo", "arena"]).await;
    assert!(
        stderr(&out).contains("needs a terminal"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_session_saved_in_a_blind_round_is_listed_and_exported_by_its_labels() {
    let env = Env::new();
    let models = modelroom::model::parse_all(&["acme/oracle-7", "zenith/sage-2"]).unwrap();
    let mut app = App::new_arena(
        ArenaSource::Models(models),
        Keymap::default(),
        Settings::default(),
        4,
    )
    .unwrap();
    update(
        &mut app,
        Action::Resize {
            width: 120,
            height: 30,
        },
    );
    for live in send(&mut app, "compare #code") {
        ev(
            &mut app,
            live,
            StreamEvent::Served {
                id: None,
                model: None,
                provider: Some("Aurora Cloud".into()),
            },
        );
        ev(&mut app, live, StreamEvent::Content("An answer.".into()));
        let usage = Usage {
            completion_tokens: 4,
            cost: Some(Cost::usd(0.001)),
            ..Usage::default()
        };
        finish(&mut app, live, usage);
    }
    let store = env.store();
    store.save(&app.snapshot()).unwrap();
    let id = app.session.id.clone();
    let names = ["acme", "zenith", "oracle", "sage-2", "Aurora"];
    for args in [
        vec!["sessions", "list"],
        vec!["sessions", "list", "--json"],
        vec!["sessions", "show", &id],
        vec!["sessions", "export", &id],
        vec!["sessions", "export", &id, "--format", "html"],
        vec!["sessions", "export", &id, "--format", "json"],
    ] {
        let out = env.run(&args).await;
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("model A"), "{args:?}:\n{text}");
        for name in names {
            assert!(!text.contains(name), "{name} in {args:?}:\n{text}");
        }
    }
    // After the vote, the export shows the vote and the reveal.
    update(&mut app, Action::Command(Command::VoteB));
    store.save(&app.snapshot()).unwrap();
    let out = env.run(&["sessions", "export", &id]).await;
    let text = stdout(&out);
    assert!(
        text.contains("vote: B is better · blind · \\#code"),
        "{text}"
    );
    assert!(text.contains("acme/oracle-7 via Aurora Cloud"), "{text}");
}
