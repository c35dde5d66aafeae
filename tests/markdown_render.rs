//! Answers as they look in a pane, on ratatui's `TestBackend`: each markdown element, the
//! states markdown passes through while it streams, tables in narrow panes, code in several
//! languages, reasoning collapsed and expanded, every shipped theme, and `NO_COLOR`. Text is
//! snapshotted with insta; colours are checked cell by cell or snapshotted as style runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};

use modelroom::api::StreamEvent;
use modelroom::app::{Action, App, Command, Effect, PaneId, RequestId, Settings, update};
use modelroom::chat::{Cost, FinishReason, Usage};
use modelroom::keymap::Keymap;
use modelroom::markdown::Highlighter;
use modelroom::theme::{ColorDepth, Theme, Themes};
use modelroom::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

fn highlighter() -> Arc<Highlighter> {
    static H: OnceLock<Arc<Highlighter>> = OnceLock::new();
    H.get_or_init(|| Arc::new(Highlighter::load())).clone()
}

/// Tokio's clock, paused: answers take no time, so footers are the same on every run.
fn paused_clock() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

fn room(panes: usize, width: u16, height: u16, depth: ColorDepth) -> App {
    let models: Vec<String> = (1..=panes).map(|i| format!("vendor/model-{i}")).collect();
    let mut app = App::new(&models, Keymap::default(), Settings::default());
    app.set_themes(Themes::builtin(depth));
    update(&mut app, Action::HighlighterLoaded(highlighter()));
    update(&mut app, Action::Resize { width, height });
    app
}

fn send(app: &mut App, text: &str) -> Vec<(PaneId, RequestId)> {
    app.prompt.set_text(text);
    update(app, Action::Command(Command::Send))
        .into_iter()
        .filter_map(|e| match e {
            Effect::StartStream { pane, request, .. } => Some((pane, request)),
            _ => None,
        })
        .collect()
}

fn ev(app: &mut App, (pane, request): (PaneId, RequestId), event: StreamEvent) {
    update(
        app,
        Action::Stream {
            pane,
            request,
            event,
        },
    );
}

/// Streams `text` in token-sized pieces (as the simulated gateway cuts them).
fn stream(app: &mut App, live: (PaneId, RequestId), text: &str) {
    for piece in tokens(text) {
        ev(app, live, StreamEvent::Content(piece));
    }
}

fn tokens(text: &str) -> Vec<String> {
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

fn finish(app: &mut App, live: (PaneId, RequestId), usage: Usage) {
    ev(app, live, StreamEvent::Usage(usage));
    ev(app, live, StreamEvent::Finished(FinishReason::Stop));
    ev(app, live, StreamEvent::Done);
}

fn usage() -> Usage {
    Usage {
        prompt_tokens: 12,
        completion_tokens: 340,
        cost: Some(Cost::usd(0.0004)),
        ..Usage::default()
    }
}

/// One pane that has answered `markdown`.
fn answered(markdown: &str, width: u16, height: u16, depth: ColorDepth) -> App {
    let mut app = room(1, width, height, depth);
    let live = send(&mut app, "show me")[0];
    stream(&mut app, live, markdown);
    finish(&mut app, live, usage());
    app
}

fn draw(app: &App) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(app.area.width, app.area.height)).unwrap();
    term.draw(|f| ui::render(f, app, tokio::time::Instant::now()))
        .unwrap();
    term.backend().buffer().clone()
}

/// The screen as text (the cell after a double-width character is skipped).
fn text(buf: &Buffer) -> String {
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
                skip = modelroom::app::text::width_of(s).saturating_sub(1);
                row.push_str(s);
            }
            row
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The screen's styles as runs per row: `x..x fg/bg +MODIFIERS`, so a colour snapshot stays
/// readable.
fn styles(buf: &Buffer) -> String {
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

fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let line = row.concat();
        if let Some(byte) = line.find(needle) {
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

const ELEMENTS: &[(&str, &str)] = &[
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

#[test]
fn each_markdown_element() {
    let rt = paused_clock();
    let _clock = rt.enter();
    for (name, md) in ELEMENTS {
        let app = answered(md, 60, 26, ColorDepth::TrueColor);
        insta::assert_snapshot!(format!("element_{name}"), text(&draw(&app)));
    }
}

#[test]
fn elements_are_styled() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let theme = Themes::builtin(ColorDepth::TrueColor).current().clone();
    let app = answered(ELEMENTS[0].1, 60, 26, ColorDepth::TrueColor);
    let buf = draw(&app);
    let (x, y) = find(&buf, "A title").unwrap();
    assert_eq!(buf[(x, y)].fg, theme.heading(1).fg.unwrap());
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));

    let app = answered(ELEMENTS[1].1, 60, 26, ColorDepth::TrueColor);
    let buf = draw(&app);
    let (x, y) = find(&buf, "emphasis").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::ITALIC));
    let (x, y) = find(&buf, "strong").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    let (x, y) = find(&buf, "struck").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::CROSSED_OUT));
    let (x, y) = find(&buf, "inline code").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    assert!(
        find(&buf, "`").is_none(),
        "backticks are not shown in colour"
    );

    let app = answered(ELEMENTS[4].1, 60, 26, ColorDepth::TrueColor);
    let buf = draw(&app);
    let (x, y) = find(&buf, "the docs").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::UNDERLINED));
    assert!(find(&buf, "https://example.com/docs?q=1").is_some());
    assert!(
        find(&buf, "https://example.com/bare (").is_none(),
        "a bare URL once"
    );

    let app = answered(ELEMENTS[7].1, 60, 26, ColorDepth::TrueColor);
    let buf = draw(&app);
    let (x, y) = find(&buf, "fn main").unwrap();
    let code_bg = theme.code().bg.unwrap();
    assert_eq!(buf[(x, y)].bg, code_bg, "code sits on its own background");
    // The background reaches the pane's edge so the block reads as a box.
    assert_eq!(buf[(58, y)].bg, code_bg);
    assert_ne!(buf[(x, y)].fg, buf[(x + 3, y)].fg, "`fn` and `main` differ");
}

#[test]
fn markdown_while_it_streams() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let md = "Intro with **bold** text.\n\n| Model | Speed |\n|---|---|\n| fast | 1500 tok/s |\n| slow | 40 tok/s |\n\n```python\ndef f(x):\n    return x * 2\n```\n\n- one\n- two";
    // Each stop is where the stream has got to: just past the first place `marker` occurs.
    let stops = [
        ("bold_unclosed", "Intro with **bo"),
        ("table_header_only", "| Model | Speed |\n"),
        ("table_delimiter", "|---|---|\n"),
        ("table_half_row", "| fast | 15"),
        ("fence_open", "    ret"),
        ("fence_closed", "x * 2\n```\n"),
        ("list_growing", "- tw"),
        ("complete", "- two"),
    ];
    let mut app = room(1, 50, 24, ColorDepth::TrueColor);
    let live = send(&mut app, "stream it")[0];
    let mut sent = 0;
    let mut out = String::new();
    for (name, marker) in stops {
        let end = md.find(marker).unwrap() + marker.len();
        stream(&mut app, live, &md[sent..end]);
        sent = end;
        if name == "complete" {
            finish(&mut app, live, usage());
        }
        out.push_str(&format!("--- {name}\n{}\n", text(&draw(&app))));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn a_wide_table_in_a_narrow_pane_keeps_its_borders() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let md = "| Model | Provider | Context window | Price per million tokens | Notes |\n|---|---|---|---|---|\n| demo/fast | Aurora Cloud | 128k | $0.50 in, $1.50 out | the quickest of the demo models |\n| demo/thinker | Borealis | 200k | $3 in, $15 out | reasons before it answers, 日本語 too |";
    for (panes, width, height) in [(1, 44, 34), (4, 70, 64)] {
        let mut app = room(panes, width, height, ColorDepth::TrueColor);
        for live in send(&mut app, "compare") {
            stream(&mut app, live, md);
            finish(&mut app, live, usage());
        }
        let buf = draw(&app);
        let rect = app.layout.panes[0];
        let inner = rect.x + 1..rect.x + rect.width - 1;
        let mut table_rows = 0;
        let mut right_edges = Vec::new();
        for y in rect.y + 1..rect.y + rect.height - 1 {
            let first = buf[(inner.start, y)].symbol().to_owned();
            if ["┌", "│", "├", "└"].contains(&first.as_str()) {
                table_rows += 1;
                let last = inner
                    .clone()
                    .rev()
                    .find(|&x| ["┐", "│", "┤", "┘"].contains(&buf[(x, y)].symbol()));
                right_edges.push(last);
            }
        }
        right_edges.dedup();
        // Every row of the table ends in the same column: no border is broken.
        assert_eq!(right_edges.len(), 1, "{}", text(&buf));
        assert!(table_rows > 6, "{}", text(&buf));
        insta::assert_snapshot!(format!("wide_table_{panes}_panes"), text(&buf));
    }
}

#[test]
fn a_table_too_narrow_for_columns_becomes_records() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let md = "| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n| 1 | 2 | 3 | 4 | 5 | 6 |";
    let app = answered(md, 22, 20, ColorDepth::TrueColor);
    let screen = text(&draw(&app));
    assert!(
        screen.contains("a: 1") && screen.contains("f: 6"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn code_in_several_languages() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let blocks = [
        ("rust", "fn main() {\n    let v: Vec<u32> = vec![1, 2];\n}"),
        (
            "python",
            "def stream(tokens):\n    for t in tokens:\n        yield t.upper()  # loud",
        ),
        (
            "bash",
            "curl -N http://127.0.0.1:8080/v1 \\\n  -H 'Accept: text/event-stream'",
        ),
        (
            "toml",
            "[package]\nname = \"modelroom\"\nversion = \"0.1.0\" # first",
        ),
        (
            "json",
            "{\"model\": \"demo/fast\", \"stream\": true, \"max_tokens\": 64}",
        ),
        ("klingon", "Qapla' batlh Daqawlu'taH"),
        ("", "no tag at all = plain"),
    ];
    let mut md = String::new();
    for (lang, code) in blocks {
        md.push_str(&format!("```{lang}\n{code}\n```\n\n"));
    }
    let app = answered(&md, 70, 44, ColorDepth::TrueColor);
    let buf = draw(&app);
    insta::assert_snapshot!("code_text", text(&buf));
    let colours_on = |needle: &str| {
        let (x0, y) = find(&buf, needle).unwrap();
        let mut fgs: Vec<Color> = (x0..x0 + u16::try_from(needle.len()).unwrap())
            .map(|x| buf[(x, y)].fg)
            .collect();
        fgs.dedup();
        fgs.len()
    };
    for needle in [
        "let v: Vec<u32>",
        "def stream",
        "curl -N",
        "name = \"modelroom\"",
        "\"model\": \"demo",
    ] {
        assert!(colours_on(needle) > 1, "{needle} is highlighted");
    }
    assert_eq!(
        colours_on("Qapla' batlh"),
        1,
        "an unknown language is plain"
    );
    assert_eq!(colours_on("no tag at all"), 1);
}

#[test]
fn long_code_lines_wrap_at_spaces_not_inside_tokens() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let md = "```rust\nlet total_tokens_per_second = completion_tokens as f64 / elapsed.as_secs_f64();\n```";
    let app = answered(md, 40, 12, ColorDepth::TrueColor);
    let screen = text(&draw(&app));
    for token in [
        "total_tokens_per_second",
        "completion_tokens",
        "elapsed.as_secs_f64();",
    ] {
        assert!(screen.contains(token), "{token} stays whole:\n{screen}");
    }
}

/// Every pane thinks, then answers; the gateway reports reasoning tokens and the split cost.
fn thinker(app: &mut App) {
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

const REASONING: &str = "The user wants a comparison. First the core idea, then a concrete example, then the trade-offs.";

/// Every pane answers `md`.
fn answer_all(app: &mut App, prompt: &str, md: &str) {
    for live in send(app, prompt) {
        stream(app, live, md);
        finish(app, live, usage());
    }
}

#[test]
fn reasoning_collapsed_and_expanded() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(2, 100, 20, ColorDepth::TrueColor);
    thinker(&mut app);
    let collapsed = text(&draw(&app));
    assert!(
        collapsed.contains("▸ reasoning · 120 tok · $0.0012 (alt-e)"),
        "{collapsed}"
    );
    assert!(
        collapsed.contains("12→340 tok (120 reasoning)"),
        "{collapsed}"
    );
    insta::assert_snapshot!("reasoning_collapsed", collapsed);
    let key = |c: char| Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    update(&mut app, key('e'));
    assert!(app.panes[0].reasoning_expanded && !app.panes[1].reasoning_expanded);
    let buf = draw(&app);
    insta::assert_snapshot!("reasoning_expanded", text(&buf));
    let (x, y) = find(&buf, "comparison").unwrap();
    assert!(
        buf[(x, y)].modifier.contains(Modifier::DIM),
        "reasoning is dimmed"
    );
    // Alt+Shift+E: every pane (the collapsed one opens, so all are open), then all close.
    update(&mut app, key('E'));
    assert!(app.panes.iter().all(|p| p.reasoning_expanded));
    update(&mut app, key('E'));
    assert!(app.panes.iter().all(|p| !p.reasoning_expanded));
}

#[test]
fn every_shipped_theme() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let md = "## Colours\n\nText with `code`, a [link](https://example.com) and **bold**.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nlet x = 1;\n```\n\n> quoted";
    let mut app = room(2, 80, 28, ColorDepth::TrueColor);
    thinker(&mut app);
    answer_all(&mut app, "colours", md);
    let mut seen = Vec::new();
    for _ in 0..modelroom::theme::BUILTIN.len() {
        let name = app.theme().name().to_owned();
        let buf = draw(&app);
        insta::assert_snapshot!(format!("theme_{name}_text"), text(&buf));
        insta::assert_snapshot!(format!("theme_{name}_styles"), styles(&buf));
        seen.push(name);
        update(
            &mut app,
            Action::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::ALT)),
        );
    }
    assert_eq!(seen, vec!["dark", "light", "high-contrast"]);
    assert_eq!(app.theme().name(), "dark", "cycling wraps around");
}

#[test]
fn themes_fit_256_and_16_colour_terminals() {
    let rt = paused_clock();
    let _clock = rt.enter();
    for (depth, allowed) in [
        (ColorDepth::Ansi256, "indexed"),
        (ColorDepth::Ansi16, "named"),
    ] {
        let mut app = answered(ELEMENTS[7].1, 60, 20, depth);
        for _ in 0..modelroom::theme::BUILTIN.len() {
            let buf = draw(&app);
            for cell in &buf.content {
                for c in [cell.fg, cell.bg] {
                    let ok = match c {
                        Color::Rgb(..) => false,
                        Color::Indexed(_) => allowed == "indexed",
                        _ => true,
                    };
                    assert!(ok, "{c:?} in {} at {depth:?}", app.theme().name());
                }
            }
            update(&mut app, Action::Command(Command::CycleTheme));
        }
    }
}

#[test]
fn no_color_gives_modifiers_only() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(2, 90, 30, ColorDepth::None);
    thinker(&mut app);
    let md = format!(
        "{}\n\nUse `cargo test` and see [docs](https://x.example).",
        ELEMENTS[7].1
    );
    answer_all(&mut app, "plain", &md);
    update(&mut app, Action::Command(Command::ToggleReasoningAll));
    let buf = draw(&app);
    for cell in &buf.content {
        assert_eq!(
            (cell.fg, cell.bg),
            (Color::Reset, Color::Reset),
            "{:?}",
            cell.symbol()
        );
    }
    let screen = text(&buf);
    assert!(
        screen.contains("`cargo test`"),
        "code keeps its backticks:\n{screen}"
    );
    assert!(screen.contains("│fn main"), "a bar marks code:\n{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn every_theme_in_the_themes_directory_parses_and_ships() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut shipped: Vec<String> = modelroom::theme::BUILTIN
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    shipped.sort();
    assert_eq!(
        files, shipped,
        "every file in themes/ is built in, and only those"
    );
    for depth in [
        ColorDepth::TrueColor,
        ColorDepth::Ansi256,
        ColorDepth::Ansi16,
        ColorDepth::None,
    ] {
        let (themes, errors) = Themes::load(depth, Some(&dir));
        assert!(errors.is_empty(), "{errors:?}");
        for name in &files {
            let theme: &Theme = themes.get(name).unwrap();
            assert_eq!(theme.name(), name);
            assert!(modelroom::theme::CODE_THEMES.contains(&theme.code_theme()));
        }
    }
}

#[test]
fn a_broken_theme_is_reported_and_the_default_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nord.toml"),
        "[ui]\nborder = \"blue\"\nbordr_focused = \"cyan\"\n",
    )
    .unwrap();
    let (mut themes, errors) = Themes::load(ColorDepth::TrueColor, Some(dir.path()));
    assert_eq!(errors.len(), 1);
    let e = errors[0].to_string();
    assert!(
        e.contains("nord.toml:3:") && e.contains("bordr_focused"),
        "{e}"
    );
    assert!(themes.select("nord").is_err());
    assert_eq!(themes.current().name(), "dark");
}

#[test]
fn a_hostile_link_is_shown_as_harmless_text() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let md = "Click [here](http://evil.example/\u{1b}]8;;http://x\u{7}a\u{202e}b) or `\u{1b}[2J` or\n\n```sh\necho \u{1b}]52;c;aGk=\u{7}done\n```";
    // In one delta: how escapes split across deltas fare is the sanitizer's own test.
    let mut app = room(1, 70, 16, ColorDepth::TrueColor);
    let live = send(&mut app, "show me")[0];
    ev(&mut app, live, StreamEvent::Content(md.to_owned()));
    finish(&mut app, live, usage());
    let buf = draw(&app);
    for cell in &buf.content {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || c == '\u{202e}'),
            "{:?}",
            cell.symbol()
        );
    }
    let screen = text(&buf);
    assert!(screen.contains("here (http://evil.example/"), "{screen}");
    assert!(screen.contains("echo done"), "{screen}");
}
