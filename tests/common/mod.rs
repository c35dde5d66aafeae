//! What the render tests share: a room on a paused clock with the highlighter loaded,
//! answers streamed in token-sized pieces, and the screen as text or as style runs. The other
//! integration tests take what they share from the submodules: `drive` (a room through `update`
//! alone), `live` (the real loop against the simulated gateway) and `binary` (the built binary
//! on a config and data directory of its own).

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

pub mod binary;
pub mod drive;
pub mod gateway_env;
pub mod live;
pub mod sessions;

pub use std::sync::{Arc, OnceLock};

pub use modelroom::api::StreamEvent;
pub use modelroom::app::{Action, App, Command, Effect, PaneId, RequestId, Settings, update};
pub use modelroom::chat::{Cost, FinishReason, Usage};
pub use modelroom::keymap::Keymap;
pub use modelroom::markdown::Highlighter;
pub use modelroom::theme::{ColorDepth, Theme, Themes};
pub use modelroom::ui;
pub use ratatui::Terminal;
pub use ratatui::backend::TestBackend;
pub use ratatui::buffer::Buffer;
pub use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
pub use ratatui::style::{Color, Modifier};

pub use drive::{ev, finish, send};

pub fn highlighter() -> Arc<Highlighter> {
    static H: OnceLock<Arc<Highlighter>> = OnceLock::new();
    H.get_or_init(|| Arc::new(Highlighter::load())).clone()
}

/// Tokio's clock, paused: answers take no time, so footers are the same on every run.
pub fn paused_clock() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

/// `vendor/model-1` … `vendor/model-{panes}`: the pane titles the snapshots were taken with.
pub fn vendor_models(panes: usize) -> Vec<String> {
    (1..=panes).map(|i| format!("vendor/model-{i}")).collect()
}

pub fn room(panes: usize, width: u16, height: u16, depth: ColorDepth) -> App {
    let models = modelroom::model::parse_all(&vendor_models(panes)).unwrap();
    let mut app = App::new(&models, Keymap::default(), Settings::default());
    app.set_themes(Themes::builtin(depth));
    update(&mut app, Action::HighlighterLoaded(highlighter()));
    update(&mut app, Action::Resize { width, height });
    app
}

/// Streams `text` in token-sized pieces (as the simulated gateway cuts them).
pub fn stream(app: &mut App, live: (PaneId, RequestId), text: &str) {
    for piece in tokens(text) {
        ev(app, live, StreamEvent::Content(piece));
    }
}

pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        cur.push(c);
        if c == ' ' || c == '\n' || cur.chars().count() >= 5 {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub fn usage() -> Usage {
    Usage {
        prompt_tokens: 12,
        completion_tokens: 340,
        cost: Some(Cost::usd(0.0004)),
        ..Usage::default()
    }
}

/// One pane that has answered `markdown`.
pub fn answered(markdown: &str, width: u16, height: u16, depth: ColorDepth) -> App {
    let mut app = room(1, width, height, depth);
    let live = send(&mut app, "show me")[0];
    stream(&mut app, live, markdown);
    finish(&mut app, live, usage());
    app
}

/// One frame at the size the room was last told of.
pub fn draw(app: &App) -> Buffer {
    draw_sized(app, app.area.width, app.area.height)
}

/// One frame on a `width`×`height` terminal, whatever size the room was last told of.
pub fn draw_sized(app: &App, width: u16, height: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(width, height)).unwrap();
    term.draw(|f| ui::render(f, app, tokio::time::Instant::now()))
        .unwrap();
    term.backend().buffer().clone()
}

/// The screen's rows cell by cell, so the blank cell after a double-width character stays in:
/// enough to look for words, where `text` gives the rows as a terminal shows them.
pub fn rows(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// The screen as text (the cell after a double-width character is skipped).
pub fn text(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| {
            let mut row = String::new();
            let mut skip = 0;
            for x in 0..buf.area.width {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let s = buf[(x, y)].symbol();
                skip = modelroom::text::width_of(s).saturating_sub(1);
                row.push_str(s);
            }
            row
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The screen's styles as runs per row: `x..x fg/bg +MODIFIERS`, so a colour snapshot stays
/// readable.
pub fn styles(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut runs = Vec::new();
        let mut start = 0;
        for x in 0..=buf.area.width {
            let key = |x: u16| {
                let c = &buf[(x, y)];
                (c.fg, c.bg, c.modifier)
            };
            if x == buf.area.width || (x > start && key(x) != key(start)) {
                let (fg, bg, m) = key(start);
                if (fg, bg, m) != (Color::Reset, Color::Reset, Modifier::empty()) {
                    runs.push(format!("{start}..{x} {fg}/{bg} {m:?}"));
                }
                start = x;
            }
        }
        out.push_str(&format!("{y:2}: {}\n", runs.join(", ")));
    }
    out
}

pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let line = row.concat();
        if let Some(byte) = line.find(needle) {
            // Map the byte offset back to a column.
            let mut acc = 0;
            for (x, s) in row.iter().enumerate() {
                if acc >= byte {
                    return Some((u16::try_from(x).unwrap(), y));
                }
                acc += s.len();
            }
        }
    }
    None
}

pub const ELEMENTS: &[(&str, &str)] = &[
    (
        "headings",
        "# A title\n\n## A section\n\n### A subsection\n\n#### Smaller still\n\nText under it.",
    ),
    (
        "emphasis",
        "Some *emphasis*, **strong words**, ***both***, ~~struck~~ and `inline code` in a sentence that wraps around.",
    ),
    (
        "lists",
        "- apples\n- pears\n  - conference\n  - williams\n    - deeply nested\n- plums\n\n3. third\n4. fourth\n   1. sub one\n   2. sub two\n\n- [x] done\n- [ ] to do",
    ),
    (
        "quotes",
        "> A quote that runs long enough to wrap onto a second row.\n>\n> > And a quote inside it.\n\nAfter the quote.",
    ),
    (
        "links",
        "See [the docs](https://example.com/docs?q=1) or <https://example.com/bare> and ![a chart](chart.png).",
    ),
    ("rules", "Above.\n\n---\n\nBelow."),
    (
        "table",
        "| Aspect | Notes | Score |\n|:---|:---:|---:|\n| speed | fast enough | 9 |\n| cost | a fraction of a cent | 10 |\n| 日本語 | ✓ | 7 |",
    ),
    (
        "code",
        "Before.\n\n```rust\nfn main() {\n    let answer: u32 = (1..=6).sum();\n    println!(\"answer = {answer}\");\n}\n```\n\nAfter.",
    ),
    (
        "html",
        "<details>\n<summary>More</summary>\n\nInside.\n</details>",
    ),
];

/// Every pane thinks, then answers; the gateway reports reasoning tokens and the split cost.
pub fn thinker(app: &mut App) {
    for live in send(app, "think first") {
        for piece in tokens(REASONING) {
            ev(app, live, StreamEvent::Reasoning(piece));
        }
        stream(app, live, "## Answer\n\nIt **depends**.");
        let usage = Usage {
            reasoning_tokens: 120,
            completion_cost: Some(Cost::usd(0.0034)),
            ..usage()
        };
        finish(app, live, usage);
    }
}

pub const REASONING: &str = "The user wants a comparison. First the core idea, then a concrete example, then the trade-offs.";

/// Every pane answers `md`.
pub fn answer_all(app: &mut App, prompt: &str, md: &str) {
    for live in send(app, prompt) {
        stream(app, live, md);
        finish(app, live, usage());
    }
}
