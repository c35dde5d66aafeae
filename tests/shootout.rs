//! The provider shoot-out (issue 13) from the built binary against the simulated gateway on
//! 127.0.0.1: a model's providers listed, one pane per provider pinned (checked on the
//! request bodies the gateway received), a broken pin said loudly, and the routing filters
//! that make a comparison fair.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::binary::{stderr, stdout};
use common::gateway_env::{chat_bodies, env_for, gateway, json_lines, run};
use serde_json::Value;

#[tokio::test]
async fn models_endpoints_lists_a_models_providers() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(&env, &["models", "--endpoints", "demo/thinker"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Providers of demo/thinker\ntag "),
        "{text}"
    );
    for row in [
        "granite  Granite Bedrock  bf16   200000   3.15    15.75    99.6%   0.67       72     ok",
        "quasar   Quasar Compute   fp4    200000   4.20    21.00    99.6%   0.27       176    ok",
    ] {
        assert!(text.contains(row), "{row}: {text}");
    }
    let out = run(&env, &["models", "--endpoints", "demo/thinker", "--json"]).await;
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[2]["quantization"], "fp4");
    assert!(list[2]["throughput_last_30m"]["p50"].as_f64().unwrap() > 0.0);
    let out = run(&env, &["models", "--endpoints", "demo/nothing"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot list the providers of demo/nothing: 404"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_provider_shootout_pins_one_pane_per_provider() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(
        &env,
        &[
            "ask",
            "--providers",
            "all",
            "--json",
            "-m",
            "demo/thinker{effort=low}",
            "hi",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    let answers: Vec<&Value> = lines.iter().filter(|l| l["pane"].is_u64()).collect();
    let served: Vec<(&str, &str)> = answers
        .iter()
        .map(|l| {
            (
                l["pinned"].as_str().unwrap(),
                l["provider"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        served,
        [
            ("granite", "Granite Bedrock"),
            ("cirrus", "Cirrus AI"),
            ("quasar", "Quasar Compute")
        ]
    );
    assert!(answers.iter().all(|l| l["pin_broken"] == false));
    assert_eq!(answers[2]["pinned_provider"], "Quasar Compute · fp4");
    // Each request was pinned: only its provider, no fallbacks; the pane's settings kept.
    let bodies = chat_bodies(&sim);
    let pins: Vec<Value> = bodies.iter().map(|b| b["provider"].clone()).collect();
    for (pin, tag) in pins.iter().zip(["granite", "cirrus", "quasar"]) {
        assert_eq!(
            pin,
            &serde_json::json!({"only": [tag], "allow_fallbacks": false})
        );
    }
    assert!(bodies.iter().all(|b| b["reasoning"]["effort"] == "low"));
    // Different providers bill differently.
    let cost = |i: usize| answers[i]["cost"].as_f64().unwrap();
    assert!(cost(0) < cost(2), "{} {}", cost(0), cost(2));

    let out = run(
        &env,
        &[
            "ask",
            "--providers",
            "cirrus,nope",
            "-m",
            "demo/thinker",
            "hi",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "demo/thinker has no provider tagged `nope`: its providers are granite, cirrus, quasar"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(chat_bodies(&sim).len(), 3, "nothing more was sent");
}

#[tokio::test]
async fn a_pinned_pane_served_by_another_provider_says_so_loudly() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(
        &env,
        &[
            "ask",
            "--providers",
            "granite",
            "-m",
            "demo/thinker",
            "[sim:ignorepin] hi",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("━━ demo/thinker @ Granite Bedrock · bf16 ━━"),
        "{text}"
    );
    assert!(
        text.contains("⚠⚠ PINNED TO `granite` BUT SERVED BY Cirrus AI"),
        "{text}"
    );
    let out = run(
        &env,
        &[
            "ask",
            "--json",
            "--providers",
            "granite",
            "-m",
            "demo/thinker",
            "[sim:ignorepin] hi",
        ],
    )
    .await;
    assert_eq!(json_lines(&out)[0]["pin_broken"], true);
}

#[tokio::test]
async fn the_fairness_filters_are_sent_and_honoured() {
    let sim = gateway().await;
    let env = env_for(&sim);
    for (args, provider) in [
        (
            vec!["-m", "demo/thinker{quantizations=fp4}"],
            "Quasar Compute",
        ),
        (
            vec!["-m", "demo/thinker{zdr=true,sort=throughput}"],
            "Granite Bedrock",
        ),
        (
            vec!["-m", "demo/thinker{sort=throughput,seed=1}"],
            "Quasar Compute",
        ),
        (
            vec![
                "-m",
                "demo/thinker{sort=throughput,seed=1}",
                "--require-parameters",
            ],
            "Granite Bedrock",
        ),
        (
            vec!["-m", "demo/thinker", "--min-throughput", "150"],
            "Quasar Compute",
        ),
        (
            vec!["-m", "demo/thinker", "--quantizations", "fp16"],
            "Cirrus AI",
        ),
    ] {
        let mut all = vec!["ask", "--json"];
        all.extend(&args);
        all.push("hi");
        let out = run(&env, &all).await;
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(json_lines(&out)[0]["provider"], provider, "{args:?}");
    }
    let bodies = chat_bodies(&sim);
    assert_eq!(
        bodies[0]["provider"]["quantizations"],
        serde_json::json!(["fp4"])
    );
    assert_eq!(bodies[1]["provider"]["zdr"], true);
    assert_eq!(bodies[3]["provider"]["require_parameters"], true);
    assert_eq!(bodies[4]["provider"]["preferred_min_throughput"], 150.0);
    let out = run(
        &env,
        &["ask", "--quantizations", "fp9", "-m", "demo/thinker", "hi"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("quantization `fp9` is not allowed"),
        "{}",
        stderr(&out)
    );
}
