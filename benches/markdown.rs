//! Scripted benchmark of markdown rendering while an answer streams (issue 6): a 5,000-line
//! answer with 50 fenced code blocks streams at 2,000 tokens/s into one pane. Each frame folds
//! the tokens that arrive in one 16 ms frame into the answer through `app::update` (sanitize,
//! append), renders what they added (markdown, highlighting: `App::render_visible`, as the
//! runtime does before each frame) and draws the screen with `ui::render`; the time of all is
//! the frame's cost. It must stay flat as the finished part of the answer grows.
//! Run: `cargo bench --bench markdown` (prints a table; figures go in BENCHMARKS.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use modelroom::api::StreamEvent;
use modelroom::app::{Action, App, Command, Effect, Settings, update};
use modelroom::keymap::Keymap;
use modelroom::markdown::{Ctx, Highlighter, MarkdownText};
use modelroom::theme::{ColorDepth, Themes};
use modelroom::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 50;
const LINES: usize = 5_000;
const CODE_BLOCKS: usize = 50;
const TOKENS_PER_SECOND: usize = 2_000;
const FRAME: Duration = Duration::from_millis(16);

const CODE: &[(&str, &str)] = &[
    (
        "rust",
        "fn total(xs: &[u64]) -> u64 {\n    xs.iter().copied().filter(|x| x % 2 == 0).sum() // even ones\n}\n",
    ),
    (
        "python",
        "def stream(tokens):\n    for t in tokens:\n        yield t.upper()  # loud\n",
    ),
    (
        "bash",
        "for f in *.log; do\n  grep -c \"error\" \"$f\" | tee -a counts.txt\ndone\n",
    ),
    (
        "json",
        "{\"model\": \"demo/fast\", \"stream\": true,\n \"max_tokens\": 512, \"temperature\": 0.2}\n",
    ),
    (
        "toml",
        "[package]\nname = \"modelroom\" # the crate\nversion = \"0.1.0\"\n",
    ),
];

/// A long answer as models write them: sections with prose, lists, tables and quotes, and
/// `CODE_BLOCKS` code blocks of about 20 lines spread evenly through it.
fn answer() -> String {
    let mut s = String::new();
    let mut block = 0;
    let mut section = 0;
    let mut lines = 0;
    while lines < LINES {
        section += 1;
        s.push_str(&format!("## Section {section}: what matters here\n\n"));
        s.push_str("The **first** thing to see is that *streaming* changes how a `renderer` must work: \
            it cannot wait for the end, and it must not redo the finished part for every token that \
            arrives, or the cost of a frame grows with the answer.\n\n");
        s.push_str("- keep finished blocks\n- render the tail again\n  - only the tail\n- highlight each code line once\n\n");
        s.push_str("| approach | per token | per frame |\n|---|---|---|\n| naive | O(answer) | O(answer) |\n| incremental | O(line) | O(view) |\n\n");
        s.push_str(
            "> A quote, because answers have them, with a [link](https://example.com/docs).\n\n",
        );
        // Code blocks spread evenly: block k starts once k/50 of the lines are written.
        if block < CODE_BLOCKS && lines * CODE_BLOCKS >= block * LINES {
            let (lang, code) = CODE[block % CODE.len()];
            s.push_str(&format!("```{lang}\n"));
            for i in 0..6 {
                s.push_str(&code.replace("total", &format!("total_{i}")));
            }
            s.push_str("```\n\n");
            block += 1;
        }
        lines = s.lines().count();
    }
    s
}

/// Pieces of 1-6 characters, mostly at word boundaries (as the simulated gateway cuts them).
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        cur.push(c);
        if c == ' ' || c == '\n' || cur.chars().count() >= 6 {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn stats(label: &str, times: &[Duration]) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let mean = times.iter().sum::<Duration>() / u32::try_from(times.len().max(1)).unwrap();
    println!(
        "  {label:<28} mean {}  p50 {}  p99 {}  max {}",
        ms(mean),
        ms(percentile(&sorted, 0.5)),
        ms(percentile(&sorted, 0.99)),
        ms(sorted[sorted.len() - 1])
    );
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`; keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let text = answer();
    let tokens = tokens(&text);
    let fences = text.matches("```").count() / 2;
    println!(
        "answer: {} lines, {} code blocks, {} bytes, {} tokens; {WIDTH}×{HEIGHT}, one pane",
        text.lines().count(),
        fences,
        text.len(),
        tokens.len()
    );

    let highlighter = Arc::new(Highlighter::load());
    // The runtime compiles the common grammars in the background at startup; so does this.
    highlighter.warm_up();
    let mut app = App::new(
        &["bench/model".parse().unwrap()],
        Keymap::default(),
        Settings::default(),
    );
    app.set_themes(Themes::builtin(ColorDepth::TrueColor));
    update(&mut app, Action::HighlighterLoaded(highlighter.clone()));
    update(
        &mut app,
        Action::Resize {
            width: WIDTH,
            height: HEIGHT,
        },
    );
    app.prompt.set_text("write a long answer");
    let (pane, request) = update(&mut app, Action::Command(Command::Send))
        .into_iter()
        .find_map(|e| match e {
            Effect::StartStream { pane, request, .. } => Some((pane, request)),
            _ => None,
        })
        .unwrap();
    let mut term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let per_frame = TOKENS_PER_SECOND * FRAME.as_millis() as usize / 1000;
    let mut frames = Vec::new();
    let mut updates = Vec::new();
    let mut draws = Vec::new();
    for chunk in tokens.chunks(per_frame) {
        let start = Instant::now();
        for t in chunk {
            update(
                &mut app,
                Action::Streamed {
                    pane,
                    request,
                    events: vec![StreamEvent::Content(t.clone())],
                },
            );
        }
        let folded = start.elapsed();
        // As the runtime does before each frame: the tokens only appended, this renders them.
        app.render_visible();
        term.draw(|f| ui::render(f, &app, tokio::time::Instant::now()))
            .unwrap();
        frames.push(start.elapsed());
        updates.push(folded);
        draws.push(start.elapsed() - folded);
    }
    update(
        &mut app,
        Action::Streamed {
            pane,
            request,
            events: vec![StreamEvent::Done],
        },
    );
    println!(
        "streaming at {TOKENS_PER_SECOND} tokens/s: {per_frame} tokens per 16 ms frame, {} frames",
        frames.len()
    );
    stats("frame (update + draw)", &frames);
    stats("  update (fold tokens)", &updates);
    stats("  draw", &draws);
    println!("frame cost by how far the answer has got (does it grow with the finished part?):");
    let fifth = frames.len() / 5;
    for (i, part) in frames.chunks(fifth.max(1)).take(5).enumerate() {
        let from = i * LINES / 5;
        stats(&format!("lines {from}-{}", from + LINES / 5), part);
    }

    // What a resize or a theme switch costs: the whole answer rendered again, highlighting
    // from the cache and without.
    let theme = app.theme().clone();
    let cx = Ctx {
        theme: &theme,
        highlighter: Some(&highlighter),
    };
    let start = Instant::now();
    let full = MarkdownText::render(&text, WIDTH - 2, true, &cx);
    let cold = start.elapsed();
    let rows = full.len();
    let start = Instant::now();
    let mut warm = full.clone();
    warm.update(&text, WIDTH - 4, true, &cx);
    let resized = start.elapsed();
    println!("whole answer rendered at once ({rows} rows):");
    println!("  from scratch (highlighting every line)   {}", ms(cold));
    println!("  at a new width (highlights from cache)   {}", ms(resized));
}
