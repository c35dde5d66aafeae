//! `modelroom leaderboard` and `modelroom votes export` as a user runs them, on a data directory
//! of their own: a board from the person's ledger (blind votes by default, by tag, with medians,
//! a damaged line reported), from a battles file with bad lines, the JSON shape, and the export
//! read back as battles.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::binary::{Env, stderr, stdout};
use modelroom::arena::{Entry, MarkdownCounts, Outcome, Vote, VoteLedger, VotedAnswer};
use serde_json::Value;

fn answer(model: &str, cost: f64) -> VotedAnswer {
    VotedAnswer {
        requested: model.into(),
        served: Some(model.into()),
        provider: Some("Aurora".into()),
        fallback: false,
        tokens: Some(100),
        markdown: MarkdownCounts::default(),
        cost_usd: Some(cost),
        latency_ms: Some(1200),
        named_itself: false,
    }
}

/// Seven blind votes on `#code` (x/strong wins 5, loses 1, one tie), one not blind.
fn ledger(env: &Env) -> VoteLedger {
    let ledger = VoteLedger::new(&env.data());
    let outcomes = [0, 0, 1, 0, 0, 9, 0];
    for (round, o) in outcomes.iter().enumerate() {
        let outcome = if *o == 9 {
            Outcome::Tie
        } else {
            Outcome::Best(*o)
        };
        let v = Vote::new(
            "s1",
            round as u32,
            "sort a list #code",
            outcome,
            true,
            vec![answer("x/strong", 0.002), answer("y/weak", 0.001)],
        );
        ledger.append(&Entry::Vote(v)).unwrap();
    }
    let open = Vote::new(
        "s1",
        9,
        "a poem",
        Outcome::Best(1),
        false,
        vec![answer("x/strong", 0.5), answer("y/weak", 0.5)],
    );
    ledger.append(&Entry::Vote(open)).unwrap();
    ledger
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn the_board_counts_blind_votes_and_reports_damage() {
    let env = Env::new();
    let ledger = ledger(&env);
    let out = env.run(&["leaderboard", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = lines(&stdout(&out));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["model"], "x/strong");
    for key in [
        "rating", "ci_low", "ci_high", "rank", "votes", "wins", "losses", "ties", "both_bad",
    ] {
        assert!(rows[0].get(key).is_some(), "{key}");
    }
    assert_eq!(
        (
            rows[0]["votes"].as_u64(),
            rows[0]["wins"].as_u64(),
            rows[0]["ties"].as_u64()
        ),
        (Some(7), Some(5), Some(1))
    );
    assert_eq!(rows[0]["median_cost_usd"].as_f64(), Some(0.002));
    assert!(rows[0]["rating"].as_f64() > rows[1]["rating"].as_f64());
    // The same again: the bootstrap is seeded.
    assert_eq!(
        stdout(&env.run(&["leaderboard", "--json"]).await),
        stdout(&out)
    );

    let all = lines(&stdout(
        &env.run(&["leaderboard", "--json", "--all-votes"]).await,
    ));
    assert_eq!(all[0]["votes"].as_u64(), Some(8));
    let poem = env.run(&["leaderboard", "--tag", "poem"]).await;
    assert!(poem.status.success() && stdout(&poem).is_empty());
    assert!(
        stderr(&poem).contains("nothing to rate: 0 blind votes tagged #poem"),
        "{}",
        stderr(&poem)
    );

    std::fs::OpenOptions::new()
        .append(true)
        .open(ledger.path())
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"kind\":\"vote\",\"v\":1\n"))
        .unwrap();
    let table = env
        .run(&["leaderboard", "--tag", "#code", "--resamples", "50"])
        .await;
    assert!(table.status.success());
    let text = stdout(&table);
    assert!(
        text.contains("7 blind votes tagged #code") && text.contains("x/strong"),
        "{text}"
    );
    assert!(text.contains("$0.002 ") && text.contains("1.2s"), "{text}");
    assert!(
        stderr(&table).contains("line 9 skipped"),
        "{}",
        stderr(&table)
    );
}

#[tokio::test]
async fn a_battles_file_is_rated_with_its_bad_lines_reported() {
    let env = Env::new();
    let file = env.dir.path().join("battles.jsonl");
    std::fs::write(
        &file,
        "{\"model_a\":\"p\",\"model_b\":\"q\",\"winner\":\"model_a\"}\n\
         {\"model_a\":\"p\",\"model_b\":\"q\",\"winner\":\"model_c\"}\n\
         {\"model_a\":\"q\",\"model_b\":\"r\",\"winner\":\"tie (bothbad)\"}\n\
         oops\n",
    )
    .unwrap();
    let out = env
        .run(&["leaderboard", "--battles", file.to_str().unwrap(), "--json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("line 2: winner `model_c`") && err.contains("line 4:"),
        "{err}"
    );
    let rows = lines(&stdout(&out));
    assert_eq!(rows.len(), 3);
    let q = rows.iter().find(|r| r["model"] == "q").unwrap();
    assert_eq!(
        (q["losses"].as_u64(), q["both_bad"].as_u64()),
        (Some(1), Some(1))
    );
    // Nothing valid left: exit 2.
    std::fs::write(&file, "oops\n{\"model_a\":\"p\"}\n").unwrap();
    let none = env
        .run(&["leaderboard", "--battles", file.to_str().unwrap()])
        .await;
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("no valid battle"),
        "{}",
        stderr(&none)
    );
    // The person's ledger was never touched.
    assert!(!env.data().join("votes.jsonl").exists());
}

#[tokio::test]
async fn exported_votes_are_battles_the_board_reads_back() {
    let env = Env::new();
    ledger(&env);
    let out_file = env.dir.path().join("mine.jsonl");
    let out = env
        .run(&["votes", "export", "-o", out_file.to_str().unwrap()])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&out_file).unwrap();
    let battles = lines(&text);
    assert_eq!(battles.len(), 8);
    assert_eq!(battles[0]["winner"], "model_a");
    assert_eq!(battles[5]["winner"], "tie");
    assert_eq!(battles[7]["anony"], false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let from_file = env
        .run(&[
            "leaderboard",
            "--battles",
            out_file.to_str().unwrap(),
            "--json",
        ])
        .await;
    let from_votes = env.run(&["leaderboard", "--json"]).await;
    // The same blind battles give the same ratings (medians only come with votes).
    let strip = |o: &std::process::Output| {
        lines(&stdout(o))
            .into_iter()
            .map(|r| (r["model"].clone(), r["rating"].clone(), r["ci_low"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&from_file), strip(&from_votes));
}
