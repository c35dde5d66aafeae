//! The streaming renderer must agree with rendering at once, at every point of a stream, and
//! never draw a row wider than the pane. Screens of each element are in tests/markdown_render.rs.

use std::sync::OnceLock;

use super::*;
use crate::theme::Theme;

pub(crate) fn highlighter() -> &'static Highlighter {
    static H: OnceLock<Highlighter> = OnceLock::new();
    H.get_or_init(Highlighter::load)
}

/// The default theme with the shared highlighter, as most tests render.
pub(crate) fn highlighted() -> Ctx<'static> {
    static THEME: OnceLock<Theme> = OnceLock::new();
    Ctx {
        theme: THEME.get_or_init(Theme::default),
        highlighter: Some(highlighter()),
    }
}

pub(super) fn rows(m: &MarkdownText) -> Vec<String> {
    (0..m.len())
        .map(|i| {
            m.row(i)
                .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
                .unwrap_or_default()
        })
        .collect()
}

pub(super) const DOC: &str = "# Title\n\nSome *emphasis*, **strong**, `code` and a [link](https://example.com/a).\n\n\
- one\n- two\n  - nested\n- three\n\n1. first\n2. second\n\n> quoted text\n> more\n\n---\n\n\
| a | b |\n|---|:-:|\n| 1 | two |\n\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n\
1. Step with code:\n   ```bash\n   echo hi\n   ```\n2. Done\n\n    indented code\n\nLast 日本語 🦀 line";

pub(super) fn docs() -> Vec<String> {
    let mut out = vec![DOC.to_owned(), long_list(), giant_paragraph()];
    for model in [
        "demo/fast",
        "demo/coder",
        "demo/thinker",
        "demo/polyglot",
        "demo/verbose",
    ] {
        if let Some(m) = crate::sim::catalog::find(model) {
            out.push(crate::sim::answer::answer(m, "compare things", false));
        }
    }
    out
}

/// A long top-level block: a list with code in its items.
fn long_list() -> String {
    (1..=90)
        .map(|i| format!("- Step {i} does *one* thing:\n  ```sh\n  echo step {i}\n  ```\n"))
        .collect()
}

/// Past `BLOCK_CAP`: lines with no blank line between them (one paragraph), and a fence.
fn giant_paragraph() -> String {
    let mut s: String = (0..400)
        .map(|i| format!("Line {i} of one endless paragraph, 日本語 too.\n"))
        .collect();
    s.push_str("```\ncode after it\n```\n");
    s
}

#[test]
fn a_giant_block_is_cut_and_its_pieces_join_without_a_gap() {
    let theme = Theme::default();
    let cx = Ctx {
        theme: &theme,
        highlighter: None,
    };
    let text = giant_paragraph();
    let mut m = MarkdownText::default();
    let mut seen = String::new();
    for line in text.split_inclusive('\n') {
        seen.push_str(line);
        m.update(&seen, 60, false, &cx);
        // Never more than one cap's worth of text is in the unfinished part.
        assert!(
            m.complete - m.settled <= BLOCK_CAP + 200,
            "{}",
            m.complete - m.settled
        );
    }
    assert!(m.settled > BLOCK_CAP, "the block was cut");
    let all = rows(&m);
    let gaps = all.iter().filter(|r| r.is_empty()).count();
    assert_eq!(gaps, 1, "only the gap before the code block");
}

#[test]
fn the_line_being_written_is_rendered_on_its_own() {
    let theme = Theme::default();
    let cx = Ctx {
        theme: &theme,
        highlighter: None,
    };
    // A list longer than `SMALL_TAIL`, so its last line is not rendered with the rest.
    let list: String = (0..12)
        .map(|i| format!("- item {i} with a few words\n"))
        .collect();
    assert!(list.len() > SMALL_TAIL);
    let mut m = MarkdownText::render(&list, 40, false, &cx);
    let before = m.tail.clone();
    assert_eq!(before.len(), 12);
    m.update(&format!("{list}- thr"), 40, false, &cx);
    // The complete lines were not rendered again; the new line shows as what it starts.
    assert_eq!(m.tail, before);
    assert_eq!(rows(&m).last().map(String::as_str), Some("• thr"));
    m.update(&format!("{list}- three **bold**\n"), 40, false, &cx);
    assert!(m.partial.is_empty());
    assert_eq!(rows(&m).len(), 13);
    assert_eq!(rows(&m).last().map(String::as_str), Some("• three bold"));
}

#[test]
fn streaming_agrees_with_rendering_at_once_at_every_step() {
    let theme = Theme::default();
    for hl in [None, Some(highlighter())] {
        let cx = Ctx {
            theme: &theme,
            highlighter: hl,
        };
        for (d, doc) in docs().into_iter().enumerate() {
            let mut live = MarkdownText::default();
            let mut seen = String::new();
            // Every step of the crafted document; every third of the long simulated answers
            // (rendering from scratch at each step is quadratic).
            let every = match d {
                0 => 1,
                1 => 9,
                2 => 97,
                _ => 3,
            };
            for (i, token) in crate::sim::answer::tokenize(&doc).into_iter().enumerate() {
                seen.push_str(&token);
                live.update(&seen, 44, false, &cx);
                if i % every == 0 {
                    let once = MarkdownText::render(&seen, 44, false, &cx);
                    assert_eq!(rows(&live), rows(&once), "after {seen:?}");
                }
            }
            live.update(&seen, 44, true, &cx);
            assert_eq!(
                rows(&live),
                rows(&MarkdownText::render(&doc, 44, true, &cx))
            );
        }
    }
}

#[test]
fn no_row_is_wider_than_the_pane() {
    let cx = highlighted();
    for doc in docs() {
        for width in [1, 2, 5, 9, 14, 20, 33, 60] {
            let m = MarkdownText::render(&doc, width, true, &cx);
            for i in 0..m.len() {
                let w = m.row(i).map_or(0, Line::width);
                assert!(
                    w <= usize::from(width),
                    "width {width}, row {i}: {:?}",
                    m.row(i)
                );
            }
        }
    }
}

#[test]
fn finished_blocks_are_not_rendered_again() {
    let theme = Theme::default();
    let cx = Ctx {
        theme: &theme,
        highlighter: None,
    };
    let mut m = MarkdownText::default();
    let mut text = String::new();
    for i in 0..200 {
        text.push_str(&format!("Paragraph {i} with some words.\n\n"));
        m.update(&text, 40, false, &cx);
    }
    // Everything but the last paragraph is settled; only the tail is parsed per update.
    assert!(
        m.settled > text.len() - 40,
        "{} of {}",
        m.settled,
        text.len()
    );
    assert_eq!(m.tail.len(), 1);
}

#[test]
fn an_open_fence_highlights_each_line_once_and_the_partial_line_plain() {
    let cx = highlighted();
    let mut m = MarkdownText::default();
    m.update("Intro\n\n```rust\nlet x = 1;\nlet y", 40, false, &cx);
    let live = m.live.as_ref().expect("the fence is live");
    assert_eq!(live.lines, 1);
    let text = rows(&m);
    assert_eq!(text.last().map(|s| s.trim_end()), Some(" let y"));
    // The partial line is one plain piece; the complete one is coloured.
    let last = m.row(m.len() - 1).unwrap();
    assert!(
        last.spans
            .iter()
            .filter(|s| !s.content.trim().is_empty())
            .count()
            == 1
    );
    let complete = m.row(m.len() - 2).unwrap();
    assert!(complete.spans.len() > 3, "{complete:?}");
    m.update(
        "Intro\n\n```rust\nlet x = 1;\nlet y = 2;\n```\nAfter\n",
        40,
        false,
        &cx,
    );
    assert!(m.live.is_none());
    assert_eq!(
        rows(&m).iter().map(|r| r.trim_end()).collect::<Vec<_>>(),
        vec![
            "Intro",
            "",
            "  rust",
            " let x = 1;",
            " let y = 2;",
            "",
            "After"
        ]
    );
}

#[test]
fn a_shorter_text_starts_again() {
    let theme = Theme::default();
    let cx = Ctx {
        theme: &theme,
        highlighter: None,
    };
    let mut m = MarkdownText::render("# Old\n\nanswer\n", 30, true, &cx);
    m.update("", 30, false, &cx);
    assert!(m.is_empty());
    m.update("new", 30, false, &cx);
    assert_eq!(rows(&m), vec!["new"]);
}

#[test]
fn any_text_renders_without_panicking_and_within_the_width() {
    let cx = highlighted();
    let pieces = [
        "# ",
        "- ",
        "1. ",
        "> ",
        "```",
        "~~~",
        "rust",
        "|",
        "---",
        "*",
        "**",
        "_",
        "`",
        "[",
        "](",
        ")",
        "<",
        ">",
        "\n",
        "\n\n",
        "    ",
        "日本語",
        "🦀",
        "e\u{301}",
        "word ",
        "![",
        "\\",
        "- [x] ",
        "   ",
        ":-:",
        "<div>",
        "&amp;",
        "0. ",
        "99999999999. ",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..120 {
        let mut text = String::new();
        for _ in 0..60 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = u64::try_from(pieces.len()).unwrap();
            text.push_str(pieces[usize::try_from(seed % n).unwrap()]);
        }
        for width in [3, 17, 40] {
            let mut live = MarkdownText::default();
            let mut seen = String::new();
            for c in text.chars() {
                seen.push(c);
                live.update(&seen, width, false, &cx);
            }
            live.update(&seen, width, true, &cx);
            for i in 0..live.len() {
                let w = live.row(i).map_or(0, Line::width);
                assert!(w <= usize::from(width), "{text:?} at {width}: row {i}");
            }
        }
    }
}

/// One line of `n` words with some markdown in it, and never a line break.
fn long_line(n: usize) -> String {
    let words = [
        "plain",
        "**bold**",
        "`code`",
        "*it*",
        "日本語",
        "word,",
        "🦀",
        "[a](b)",
    ];
    (0..n)
        .map(|i| format!("{} ", words[i % words.len()]))
        .collect()
}

#[test]
fn a_long_line_streamed_token_by_token_renders_as_it_does_at_once() {
    let cx = highlighted();
    let line = long_line(1000);
    let json: String = (0..300)
        .map(|i| format!("{{\"k{i}\":[{i},true]}},"))
        .collect();
    for doc in [
        line.clone(),
        format!("Intro\n\n- {line}\n- after"),
        format!("> {line}\n"),
        format!("```json\n{json}\n```\nafter"),
        format!("Before\n{json}"),
    ] {
        let mut live = MarkdownText::default();
        let mut seen = String::new();
        for (i, token) in crate::sim::answer::tokenize(&doc).into_iter().enumerate() {
            seen.push_str(&token);
            live.update(&seen, 44, false, &cx);
            // The line being written is rendered a piece at a time, never whole.
            let from = live
                .live
                .as_ref()
                .map_or(live.complete.max(live.settled), |l| l.fed);
            let piece = seen.len() - live.long.last_piece(from);
            assert!(piece <= 2 * LINE_CAP + 8, "{piece} bytes in one piece");
            if i % 499 == 0 {
                let once = MarkdownText::render(&seen, 44, false, &cx);
                assert_eq!(rows(&live), rows(&once), "after {} bytes", seen.len());
            }
        }
        live.update(&seen, 44, true, &cx);
        assert_eq!(
            rows(&live),
            rows(&MarkdownText::render(&doc, 44, true, &cx))
        );
    }
}

#[test]
fn a_long_line_shows_while_it_streams_and_settles_whole() {
    let theme = Theme::default();
    let cx = Ctx {
        theme: &theme,
        highlighter: None,
    };
    let line = long_line(2000);
    let mut m = MarkdownText::render(&line, 60, false, &cx);
    assert!(m.long.active(0));
    // Every word is on screen while the line is still being written.
    let shown = |m: &MarkdownText| rows(m).concat().split_whitespace().collect::<String>();
    let whole = MarkdownText::render(&line, 60, true, &cx);
    assert!(shown(&m) == shown(&whole), "the pieces show the whole line");
    m.update(&format!("{line}\n\nNext"), 60, false, &cx);
    assert!(!m.long.active(0));
    let whole = MarkdownText::render(&format!("{line}\n\nNext"), 60, true, &cx);
    assert_eq!(rows(&m), rows(&whole));
}

/// The room's highlighter compiles a grammar on its own thread: the block shows plain (the
/// same text) until then, and afterwards the answer is rendered again a frame's allowance at a
/// time, ending exactly as a highlighter with every grammar ready renders it.
#[test]
fn a_block_shows_plain_while_its_grammar_compiles_then_in_colour() {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let bg = Highlighter::in_background(move || {
        let _ = tx.lock().unwrap().send(());
    });
    let theme = Theme::default();
    let later = Ctx {
        theme: &theme,
        highlighter: Some(&bg),
    };
    let ready = Ctx {
        theme: &theme,
        highlighter: Some(highlighter()),
    };
    // Long enough to take several frames' allowance; two grammars (rust, bash).
    let doc = DOC.repeat(40);
    let width = 60;
    let mut m = MarkdownText::default();
    let mut end = 0;
    let compiling = bg.hold_compiling();
    while end < doc.len() {
        end = (end + 97).min(doc.len());
        while !doc.is_char_boundary(end) {
            end += 1;
        }
        bg.new_frame(false);
        m.update(&doc[..end], width, end == doc.len(), &later);
    }
    let want = MarkdownText::render(&doc, width, true, &ready);
    assert_eq!(rows(&m), rows(&want), "plain or not, the text is the same");
    drop(compiling);
    for _ in 0..2 {
        rx.recv().unwrap();
    }
    assert_eq!(bg.compiled(), 2);
    let lines = |m: &MarkdownText| (0..m.len()).map(|i| m.row(i).cloned()).collect::<Vec<_>>();
    assert_ne!(lines(&m), lines(&want), "the blocks waited plain");
    assert!(!m.is_current(&doc, width, true, &later));
    let mut frames = 0;
    while !m.is_current(&doc, width, true, &later) {
        frames += 1;
        assert!(frames < 100, "rendering again never ends");
        bg.new_frame(false);
        m.update(&doc, width, true, &later);
        assert_eq!(rows(&m), rows(&want), "frame {frames}");
        assert_eq!(bg.wants_frame(), !m.is_current(&doc, width, true, &later));
    }
    assert!(frames > 1, "one frame's allowance is not the whole answer");
    assert_eq!(lines(&m), lines(&want));
}
