//! Attachments end to end: the real room loop on a `TestBackend` with scripted keys and a
//! bracketed paste, the real client and saver, the simulated gateway on 127.0.0.1 (which
//! records the bodies it receives), and the session on disk afterwards — resumed, exported,
//! and rerun by the binary. Waits on the loop's status signal, never on wall-clock sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use base64::Engine as _;
use common::binary::{Env, stderr};
use common::live::{self, Room};
use modelroom::api::{Client, Dialect, PdfEngine};
use modelroom::app::{App, Settings};
use modelroom::attach::{Attachment, Kind, hex};
use modelroom::catalog::cache::CatalogCache;
use modelroom::keymap::Keymap;
use modelroom::runtime;
use modelroom::sim::{self, SimOptions};
use modelroom::store::{FORMAT_VERSION, PaneRecord, Params, Session, SessionStore, Totals, Turn};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use serde_json::Value;
use sha2::{Digest, Sha256};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-a-small-chart";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type /Page>>\ntrailer\n";

fn short_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))[..16].to_owned()
}

fn chat_bodies(sim: &sim::SimHandle) -> Vec<Value> {
    sim.stats()
        .requests
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .map(|r| r.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_and_a_pdf_to_three_panes_one_flagged_the_others_answer_and_the_session_keeps_them()
 {
    let sim = live::gateway().await;
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let (png, pdf) = (
        files.path().join("chart.png"),
        files.path().join("paper.pdf"),
    );
    std::fs::write(&png, PNG).unwrap();
    std::fs::write(&pdf, PDF).unwrap();
    let sessions = data.path().join("sessions");
    let store = SessionStore::open(&sessions).unwrap();
    let client = Client::new(live::endpoint(&sim.base_url(), Dialect::OpenRouter)).unwrap();
    let cache = CatalogCache::new(data.path(), &sim.base_url(), Some("demo"));
    let saving = store.clone();
    // The room's PDF engine is `text`; pane 2 says `pdf=ocr` for itself.
    let models = modelroom::model::parse_all(&["demo/fast", "demo/thinker", "demo/coder"]).unwrap();
    let app = move || {
        let settings = Settings {
            pdf_engine: Some(PdfEngine::Text),
            ..Settings::default()
        };
        let mut app = App::new(&models, Keymap::default(), settings);
        app.panes[1].settings.pdf = Some(PdfEngine::Ocr);
        app
    };
    let mut room = Room::start_app(client, app, (160, 40), move |ctx, tx| {
        ctx.saver = Some(runtime::Saver::new(saving.clone(), tx.clone()));
        ctx.store = Some(saving);
        ctx.catalog_cache = Some(cache);
        runtime::start_background(ctx);
    });
    room.wait("the catalog", |s| s.catalog_models > 0).await;
    // The image through the path prompt, the PDF pasted (and the offer accepted).
    room.key(KeyCode::Char('f'), KeyModifiers::ALT);
    room.type_text(&png.display().to_string());
    room.key(KeyCode::Enter, KeyModifiers::NONE);
    room.wait("the image to load", |s| {
        s.attachments == 1 && s.attachments_loading == 0
    })
    .await;
    room.paste(&pdf.display().to_string());
    room.wait("the offer of the pasted file", |s| s.asking)
        .await;
    room.key(KeyCode::Enter, KeyModifiers::NONE);
    room.wait("the PDF to load", |s| {
        s.attachments == 2 && s.attachments_loading == 0
    })
    .await;
    // demo/coder takes text only: the send asks first; Enter sends to the other two.
    room.type_line("what do these show?");
    room.wait("the question about pane 3", |s| s.asking).await;
    room.key(KeyCode::Enter, KeyModifiers::NONE);
    room.wait("two answers", |s| s.answers == 2 && s.streaming == 0)
        .await;
    let (app, term) = room.quit().await;

    // On the wire: two requests, none to demo/coder, each with the text, the image and the PDF.
    let bodies = chat_bodies(&sim);
    let models: Vec<&str> = bodies
        .iter()
        .map(|b| b["model"].as_str().unwrap())
        .collect();
    assert_eq!(models.len(), 2, "{models:?}");
    assert!(!models.contains(&"demo/coder"));
    let b64 = base64::engine::general_purpose::STANDARD;
    for body in &bodies {
        let parts = &body["messages"].as_array().unwrap().last().unwrap()["content"];
        assert_eq!(parts[0]["text"], "what do these show?");
        assert_eq!(
            parts[1]["image_url"]["url"],
            format!("data:image/png;base64,{}", b64.encode(PNG))
        );
        assert_eq!(parts[2]["file"]["filename"], "paper.pdf");
        let engine = if body["model"] == "demo/thinker" {
            "mistral-ocr"
        } else {
            "cloudflare-ai"
        };
        assert_eq!(
            body["plugins"],
            serde_json::json!([{ "id": "file-parser", "pdf": { "engine": engine } }]),
            "{}",
            body["model"]
        );
    }
    // The two answered, each describing what it received; pane 3 says why it did not.
    for pane in &app.panes[..2] {
        let answer = &pane.last_answer().unwrap().reply.content;
        assert!(
            answer.contains(&format!(
                "image/png, {} bytes, sha256 {}",
                PNG.len(),
                short_hash(PNG)
            )),
            "{answer}"
        );
        assert!(answer.contains("application/pdf"), "{answer}");
    }
    assert!(app.panes[2].entries.is_empty());
    let screen = live::screen(&term).join("\n");
    assert!(screen.contains("not sent the last prompt"), "{screen}");
    assert!(
        screen.contains(&format!("chart.png {} B", PNG.len())),
        "{screen}"
    );

    // On disk: the session names the files by hash; each file is kept once, private.
    let id = app.session.id.clone();
    let raw = std::fs::read_to_string(sessions.join(format!("{id}.json"))).unwrap();
    assert!(
        !raw.contains(&b64.encode(PNG)),
        "the bytes are not in the session file"
    );
    let png_hash = hex(&Sha256::digest(PNG));
    assert!(raw.contains(&png_hash));
    let kept = data.path().join("attachments");
    let png_file = kept.join(format!("{png_hash}.png"));
    assert_eq!(std::fs::read(&png_file).unwrap(), PNG);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&png_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(std::fs::read_dir(&kept).unwrap().count(), 2);

    // Resumed (the room that wrote it has let go): the prompt has its files back, ready to
    // go again with a follow-up.
    store.release(&id);
    let reader = SessionStore::open(&sessions).unwrap();
    let opened = reader.open_for_room(&id).unwrap();
    assert!(opened.note.is_none(), "{:?}", opened.note);
    let (resumed, _) =
        App::from_session(&opened.session, Keymap::default(), Settings::default()).unwrap();
    let chat = resumed.panes[0].chat_for(1, &Settings::default());
    let asked = chat.messages.last().unwrap();
    assert_eq!(asked.attachments.len(), 2);
    assert!(asked.attachments.iter().all(Attachment::has_data));

    // Exported: the image inline in HTML, a link to the kept file in Markdown.
    let blobs = reader.blobs();
    let mut html = Vec::new();
    modelroom::sessions::export(
        std::slice::from_ref(&opened.session),
        modelroom::sessions::ExportFormat::Html,
        None,
        &mut html,
        Some(&blobs),
    )
    .unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains(&format!(
        "src=\"data:image/png;base64,{}\"",
        b64.encode(PNG)
    )));
    assert!(html.contains("img-src data:"));
    let md = modelroom::sessions::markdown::markdown_linking(
        std::slice::from_ref(&opened.session),
        Some(&blobs),
    );
    assert!(md.contains(&format!("(<{}>)", png_file.display())), "{md}");
    reader.release(&id);

    // A kept file gone: the session still opens, whole but for it, and says so.
    std::fs::remove_file(kept.join(format!("{}.pdf", hex(&Sha256::digest(PDF))))).unwrap();
    let again = SessionStore::open(&sessions)
        .unwrap()
        .open_for_room(&id)
        .unwrap();
    let note = again.note.unwrap();
    assert!(
        note.contains("paper.pdf") && note.contains("missing"),
        "{note}"
    );
    let Turn::User { attachments, .. } = &again.session.panes[0].turns[0] else {
        panic!("a prompt first")
    };
    assert!(attachments[0].has_data() && !attachments[1].has_data());
    assert_eq!(again.session.totals.answers, 2);
}

/// A session laid down as the room would have saved it: one prompt with an image.
fn session_with_image(env: &Env) -> (String, Attachment) {
    let store = env.store();
    let image = Attachment {
        name: "chart.png".into(),
        kind: Kind::Image,
        mime: "image/png".into(),
        size: PNG.len() as u64,
        sha256: hex(&Sha256::digest(PNG)),
        pages: None,
        data: Arc::new(PNG.to_vec()),
    };
    store.blobs().put(&image).unwrap();
    let session = Session {
        version: FORMAT_VERSION,
        id: "20261202-0700-beef".into(),
        title: "a chart".into(),
        created_at: String::new(),
        updated_at: String::new(),
        panes: vec![PaneRecord {
            model: "demo/fast".into(),
            closed: false,
            routing: Default::default(),
            settings: Default::default(),
            params: Params::default(),
            turns: vec![Turn::User {
                content: "what does it show?".into(),
                send: None,
                attachments: vec![image.clone()],
            }],
        }],
        totals: Totals::default(),
        arena: Default::default(),
    };
    store.save(&session).unwrap();
    (session.id, image)
}

#[tokio::test]
async fn rerun_and_export_read_the_kept_files_back_and_a_text_model_is_refused_before_sending() {
    let sim = sim::start(
        0,
        SimOptions {
            time_scale: 0.0,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let env = Env::with_config("dialect = \"openrouter\"\n");
    let (id, image) = session_with_image(&env);
    let base = sim.base_url();
    let rerun = |model: &'static str| {
        env.cmd(&[
            "--base-url",
            &base,
            "sessions",
            "rerun",
            &id,
            "-m",
            model,
            "--no-save",
        ])
        .env("OPENROUTER_API_KEY", "sk-test")
        .output()
    };
    // A model that takes no images is refused by name, and nothing is sent.
    let out = rerun("demo/coder").await.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("demo/coder does not take image input"));
    assert!(chat_bodies(&sim).is_empty());
    // One that does gets the image again.
    let out = rerun("demo/fast").await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bodies = chat_bodies(&sim);
    assert_eq!(bodies.len(), 1);
    let url = &bodies[0]["messages"].as_array().unwrap().last().unwrap()["content"][1];
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(
        url["image_url"]["url"],
        format!("data:image/png;base64,{}", b64.encode(PNG))
    );
    // Shown with its file named.
    let out = env.run(&["sessions", "show", &id]).await;
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains(&format!(
            "chart.png {} B (image/png, sha256 {}",
            PNG.len(),
            image.sha256
        )),
        "{shown}"
    );
    // Exported as HTML by the binary, with the image inline.
    let out = env
        .run(&["sessions", "export", &id, "--format", "html"])
        .await;
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.contains("data:image/png;base64,"), "{}", stderr(&out));
    // Without its kept file, a rerun is refused (it would ask another question).
    let kept = env.store().blobs().path_of(&image).unwrap();
    std::fs::remove_file(kept).unwrap();
    let out = rerun("demo/fast").await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("chart.png") && stderr(&out).contains("missing"),
        "{}",
        stderr(&out)
    );
    assert_eq!(chat_bodies(&sim).len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn a_reruns_daily_budget_counts_the_files_it_sends_again() {
    let sim = sim::start(
        0,
        SimOptions {
            time_scale: 0.0,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    // A budget nothing fits in: the refusal names the most the rerun could cost.
    let env = Env::with_config("dialect = \"openrouter\"\ndaily_budget_usd = 0.000001\n");
    let (id, _) = session_with_image(&env);
    let base = sim.base_url();
    let most = |id: String| {
        let mut cmd = env.cmd(&[
            "--base-url",
            &base,
            "sessions",
            "rerun",
            &id,
            "-m",
            "demo/thinker",
            "--no-save",
        ]);
        async move {
            let out = cmd
                .env("OPENROUTER_API_KEY", "sk-test")
                .output()
                .await
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
            let err = stderr(&out);
            let at = err.find("up to $").unwrap_or_else(|| panic!("{err}")) + "up to $".len();
            err[at..]
                .split_whitespace()
                .next()
                .unwrap()
                .parse::<f64>()
                .unwrap()
        }
    };
    let with_image = most(id).await;
    // The same prompt without its image.
    let store = env.store();
    let mut plain = store.load("20261202-0700-beef").unwrap();
    plain.id = "20261202-0701-cafe".into();
    plain.panes[0].turns = vec![Turn::user("what does it show?")];
    store.save(&plain).unwrap();
    let without = most(plain.id.clone()).await;
    // demo/thinker's catalog prices an image at $0.001 on top of its tokens.
    assert!(with_image >= without + 0.001, "{with_image} vs {without}");
    assert!(chat_bodies(&sim).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn the_demo_believes_its_own_catalog_not_one_an_older_build_cached() {
    let env = Env::new();
    // An older build's demo catalog, cached a moment ago: there, demo/fast took text only.
    let mut catalog = modelroom::sim::catalog_json();
    for m in catalog["data"].as_array_mut().unwrap() {
        m["architecture"]["input_modalities"] = serde_json::json!(["text"]);
    }
    let models: Vec<modelroom::api::ModelEntry> =
        serde_json::from_value(catalog["data"].clone()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    CatalogCache::new(&env.data(), "http://127.0.0.1:9", Some("demo"))
        .save(&modelroom::api::Catalog::new(models), now)
        .unwrap();
    let png = env.dir.path().join("chart.png");
    std::fs::write(&png, PNG).unwrap();
    let out = env
        .run(&[
            "--demo",
            "ask",
            "-m",
            "demo/fast",
            "--attach",
            png.to_str().unwrap(),
            "what is it?",
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("image/png"));
}
