//! `ask --attach` end to end against the simulated gateway: the content parts and plugin on
//! the wire (read back from what the server recorded), a model that cannot take an image not
//! sent the request, and bad files refused with nothing sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine as _;
use common::binary::{Env, stderr, stdout};
use modelroom::sim::{self, SimHandle, SimOptions};
use serde_json::Value;
use sha2::{Digest, Sha256};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-a-small-chart";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n";

async fn gateway() -> SimHandle {
    let opts = SimOptions {
        time_scale: 0.0,
        ..SimOptions::default()
    };
    sim::start(0, opts).await.unwrap()
}

/// The simulated gateway spoken to as OpenRouter, so the catalog's inputs are read.
fn env() -> Env {
    Env::with_config("dialect = \"openrouter\"\n")
}

fn chat_bodies(sim: &SimHandle) -> Vec<Value> {
    sim.stats()
        .requests
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .map(|r| r.body)
        .collect()
}

fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn an_image_and_a_pdf_go_as_parts_and_a_text_only_model_is_not_sent_them() {
    let sim = gateway().await;
    let env = env();
    let png = env.dir.path().join("chart.png");
    let pdf = env.dir.path().join("paper.pdf");
    std::fs::write(&png, PNG).unwrap();
    std::fs::write(&pdf, PDF).unwrap();
    let base = sim.base_url();
    let out = env
        .cmd(&[
            "--base-url",
            &base,
            "ask",
            "--json",
            "-m",
            "demo/fast",
            "-m",
            "demo/thinker",
            "-m",
            "demo/coder",
            "--attach",
            png.to_str().unwrap(),
            "--attach",
            pdf.to_str().unwrap(),
            "--pdf-engine",
            "text",
            "what do these show?",
        ])
        .env("OPENROUTER_API_KEY", "sk-test")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("demo/coder does not take image input"),
        "{}",
        stderr(&out)
    );

    let bodies = chat_bodies(&sim);
    let models: Vec<&str> = bodies
        .iter()
        .map(|b| b["model"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 2, "{models:?}");
    assert!(!models.contains(&"demo/coder"));
    let b64 = base64::engine::general_purpose::STANDARD;
    for body in &bodies {
        let parts = body["messages"].as_array().unwrap().last().unwrap()["content"].clone();
        assert_eq!(
            parts[0],
            serde_json::json!({ "type": "text", "text": "what do these show?" })
        );
        let url = parts[1]["image_url"]["url"].as_str().unwrap();
        let sent = b64
            .decode(url.strip_prefix("data:image/png;base64,").unwrap())
            .unwrap();
        assert_eq!(sent, PNG);
        assert_eq!(parts[2]["type"], "file");
        assert_eq!(parts[2]["file"]["filename"], "paper.pdf");
        let data = parts[2]["file"]["file_data"].as_str().unwrap();
        let sent = b64
            .decode(data.strip_prefix("data:application/pdf;base64,").unwrap())
            .unwrap();
        assert_eq!(sent, PDF);
        assert_eq!(
            body["plugins"],
            serde_json::json!([{ "id": "file-parser", "pdf": { "engine": "cloudflare-ai" } }])
        );
    }

    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for line in &lines[..2] {
        let content = line["content"].as_str().unwrap();
        assert!(
            content.contains(&format!(
                "image/png, {} bytes, sha256 {}",
                PNG.len(),
                short_hash(PNG)
            )),
            "{content}"
        );
        assert!(
            content.contains(&format!(
                "application/pdf, {} bytes, sha256 {} read by cloudflare-ai",
                PDF.len(),
                short_hash(PDF)
            )),
            "{content}"
        );
    }
    assert_eq!(lines[2]["model"], "demo/coder");
    assert_eq!(lines[2]["error"]["code"], "not_sent");
    assert!(
        lines[2]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("image input")
    );
}

#[tokio::test]
async fn bad_attachments_are_refused_by_name_and_nothing_is_sent() {
    let sim = gateway().await;
    let env = env();
    let d = env.dir.path();
    std::fs::write(d.join("fake.png"), PDF).unwrap();
    std::fs::write(d.join("ok.png"), PNG).unwrap();
    std::fs::File::create(d.join("huge.pdf"))
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let base = sim.base_url();
    for (file, says) in [
        ("missing.png", "no such file"),
        ("huge.pdf", "over the cap of 20.0 MB per file"),
        (".", "directory"),
        (
            "fake.png",
            "its name says image/png but its content is application/pdf",
        ),
    ] {
        let path = d.join(file);
        let out = env
            .cmd(&[
                "--base-url",
                &base,
                "ask",
                "-m",
                "demo/fast",
                "--attach",
                d.join("ok.png").to_str().unwrap(),
                "--attach",
                path.to_str().unwrap(),
                "hi",
            ])
            .env("OPENROUTER_API_KEY", "sk-test")
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = stderr(&out);
        assert!(
            err.contains(says) && err.contains(path.to_str().unwrap()),
            "{file}: {err}"
        );
    }
    assert!(sim.stats().requests.is_empty(), "something was sent");
}

#[tokio::test]
async fn the_simulator_refuses_an_image_for_a_text_model_in_openrouters_shape() {
    // Without the catalog check (a plain OpenAI-dialect endpoint), the server is the judge.
    let sim = gateway().await;
    let env = Env::with_config("dialect = \"openai\"\n");
    let png = env.dir.path().join("chart.png");
    std::fs::write(&png, PNG).unwrap();
    let base = sim.base_url();
    let out = env
        .cmd(&[
            "--base-url",
            &base,
            "ask",
            "--json",
            "-m",
            "demo/coder",
            "--attach",
            png.to_str().unwrap(),
            "hi",
        ])
        .env("OPENROUTER_API_KEY", "sk-test")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let line: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(line["error"]["status"], 400);
    assert!(
        line["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not support image input")
    );
}

/// `ask`'s daily budget counts what the files add: their guessed tokens, and OCR's $2 per
/// 1,000 pages when the PDF engine is OCR (here from the config's `pdf_engine`).
#[tokio::test]
async fn the_daily_budget_counts_the_files_tokens_and_the_ocr_page_fee() {
    let sim = gateway().await;
    let base = sim.base_url();
    // 50 pages: 75,000 guessed tokens at demo/fast's $0.20/M is $0.015; OCR adds $0.10.
    let mut pdf = b"%PDF-1.4\n".to_vec();
    for _ in 0..50 {
        pdf.extend_from_slice(b"<</Type /Page>>\n");
    }
    let ask = |env: &Env, engine: Option<&'static str>| {
        let path = env.dir.path().join("scan.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let mut args = vec![
            "--base-url".to_owned(),
            base.clone(),
            "ask".to_owned(),
            "--max-tokens".to_owned(),
            "1".to_owned(),
            "-m".to_owned(),
            "demo/fast".to_owned(),
            "--attach".to_owned(),
            path.display().to_string(),
        ];
        if let Some(e) = engine {
            args.extend(["--pdf-engine".to_owned(), e.to_owned()]);
        }
        args.push("what is this?".to_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cmd = env.cmd(&args);
        cmd.env("OPENROUTER_API_KEY", "sk-test");
        async move { cmd.output().await.unwrap() }
    };
    let env = Env::with_config(
        "dialect = \"openrouter\"\ndaily_budget_usd = 0.05\npdf_engine = \"ocr\"\n",
    );
    let out = ask(&env, None).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("would pass today's budget"),
        "{}",
        stderr(&out)
    );
    assert!(chat_bodies(&sim).is_empty());
    // Read as text the pages cost their tokens only, under the budget.
    let out = ask(&env, Some("text")).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(chat_bodies(&sim).len(), 1);
    // The tokens alone pass a smaller budget.
    let small = Env::with_config("dialect = \"openrouter\"\ndaily_budget_usd = 0.01\n");
    let out = ask(&small, Some("text")).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(chat_bodies(&sim).len(), 1);
}
