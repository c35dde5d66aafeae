//! Answers as they look in a pane, on ratatui's `TestBackend`: each markdown element, the
//! states markdown passes through while it streams, tables in narrow panes, code in several
//! languages, hostile links. Text is snapshotted with insta; styles are checked cell by cell.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

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
