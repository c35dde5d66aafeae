//! The progress renderer (bytes, no terminal) and the fastest-first order of `show`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::api::{Client, Endpoint, StreamEvent};
use crate::model::ModelRef;
use crate::pane_settings::PaneSpec;

fn row(label: &str, tokens: u64, state: State, finished: Option<u64>) -> Row {
    Row {
        label: label.into(),
        tokens,
        state,
        finished: finished.map(Duration::from_millis),
    }
}

#[test]
fn the_first_draw_writes_a_line_per_model_with_state_tokens_and_elapsed() {
    let rows = [
        row("demo/fast", 212, State::Done, Some(1500)),
        row("demo/thinker", 40, State::Streaming, None),
        row("demo/slow", 0, State::Waiting, None),
    ];
    let s = render(&rows, 0, Duration::from_millis(2340), 80);
    assert_eq!(
        s,
        "\r\x1b[2Kdone       demo/fast  212 tok  1.5 s\n\
         \x1b[2Kstreaming  demo/thinker  ~40 tok  2.3 s\n\
         \x1b[2Kwaiting    demo/slow  ~0 tok  2.3 s\n"
    );
}

#[test]
fn a_redraw_moves_up_over_the_lines_drawn_before_and_clear_wipes_them() {
    let rows = [row("a/b", 1, State::Failed, Some(100))];
    assert!(render(&rows, 3, Duration::ZERO, 80).starts_with("\x1b[3A\r\x1b[2Kfailed"));
    assert_eq!(clear(3), "\x1b[3A\r\x1b[J");
    assert_eq!(clear(0), "");
}

#[test]
fn a_line_is_cut_to_the_width_so_it_never_wraps() {
    let rows = [row(
        "vendor/宽宽宽宽宽宽宽宽宽宽",
        5,
        State::Streaming,
        None,
    )];
    let s = render(&rows, 0, Duration::ZERO, 20);
    let line = s.trim_start_matches("\r\x1b[2K").trim_end_matches('\n');
    assert!(
        unicode_width::UnicodeWidthStr::width(line) <= 19,
        "{line:?}"
    );
}

#[test]
fn a_label_s_control_sequences_never_reach_the_terminal() {
    let rows = [row(
        "evil\x1b]0;pwned\x07/\x1b[2Jm\u{9b}x",
        1,
        State::Waiting,
        None,
    )];
    let s = render(&rows, 2, Duration::ZERO, 200);
    // Only our own sequences: cursor up, erase line.
    let ours = s.replace("\x1b[2A", "").replace("\x1b[2K", "");
    assert!(!ours.contains('\x1b'), "{ours:?}");
    assert!(
        !ours.contains('\x07') && !ours.contains('\u{9b}'),
        "{ours:?}"
    );
}

fn reply(content: &str) -> Reply {
    let mut r = Reply::new(Instant::now());
    r.apply(StreamEvent::Content(content.into()), Instant::now());
    r
}

#[tokio::test]
async fn answers_print_in_the_order_they_finish_not_the_order_named() {
    let clients = Clients::new(Client::new(Endpoint::new("http://127.0.0.1:9", None)).unwrap());
    let plan = AskPlan {
        panes: ["demo/slow", "demo/fast"]
            .iter()
            .map(|m| PaneSpec::plain(ModelRef::parse(m).unwrap()))
            .collect(),
        samples: 1,
        messages: Vec::new(),
        max_tokens: 10,
        temperature: None,
        json: false,
        show_reasoning: false,
        routing: Default::default(),
        deny_data_collection: false,
        ledger: None,
        deadline: Duration::from_secs(60),
        pdf_engine: None,
        not_sent: Default::default(),
    };
    let rows = vec![
        row("demo/slow", 0, State::Waiting, None),
        row("demo/fast", 0, State::Waiting, None),
    ];
    // The second model named finishes first; its answer carries an escape to strip.
    let finished = futures::stream::iter(vec![
        (1, 1, 0, Ok(reply("fast answer\x1b[2J"))),
        (0, 0, 0, Ok(reply("slow answer"))),
    ]);
    let (_tx, progress) = mpsc::unbounded_channel();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let screen = Screen {
        out: &mut out,
        err: &mut err,
        width: 80,
    };
    let answers = show(&clients, &plan, finished, progress, rows, screen)
        .await
        .unwrap();
    let out = String::from_utf8(out).unwrap();
    let fast = out.find("━━ demo/fast ━━").expect(&out);
    let slow = out.find("━━ demo/slow ━━").expect(&out);
    assert!(fast < slow, "{out}");
    assert!(
        out.contains("fast answer") && !out.contains('\x1b'),
        "{out:?}"
    );
    assert!(out.trim_end().contains("total: $0 for 2 model(s)"), "{out}");
    assert_eq!(answers.len(), 2);
    // The progress is wiped at the end: every line drawn is cleared again.
    let err = String::from_utf8(err).unwrap();
    assert!(err.is_empty() || err.ends_with("\x1b[J"), "{err:?}");
}
