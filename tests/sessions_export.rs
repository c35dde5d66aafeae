//! `modelroom sessions export` as a user runs it: the golden files (Markdown, JSON, HTML), a
//! private output file, the send order, reasoning, routing and settings, several sessions side
//! by side, and exports that cannot be written or name an unknown session.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::binary::{Env, stderr, stdout};
use common::sessions::*;
use modelroom::store::{Finish, Session};
use serde_json::Value;

#[tokio::test]
async fn exports_match_their_golden_files() {
    let env = Env::new();
    let session = sample();
    env.store().save(&session).unwrap();
    for (format, file) in [
        ("md", "session.md"),
        ("json", "session.json"),
        ("html", "session.html"),
    ] {
        let out = env
            .run(&["sessions", "export", &session.id, "--format", format])
            .await;
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            !text.contains('\u{1b}'),
            "{format} export carries an escape"
        );
        golden(file, &text);
    }
    // The JSON export is the full session.
    let out = env
        .run(&["sessions", "export", "latest", "--format", "json"])
        .await;
    let back: Session = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(back, session);
}

#[tokio::test]
async fn export_to_a_file_is_private() {
    let env = Env::new();
    let session = sample();
    env.store().save(&session).unwrap();
    let file = env.dir.path().join("room.html");
    let out = env
        .run(&[
            "sessions",
            "export",
            "20261124",
            "-f",
            "html",
            "-o",
            file.to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.contains("<div class=\"answers\" style=\"--panes: 2\">"));
    assert!(!html.contains("<script>"), "model and user text is escaped");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn an_export_that_cannot_be_written_says_why_and_exits_1() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let target = env.dir.path().join("no-such-dir").join("room.md");
    let out = env
        .run(&[
            "sessions",
            "export",
            "latest",
            "-o",
            target.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    assert!(!target.exists());
}

fn position(text: &str, what: &str) -> usize {
    text.find(what)
        .unwrap_or_else(|| panic!("`{what}` is not in:\n{text}"))
}

#[tokio::test]
async fn exports_follow_the_send_order_and_show_reasoning_routing_and_settings() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let md = stdout(&env.run(&["sessions", "export", "latest"]).await);
    // The thinker's focused send came between the broadcast and the fast pane's.
    assert!(position(&md, "> Only for the thinker") < position(&md, "> And | pipes"));
    assert!(position(&md, "> Explain SSE") < position(&md, "> Only for the thinker"));
    assert!(
        md.contains("<details><summary>reasoning</summary>\n\n##### Plan\n"),
        "{md}"
    );
    // The reasoning's own HTML is text: it can neither end the block early nor hide the rest.
    // (An unclosed `<!--` is text already, to any CommonMark reader.)
    assert!(md.contains("one line.\\</details><!-- hide"), "{md}");
    assert_eq!(md.matches("</details>").count(), 2, "{md}");
    assert!(md.contains("- routing: `order=aurora|granite, fallbacks=demo/fast-2026-01-01`"));
    assert!(md.contains("- settings: `temperature=0.5, max_tokens=512, effort=high`"));
    assert!(
        md.contains("  > Be terse.\n  > Never use \\<html\\>."),
        "{md}"
    );
    assert!(
        md.contains("> And | pipes \\<script>alert(1)\\</script>?"),
        "{md}"
    );
    // Panes a prompt did not go to are left out of it, not padded.
    let p2 = &md[position(&md, "## Prompt 2")..position(&md, "## Prompt 3")];
    assert!(!p2.contains("demo/fast"), "{p2}");

    let html = stdout(
        &env.run(&["sessions", "export", "latest", "--format", "html"])
            .await,
    );
    assert!(position(&html, "Only for the thinker") < position(&html, "And | pipes &lt;"));
    let p2 = &html[position(&html, "<h2>Prompt 2</h2>")..position(&html, "<h2>Prompt 3</h2>")];
    assert!(
        p2.contains("--panes: 1") && !p2.contains("demo/fast"),
        "{p2}"
    );
    assert!(html.contains("<details class=\"reasoning\"><summary>reasoning</summary>"));
    // The answer's `# Short answer` and the reasoning's `## Plan` sit under the model's <h3>.
    assert!(html.contains("<h4>Short answer</h4>"), "{html}");
    assert!(html.contains("<h5>Plan</h5>"), "{html}");
    assert!(!html.contains("<h1>Short") && !html.contains("<h2>Plan"));
    assert!(html.contains("<pre class=\"hl-code\"><code><span class=\"hl-source hl-rust\">"));
    assert!(
        html.contains(".hl-comment"),
        "the page carries the code's stylesheet"
    );
    assert!(!html.contains("<!--"), "{html}");
    assert!(
        html.contains("one line.&lt;/details&gt;&lt;!-- hide"),
        "{html}"
    );
    assert!(html.contains("<code>order=aurora|granite, fallbacks=demo/fast-2026-01-01</code>"));
    assert!(html.contains("via Granite Bedrock"));
    assert!(
        html.contains("<pre>Be terse.\nNever use &lt;html&gt;.</pre>"),
        "{html}"
    );
}

/// `sample` asked again of one model, with a prompt of its own at the end.
fn rerun_of_sample() -> Session {
    let mut rerun = sample();
    rerun.id = "20261125-090000-cafe".into();
    rerun.title = "rerun of Explain SSE".into();
    rerun.created_at = "2026-11-25T09:00:00Z".into();
    rerun.updated_at = "2026-11-25T09:00:00Z".into();
    let prompts = [
        "Explain SSE in one line",
        "Only for the thinker",
        "And | pipes <script>alert(1)</script>?",
        "Brand new",
    ];
    let mut pane = rerun.panes.swap_remove(0);
    pane.routing = Default::default();
    pane.turns = prompts
        .iter()
        .enumerate()
        .flat_map(|(k, p)| {
            let a = answer(
                &format!("rerun answer {}", k + 1),
                "Aurora Cloud",
                Some(0.0001),
                Finish::Complete,
            );
            [sent(p, k as u64 + 1), said(a)]
        })
        .collect();
    rerun.panes = vec![pane];
    rerun.retotal();
    rerun
}

#[tokio::test]
async fn several_sessions_export_side_by_side() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    env.store().save(&rerun_of_sample()).unwrap();
    // By a start of an id, and by `latest` (the rerun).
    let md = stdout(&env.run(&["sessions", "export", "20261124", "latest"]).await);
    assert!(md.starts_with("# 2 sessions side by side\n"), "{md}");
    assert!(md.contains("## Session 2: rerun of Explain SSE\n"));
    let p1 = position(&md, "## Prompt 1");
    let p2 = position(&md, "## Prompt 2\n\n> Only for the thinker");
    let s1 = position(
        &md,
        "### Session 1: Explain SSE in one line (`20261124-120000-beef`)",
    );
    let s2 = position(
        &md,
        "### Session 2: rerun of Explain SSE (`20261125-090000-cafe`)",
    );
    let rerun1 = position(&md, "rerun answer 1");
    assert!(p1 < s1 && s1 < s2 && s2 < rerun1 && rerun1 < p2, "{md}");
    assert!(md.contains("#### demo/fast\n\nrerun answer 1"), "{md}");
    // A prompt only the rerun has gets its own section, with only the rerun in it.
    let p4 = &md[position(&md, "## Prompt 4\n\n> Brand new")..];
    assert!(
        p4.contains("### Session 2") && !p4.contains("### Session 1"),
        "{p4}"
    );

    let html = stdout(
        &env.run(&[
            "sessions",
            "export",
            "20261124-120000-beef",
            "20261125",
            "-f",
            "html",
        ])
        .await,
    );
    assert!(html.contains("<title>2 sessions side by side</title>"));
    let round = &html[position(&html, "<h2>Prompt 1</h2>")..position(&html, "<h2>Prompt 2</h2>")];
    assert!(
        round.contains("<div class=\"answers\" style=\"--panes: 2\">"),
        "{round}"
    );
    // Row by row: the original's fast answer, the rerun's beside it, then the thinker's.
    let heads = position(round, "<h3>Session 2: rerun of Explain SSE</h3>");
    let original = position(round, "Served by the fallback");
    let again = position(round, "rerun answer 1");
    let thinker = position(round, "First try, stopped");
    assert!(
        heads < original && original < again && again < thinker,
        "{round}"
    );
    assert!(round.contains("<div class=\"absent\"></div>"));
    assert!(round.contains("<h4>demo/fast</h4>") && round.contains("<h5>Short answer</h5>"));
    // Pane by pane: the original's thinker alone had prompt 2, so the rerun's first pane
    // stands beside a gap, and the thinker's answer on the next row, beside another.
    let round = &html[position(&html, "<h2>Prompt 2</h2>")..position(&html, "<h2>Prompt 3</h2>")];
    let gap = position(round, "<div class=\"absent\"></div>");
    let again = position(round, "rerun answer 2");
    let thinker = position(round, "Focused answer");
    assert!(gap < again && again < thinker, "{round}");
    assert_eq!(round.matches("class=\"absent\"").count(), 2, "{round}");
    let p4 = &html[position(&html, "<h2>Prompt 4</h2>")..];
    assert!(p4.contains("not sent in this session"), "{p4}");

    let out = env
        .run(&["sessions", "export", "20261124", "latest", "-f", "json"])
        .await;
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(v["sessions"][1]["id"], "20261125-090000-cafe");
    assert_eq!(v["prompts"][1]["prompt"], "Only for the thinker");
    assert_eq!(v["prompts"][1]["sends"], serde_json::json!([1, 1]));
    assert_eq!(v["prompts"][3]["sends"], serde_json::json!([null, 3]));
    assert_eq!(
        v["sessions"][0]["sends"][1],
        serde_json::json!({"prompt": "Only for the thinker", "turns": [{"pane": 1, "turn": 3}]})
    );
}

#[tokio::test]
async fn an_export_naming_an_unknown_session_writes_nothing() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let dir = env.dir.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("room.html");
    std::fs::write(&file, "an earlier export").unwrap();
    let out = env
        .run(&[
            "sessions",
            "export",
            "latest",
            "nope",
            "-f",
            "html",
            "-o",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no session `nope`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "an earlier export");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file is left"
    );

    // Named rightly, the export replaces the file whole, private even if the old one was not.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = env
            .run(&[
                "sessions",
                "export",
                "latest",
                "latest",
                "-o",
                file.to_str().unwrap(),
            ])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .starts_with("# 2 sessions side by side")
        );
    }
}
