//! `ask` on a terminal: a line per model (state, label, tokens so far, elapsed) redrawn in
//! place on stderr a few times a second, and each answer printed on stdout the moment its
//! model finishes, fastest first. Piped runs never come here: their output stays in the order
//! the models were named. The redraw is a pure function of the rows so it is tested without a
//! terminal; the only escape sequences written are its own cursor moves and line clears.

use std::io::{self, Write};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::mpsc;
use tokio::time::Instant;
use unicode_width::UnicodeWidthChar;

use super::{
    Answer, AskPlan, Costs, ask_one, joined, request, settle, text_summary, write_block,
    write_spread,
};
use crate::api::{Clients, Reply};
use crate::sanitize::sanitize;

/// How often the progress lines are redrawn while nothing finishes.
const TICK: Duration = Duration::from_millis(200);

/// Where one model's answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Waiting,
    Streaming,
    Done,
    Failed,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Streaming => "streaming",
            State::Done => "done",
            State::Failed => "failed",
        }
    }
}

/// One progress line: the label is model text (untrusted) and is sanitised when drawn.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) label: String,
    /// Text chunks streamed so far (about a token each), or the reported completion tokens
    /// once done.
    pub(crate) tokens: u64,
    pub(crate) state: State,
    /// When it finished, from the start of the run.
    pub(crate) finished: Option<Duration>,
}

/// The bytes that redraw `rows` over the `drawn` lines written last time (0: none yet), at
/// `now` since the run started, each line cut to fit `width` columns so none wraps (a wrapped
/// line would throw the cursor-up count off).
pub(crate) fn render(rows: &[Row], drawn: usize, now: Duration, width: usize) -> String {
    let mut s = String::new();
    if drawn > 0 {
        s.push_str(&format!("\x1b[{drawn}A"));
    }
    s.push('\r');
    for row in rows {
        s.push_str("\x1b[2K");
        s.push_str(&fit(&line(row, now), width.saturating_sub(1).max(1)));
        s.push('\n');
    }
    s
}

/// The bytes that wipe the `drawn` progress lines, leaving the cursor where they began.
pub(crate) fn clear(drawn: usize) -> String {
    if drawn == 0 {
        String::new()
    } else {
        format!("\x1b[{drawn}A\r\x1b[J")
    }
}

fn line(row: &Row, now: Duration) -> String {
    let elapsed = row.finished.unwrap_or(now).as_secs_f64();
    let approx = if row.state == State::Done || row.state == State::Failed {
        ""
    } else {
        "~"
    };
    format!(
        "{:<9}  {}  {approx}{} tok  {elapsed:.1} s",
        row.state.word(),
        sanitize(&row.label, " "),
        row.tokens
    )
}

/// `text` cut to at most `width` display columns.
fn fit(text: &str, width: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

fn label(plan: &AskPlan, pane: usize, sample: usize) -> String {
    let spec = &plan.panes[pane];
    let mut s = spec.model.as_str().to_owned();
    if let Some((_, pin)) = &spec.pinned {
        s.push_str(&format!(" @ {pin}"));
    }
    let settings = spec.settings.label();
    if !settings.is_empty() {
        s.push_str(&format!(" {{{settings}}}"));
    }
    let samples = plan.samples_of(spec);
    if samples > 1 {
        s.push_str(&format!(" · sample {} of {samples}", sample + 1));
    }
    s
}

/// Asks every model concurrently, drawing their progress on `err` and writing each answer to
/// `out` as it finishes (fastest first), then the summary. `width` is the terminal's. Text
/// only: `--json` is for programs, and keeps the named order.
pub async fn run_live(
    clients: &Clients,
    plan: &AskPlan,
    out: &mut dyn Write,
    err: &mut dyn Write,
    width: usize,
) -> io::Result<Vec<Answer>> {
    let started = Instant::now();
    let deadline = started + plan.deadline;
    let (tx, progress) = mpsc::unbounded_channel::<(usize, u64)>();
    let mut rows = Vec::new();
    let pending = FuturesUnordered::new();
    for (i, pane) in plan.panes.iter().enumerate() {
        for k in 0..plan.samples_of(pane) {
            let slot = rows.len();
            rows.push(Row {
                label: label(plan, i, k),
                tokens: 0,
                state: State::Waiting,
                finished: None,
            });
            let req = request(pane, plan);
            let clients = clients.clone();
            let not_sent = plan.not_sent.get(&i).cloned();
            let tx = tx.clone();
            let task = tokio::spawn(async move {
                let watch = move |n: u64| {
                    // The receiver is gone only once the run is over.
                    let _ = tx.send((slot, n));
                };
                ask_one(&clients, &req, not_sent, deadline, &watch).await
            });
            pending.push(async move { (slot, i, k, task.await) });
        }
    }
    drop(tx);
    show(
        clients,
        plan,
        pending,
        progress,
        rows,
        Screen { out, err, width },
    )
    .await
}

/// Where the answers and the progress go.
pub(crate) struct Screen<'a> {
    pub(crate) out: &'a mut dyn Write,
    pub(crate) err: &'a mut dyn Write,
    pub(crate) width: usize,
}

/// Prints each answer as `finished` yields it (slot, pane, sample, the task's reply), in that
/// order, redrawing `rows` from `progress` (slot, chunks so far) in between.
pub(crate) async fn show<F>(
    clients: &Clients,
    plan: &AskPlan,
    mut finished: F,
    mut progress: mpsc::UnboundedReceiver<(usize, u64)>,
    mut rows: Vec<Row>,
    screen: Screen<'_>,
) -> io::Result<Vec<Answer>>
where
    F: futures::Stream<Item = (usize, usize, usize, Result<Reply, tokio::task::JoinError>)> + Unpin,
{
    let Screen { out, err, width } = screen;
    let started = Instant::now();
    let mut left = rows.len();
    let mut ticks = tokio::time::interval(TICK);
    let mut drawn = 0;
    let mut costs = Costs::default();
    let mut answers: Vec<Answer> = Vec::with_capacity(rows.len());
    while left > 0 {
        tokio::select! {
            next = finished.next() => {
                let Some((slot, i, k, task)) = next else { break };
                left -= 1;
                let answer = settle(&mut costs, clients, plan, (i, k), joined(task)).await;
                let answer_samples = answer.samples;
                let row = &mut rows[slot];
                row.state = if answer.ok() { State::Done } else { State::Failed };
                row.finished = Some(started.elapsed());
                if let Some(u) = answer.reply.usage {
                    row.tokens = u.completion_tokens;
                }
                err.write_all(clear(drawn).as_bytes())?;
                err.flush()?;
                drawn = 0;
                write_block(out, &answer, plan.show_reasoning)?;
                answers.push(answer);
                let mut of_pane: Vec<&Answer> =
                    answers.iter().filter(|a| a.pane == i + 1).collect();
                if of_pane.len() == answer_samples {
                    of_pane.sort_by_key(|a| a.sample);
                    write_spread(out, false, &of_pane)?;
                }
                out.flush()?;
            }
            Some((slot, n)) = progress.recv() => {
                let row = &mut rows[slot];
                if row.finished.is_none() {
                    row.tokens = n;
                    row.state = State::Streaming;
                }
                continue;
            }
            _ = ticks.tick() => {}
        }
        if left > 0 {
            err.write_all(render(&rows, drawn, started.elapsed(), width).as_bytes())?;
            err.flush()?;
            drawn = rows.len();
        }
    }
    err.write_all(clear(drawn).as_bytes())?;
    err.flush()?;
    writeln!(out, "{}", text_summary(&answers))?;
    out.flush()?;
    Ok(answers)
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
