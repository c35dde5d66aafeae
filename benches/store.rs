//! Scripted benchmark of sessions on disk (issue 4): a room of 8 panes × 2,000 messages
//! (1,000 prompts and 1,000 answers each, about 50 MB of JSON). Measures what the UI thread
//! pays to hand a save over (`App::snapshot`), the save itself (on the saver's thread), a
//! load, a listing's header scan, reopening the room (`App::from_session`), and frame times
//! while a save runs beside the loop.
//! Run: `cargo bench --bench store` (prints a table; figures go in BENCHMARKS.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use modelroom::app::{Action, App, Settings, update};
use modelroom::chat::{Cost, Usage};
use modelroom::keymap::Keymap;
use modelroom::store::{
    AnswerRecord, CostStatus, FORMAT_VERSION, Finish, PaneRecord, Params, Session, SessionStore,
    Totals, Turn,
};
use modelroom::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PANES: usize = 8;
const EXCHANGES: usize = 1000;

/// About 6 KB of markdown-ish answer text, different for every answer.
fn answer_text(pane: usize, k: usize) -> String {
    let mut s = format!("## Answer {k} from pane {pane}\n\n");
    for i in 0..30 {
        s.push_str(&format!(
            "- point {i}: the quick brown fox jumps over the lazy dog, 日本語のテキスト 🦀 {k}\n"
        ));
    }
    s.push_str("\n```rust\nfn main() {\n    println!(\"hello, world\");\n}\n```\n\n");
    for _ in 0..35 {
        s.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod. ");
    }
    s
}

fn big_session() -> Session {
    let panes = (0..PANES)
        .map(|p| PaneRecord {
            model: format!("bench/model-{p}"),
            closed: false,
            routing: Default::default(),
            settings: Default::default(),
            params: Params {
                max_tokens: 2048,
                temperature: None,
                system: None,
            },
            turns: (0..EXCHANGES)
                .flat_map(|k| {
                    [
                        Turn::user(format!(
                            "Prompt number {k}: compare the approaches in detail"
                        )),
                        Turn::Assistant(std::sync::Arc::new(AnswerRecord {
                            content: answer_text(p, k),
                            reasoning: String::new(),
                            reasoning_details: Vec::new(),
                            model: Some(format!("bench/model-{p}")),
                            provider: Some("Aurora Cloud".into()),
                            generation_id: Some(format!("gen-{p}-{k}")),
                            usage: Some(Usage {
                                prompt_tokens: 1200,
                                completion_tokens: 800,
                                cost: Some(Cost::usd(0.0012)),
                                ..Usage::default()
                            }),
                            cost_usd: Some(0.0012),
                            cost_status: CostStatus::Reported,
                            ttft_ms: Some(240),
                            duration_ms: Some(4100),
                            finish: Finish::Complete,
                            finish_reason: Some("stop".into()),
                            error: None,
                            citations: Vec::new(),
                        })),
                    ]
                })
                .collect(),
        })
        .collect();
    let mut s = Session {
        version: FORMAT_VERSION,
        id: "20261125-120000-beef".into(),
        title: "benchmark".into(),
        created_at: "2026-11-25T12:00:00Z".into(),
        updated_at: "2026-11-25T12:00:00Z".into(),
        panes,
        totals: Totals::default(),
        arena: Default::default(),
    };
    s.retotal();
    s
}

/// Median and 99th percentile of `runs` timings of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    t.sort();
    let p99 = t[((t.len() as f64 * 0.99).ceil() as usize).saturating_sub(1)];
    (t[t.len() / 2], p99)
}

/// A step of the table: its name, how many runs, what one run does.
type Step<'a> = (&'static str, usize, Box<dyn FnMut() + 'a>);

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path().join("sessions")).unwrap();
    let session = big_session();
    store.save(&session).unwrap();
    let bytes = std::fs::metadata(store.path(&session.id)).unwrap().len();
    let messages: usize = session.panes.iter().map(|p| p.turns.len()).sum();
    println!(
        "session: {PANES} panes, {messages} messages, {:.1} MB on disk",
        bytes as f64 / 1e6
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let (mut app, _) = App::from_session(&session, Keymap::default(), Settings::default()).unwrap();
    update(
        &mut app,
        Action::Resize {
            width: 240,
            height: 64,
        },
    );

    // `cargo bench --bench store -- reopen` runs only the steps whose name holds `reopen` (and
    // no frames), so a profiler (callgrind) can look at one step.
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let steps: [Step<'_>; 5] = [
        (
            "snapshot on the UI thread (App::snapshot)",
            10,
            Box::new(|| {
                std::hint::black_box(app.snapshot());
            }),
        ),
        (
            "save (serialize, write, fsync, rename)",
            10,
            Box::new(|| {
                store.save(&session).unwrap();
            }),
        ),
        (
            "load (read, parse, check)",
            10,
            Box::new(|| {
                std::hint::black_box(store.load(&session.id).unwrap());
            }),
        ),
        (
            "list (header scan of the file)",
            10,
            Box::new(|| {
                std::hint::black_box(store.list().unwrap());
            }),
        ),
        (
            "reopen the room (App::from_session + layout)",
            5,
            Box::new(|| {
                let (mut a, _) =
                    App::from_session(&session, Keymap::default(), Settings::default()).unwrap();
                update(
                    &mut a,
                    Action::Resize {
                        width: 240,
                        height: 64,
                    },
                );
                std::hint::black_box(a);
            }),
        ),
    ];
    println!("\n| step | median | p99 |\n|---|---|---|");
    for (name, runs, f) in steps {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let (p50, p99) = time(runs, f);
        println!("| {name} | {} | {} |", ms(p50), ms(p99));
    }
    if only.is_some() {
        return;
    }

    // Frames while a save runs on another thread, as the saver's blocking task does.
    let mut term = Terminal::new(TestBackend::new(240, 64)).unwrap();
    let mut frame = |app: &mut App| {
        update(app, Action::Tick);
        term.draw(|f| ui::render(f, app, tokio::time::Instant::now()))
            .unwrap();
    };
    let (idle50, idle99) = time(300, || frame(&mut app));
    // Frames go on until the saver thread has finished five saves beside them.
    let saving = Arc::new(AtomicBool::new(true));
    let saves = Arc::new(AtomicUsize::new(0));
    let worker = {
        let (store, session) = (store.clone(), session.clone());
        let (saving, saves) = (saving.clone(), saves.clone());
        std::thread::spawn(move || {
            while saving.load(Ordering::Relaxed) {
                store.save(&session).unwrap();
                saves.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let mut busy = Vec::new();
    while saves.load(Ordering::Relaxed) < 5 {
        let start = Instant::now();
        frame(&mut app);
        busy.push(start.elapsed());
    }
    saving.store(false, Ordering::Relaxed);
    worker.join().unwrap();
    busy.sort();
    let busy50 = busy[busy.len() / 2];
    let busy99 = busy[((busy.len() as f64 * 0.99).ceil() as usize).saturating_sub(1)];
    println!(
        "\nframes (update + render of 8 panes), idle: p50 {} / p99 {}; \
         while saving ({} frames during 5 saves): p50 {} / p99 {}",
        ms(idle50),
        ms(idle99),
        busy.len(),
        ms(busy50),
        ms(busy99)
    );
}
