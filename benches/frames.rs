//! The room's own cost per streamed chunk, without the network (issue 10): the simulated
//! gateway's flood (`sim::flood`, the chunks `benches/flood.sh` streams) folded into 1 or 8
//! panes of a 200×50 room through `update`, as the event loop does when chunks arrive faster
//! than frames: the finished blocks settled after each wake-up's events, a frame rendered and
//! drawn every `BATCH` chunks (all panes together) through the room's own backend
//! (`runtime::Screen` into a frame buffer), its escape sequences written nowhere.
//! Deterministic, so it can be counted with callgrind where wall time is too noisy:
//!   `cargo bench --bench frames` (prints CPU per chunk and frame p50/p99)
//!   `valgrind --tool=callgrind --toggle-collect=frames::stream target/release/deps/frames-<hash> 1`
//!   (instructions of the measured part, 1 pane)
//! Grammars are compiled before the clock starts: this measures the per-chunk cost only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use std::io::{self, BufWriter};
use std::sync::Arc;
use std::time::{Duration, Instant};

use modelroom::api::StreamEvent;
use modelroom::app::{Action, App, Command, Effect, Settings, update};
use modelroom::keymap::Keymap;
use modelroom::markdown::Highlighter;
use modelroom::theme::{ColorDepth, Themes};
use modelroom::ui;
use ratatui::Terminal;
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};

type Screen = modelroom::runtime::Screen<BufWriter<io::Sink>>;

const CHUNKS: usize = 50_000;
/// Chunks between two frames, all panes together: what a flood brings per 16 ms frame on this
/// machine (the frame log of `benches/flood.sh` shows 1,400-2,100, at 1 pane as at 8).
const BATCH: usize = 1_500;
/// Chunks per network read, which the stream task sends as one action (about 50 in a flood,
/// by callgrind's count of the room).
const READ: usize = 50;

/// This thread's CPU time, in nanoseconds (the scheduler's own count).
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = stat.split_whitespace().next().and_then(|n| n.parse().ok());
    Duration::from_nanos(ns.unwrap_or(0))
}

fn run(panes: usize) -> (Duration, Vec<Duration>) {
    let models: Vec<_> = (0..panes)
        .map(|i| format!("bench/model-{i}").parse().unwrap())
        .collect();
    let mut app = App::new(&models, Keymap::default(), Settings::default());
    app.set_themes(Themes::builtin(ColorDepth::TrueColor));
    let loaded = Highlighter::load();
    let before = thread_cpu();
    loaded.warm_up();
    println!(
        "grammars of 13 languages compiled in {:.0} ms CPU (once per process, off the UI thread in the room)",
        (thread_cpu() - before).as_secs_f64() * 1e3
    );
    // The room's highlighter (grammars compiled on threads of their own, a frame's allowance
    // for colouring), with the flood's one grammar compiled before the clock starts.
    let highlighter = Highlighter::in_background(|| {});
    let rust = highlighter.syntax("rust").unwrap();
    while !highlighter.is_ready(rust, "fn main() {}") {
        std::thread::sleep(Duration::from_millis(1));
    }
    update(&mut app, Action::HighlighterLoaded(Arc::new(highlighter)));
    update(
        &mut app,
        Action::Resize {
            width: 200,
            height: 50,
        },
    );
    // The room's backend (`runtime::terminal`), writing its escape sequences nowhere.
    let backend = modelroom::runtime::Screen::new(BufWriter::with_capacity(256 * 1024, io::sink()));
    let viewport = Viewport::Fixed(Rect::new(0, 0, 200, 50));
    let mut term = Terminal::with_options(backend, TerminalOptions { viewport }).unwrap();
    app.prompt.set_text("go");
    let live: Vec<_> = update(&mut app, Action::Command(Command::Send))
        .into_iter()
        .filter_map(|e| match e {
            Effect::StartStream { pane, request, .. } => Some((pane, request)),
            _ => None,
        })
        .collect();
    let chunks = modelroom::sim::flood(CHUNKS, false);
    let start = thread_cpu();
    let mut frames = stream(&mut app, &mut term, &live, &chunks);
    let cpu = thread_cpu() - start;
    frames.sort();
    (cpu, frames)
}

/// The measured part (its own function, for `valgrind --toggle-collect=frames::stream`).
#[inline(never)]
fn stream(
    app: &mut App,
    term: &mut Terminal<Screen>,
    live: &[(modelroom::app::PaneId, modelroom::app::RequestId)],
    chunks: &[String],
) -> Vec<Duration> {
    let panes = live.len();
    let mut frames = Vec::new();
    let mut woken = 0;
    for n in 0..chunks.len() {
        // The events of one read go to the loop as one action (`runtime::tasks`).
        if n % READ == 0 {
            for &(pane, request) in live {
                let events = chunks[n..(n + READ).min(chunks.len())]
                    .iter()
                    .map(|c| StreamEvent::Content(c.clone()))
                    .collect();
                update(
                    app,
                    Action::Streamed {
                        pane,
                        request,
                        events,
                    },
                );
                woken += READ;
                // The loop settles finished blocks after this many stream events.
                if woken >= modelroom::runtime::MAX_BATCH {
                    app.settle_streams();
                    woken = 0;
                }
            }
        }
        if (n + 1) % (BATCH / panes) == 0 || n + 1 == chunks.len() {
            let t = Instant::now();
            app.render_frame();
            term.draw(|f| ui::render(f, app, tokio::time::Instant::now()))
                .unwrap();
            frames.push(t.elapsed());
        }
    }
    frames
}

fn main() {
    // `cargo bench` passes `--bench`; a number picks one case (for callgrind).
    let only: Option<usize> = std::env::args().skip(1).find_map(|a| a.parse().ok());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let _clock = rt.enter();
    println!("{CHUNKS} chunks per pane, a frame every {BATCH} (all panes), 200×50, true colour");
    for panes in [1, 8] {
        if only.is_some_and(|p| p != panes) {
            continue;
        }
        let (cpu, frames) = run(panes);
        let per = cpu.as_secs_f64() * 1e6 / (CHUNKS * panes) as f64;
        let at = |p: f64| frames[((frames.len() - 1) as f64 * p).round() as usize];
        println!(
            "{panes} pane(s): {per:.2} µs CPU per chunk; frame p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            at(0.5).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3,
            at(1.0).as_secs_f64() * 1e3,
        );
    }
}
