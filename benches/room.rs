//! Scripted benchmark of the room (issue 3): eight panes with 10,000-line transcripts.
//! Part 1 drives `update` and `render` directly (frame time p50/p99 while eight answers grow,
//! CPU per 1,000 tokens at a short and a long transcript, key-to-screen); part 2 runs the real
//! event loop against the simulated gateway at its fastest rate.
//! Run: `cargo bench --bench room` (prints a table; figures go in BENCHMARKS.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use std::time::{Duration, Instant};

use modelroom::api::{ApiKey, Client, Dialect, Endpoint, StreamEvent};
use modelroom::app::{Action, App, Command, Effect, PaneId, RequestId, Settings, update};
use modelroom::chat::{Cost, FinishReason, Usage};
use modelroom::keymap::Keymap;
use modelroom::runtime;
use modelroom::sim::{self, SimOptions};
use modelroom::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

const PANES: usize = 8;
const WIDTH: u16 = 240;
const HEIGHT: u16 = 64;

fn models() -> Vec<modelroom::model::ModelRef> {
    (0..PANES)
        .map(|i| format!("bench/model-{i}").parse().unwrap())
        .collect()
}

/// Sends one prompt to every pane; returns each pane's live request.
fn send(app: &mut App, prompt: &str) -> Vec<(PaneId, RequestId)> {
    app.prompt.set_text(prompt);
    update(app, Action::Command(Command::Send))
        .into_iter()
        .filter_map(|e| match e {
            Effect::StartStream { pane, request, .. } => Some((pane, request)),
            _ => None,
        })
        .collect()
}

fn stream(app: &mut App, pane: PaneId, request: RequestId, event: StreamEvent) {
    update(
        app,
        Action::Streamed {
            pane,
            request,
            events: vec![event],
        },
    );
}

fn finish(app: &mut App, live: &[(PaneId, RequestId)]) {
    for &(pane, request) in live {
        let usage = Usage {
            prompt_tokens: 10,
            completion_tokens: 10,
            cost: Some(Cost::usd(0.0001)),
            ..Usage::default()
        };
        stream(app, pane, request, StreamEvent::Usage(usage));
        stream(
            app,
            pane,
            request,
            StreamEvent::Finished(FinishReason::Stop),
        );
        stream(app, pane, request, StreamEvent::Done);
    }
}

/// Fills every pane with about `lines` wrapped lines of finished answers.
fn room_with_transcripts(lines: usize) -> App {
    let mut app = App::new(&models(), Keymap::default(), Settings::default());
    update(
        &mut app,
        Action::Resize {
            width: WIDTH,
            height: HEIGHT,
        },
    );
    let line = "A line of a finished answer with some words, 日本語 and an emoji 🦀 to wrap.\n";
    let chunk: String = line.repeat(500);
    let mut have = 0;
    while have < lines {
        let live = send(&mut app, "fill the transcript");
        for &(pane, request) in &live {
            stream(&mut app, pane, request, StreamEvent::Content(chunk.clone()));
        }
        finish(&mut app, &live);
        have = app.panes[0].total_lines();
    }
    app
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// User plus system CPU time of this process, from /proc (Linux).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// Frames while all eight answers grow, one token per pane between frames.
fn frames_while_streaming(app: &mut App, frames: usize) -> Vec<Duration> {
    let mut term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let live = send(app, "stream now");
    let tokens = [
        "Streaming ",
        "tokens ",
        "into ",
        "eight ",
        "panes ",
        "at once, ",
        "日本語 ",
        "🦀\n",
    ];
    let mut times = Vec::with_capacity(frames);
    for f in 0..frames {
        for (i, &(pane, request)) in live.iter().enumerate() {
            stream(
                app,
                pane,
                request,
                StreamEvent::Content(tokens[(f + i) % tokens.len()].into()),
            );
        }
        let start = Instant::now();
        app.render_visible();
        term.draw(|frame| ui::render(frame, app, tokio::time::Instant::now()))
            .unwrap();
        times.push(start.elapsed());
    }
    finish(app, &live);
    times.sort();
    times
}

/// Time to fold 1,000 tokens into one pane's live answer and render them, at 1,500 tokens/s
/// (24 tokens per 16 ms frame; the runtime renders before each frame). This loop is
/// single-threaded and never blocks, so its wall time is its CPU time (/proc's 10 ms tick is
/// too coarse here).
fn update_per_1000_tokens(app: &mut App, tokens: usize) -> Duration {
    let live = send(app, "count tokens");
    let (pane, request) = live[0];
    let start = Instant::now();
    for i in 0..tokens {
        let t = if i % 12 == 11 { "word\n" } else { "word " };
        stream(app, pane, request, StreamEvent::Content(t.into()));
        if i % 24 == 23 {
            app.render_visible();
        }
    }
    let wall = start.elapsed();
    finish(app, &live);
    wall * 1000 / u32::try_from(tokens).unwrap()
}

/// A key press, its update, and the frame that shows it.
fn key_to_screen(app: &mut App, presses: usize) -> Vec<Duration> {
    let mut term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let mut times = Vec::with_capacity(presses);
    for i in 0..presses {
        let c = char::from(b'a' + u8::try_from(i % 26).unwrap());
        let start = Instant::now();
        update(
            app,
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        term.draw(|frame| ui::render(frame, app, tokio::time::Instant::now()))
            .unwrap();
        times.push(start.elapsed());
    }
    times.sort();
    times
}

async fn end_to_end() {
    // Real pacing: demo/fast streams at about 1,500 tokens/s, the simulator's fastest model.
    let sim = sim::start(
        0,
        SimOptions {
            time_scale: 1.0,
            balance_usd: 1000.0,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let mut ep = Endpoint::new(sim.base_url(), Some(ApiKey::new("sk-bench")));
    ep.dialect = Dialect::OpenRouter;
    let client = Client::new(ep).unwrap();
    let mut app = room_with_transcripts(10_000);
    app.settings.max_tokens = 8192;
    for pane in &mut app.panes {
        pane.model = "demo/fast".parse().unwrap();
    }
    let (mut ctx, _tx) = runtime::context(client);
    ctx.clipboard = Box::new(|_| {});
    ctx.frame_log = Some(Vec::new());
    let (status_tx, mut status) = tokio::sync::watch::channel(runtime::LoopStatus::default());
    ctx.status = Some(status_tx);
    let (keys, input) = futures::channel::mpsc::unbounded();
    let answers_before: usize = app.panes.iter().map(|p| p.answers().count()).sum();
    let task = tokio::task::spawn_local(async move {
        let mut term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
        runtime::run_loop(&mut app, &mut term, input, &mut ctx)
            .await
            .unwrap();
        (app, ctx)
    });
    let key = |code| Ok::<_, std::io::Error>(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    status.wait_for(|s| s.frames > 0).await.unwrap();
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    for c in "[sim:tokens=3000] go".chars() {
        keys.unbounded_send(key(KeyCode::Char(c))).unwrap();
    }
    keys.unbounded_send(key(KeyCode::Enter)).unwrap();
    status
        .wait_for(|s| s.answers == answers_before + PANES && s.streaming == 0)
        .await
        .unwrap();
    let wall = t0.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);
    keys.unbounded_send(Ok(Event::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
    ))))
    .unwrap();
    let (app, ctx) = task.await.unwrap();
    let tokens: u64 = app
        .panes
        .iter()
        .filter_map(|p| p.last_answer())
        .filter_map(|a| a.reply.usage)
        .map(|u| u.completion_tokens)
        .sum();
    let mut frames = ctx.frame_log.unwrap_or_default();
    frames.sort();
    println!("end to end, 8 panes × 10k lines, each streaming demo/fast (~1,500 tok/s) at once:");
    println!("  tokens streamed            {tokens}");
    println!("  wall time                  {}", ms(wall));
    println!("  frames drawn               {}", frames.len());
    println!(
        "  frame render p50 / p99     {} / {}",
        ms(percentile(&frames, 0.5)),
        ms(percentile(&frames, 0.99))
    );
    println!(
        "  process CPU per 1k tokens  {} (all threads: loop, sim, HTTP)",
        ms(cpu * 1000 / u32::try_from(tokens.max(1)).unwrap())
    );
    sim.shutdown().await;
}

fn main() {
    // `cargo test --benches` runs bench binaries with `--bench` absent; keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut app = room_with_transcripts(10_000);
    println!(
        "room: {PANES} panes, {} lines each, {WIDTH}×{HEIGHT}",
        app.panes[0].total_lines()
    );
    let frames = frames_while_streaming(&mut app, 2000);
    println!("frame render while 8 answers grow (2000 frames):");
    println!(
        "  p50 {}   p99 {}   max {}",
        ms(percentile(&frames, 0.5)),
        ms(percentile(&frames, 0.99)),
        ms(frames[frames.len() - 1])
    );
    let mut short = App::new(&models(), Keymap::default(), Settings::default());
    update(
        &mut short,
        Action::Resize {
            width: WIDTH,
            height: HEIGHT,
        },
    );
    println!("update time per 1,000 tokens (one pane):");
    println!(
        "  empty transcript           {}",
        ms(update_per_1000_tokens(&mut short, 50_000))
    );
    println!(
        "  10,000-line transcript     {}",
        ms(update_per_1000_tokens(&mut app, 50_000))
    );
    let keys = key_to_screen(&mut app, 500);
    println!("key press → update → frame drawn (500 presses):");
    println!(
        "  p50 {}   p99 {}",
        ms(percentile(&keys, 0.5)),
        ms(percentile(&keys, 0.99))
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The room is not `Send` (syntect's Oniguruma state), so its loop is a local task.
    rt.block_on(tokio::task::LocalSet::new().run_until(end_to_end()));
}
