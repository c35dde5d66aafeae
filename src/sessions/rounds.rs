//! A saved session as a reader sees it: prompts lined up with every pane's answers (focused
//! sends and asked-again answers included), and each answer's figures in words. The text,
//! Markdown and HTML renderings all start from here, so they agree.

use std::fmt::Write as _;

use crate::chat::Cost;
use crate::sanitize::sanitize;
use crate::store::{AnswerRecord, CostStatus, Finish, PaneRecord, Session, Turn};

/// One prompt and what each pane made of it, in pane order.
#[derive(Debug)]
pub struct Round<'a> {
    pub prompt: &'a str,
    /// `None`: this pane was not asked this prompt (focused sends). Several answers: the prompt
    /// was asked again in that pane; the earlier answers were kept.
    pub answers: Vec<Option<Vec<&'a AnswerRecord>>>,
}

/// The session's prompts in the order they were sent (`Session::sends`), each with the
/// answers of the panes it went to; nothing saved is dropped from a rendering.
pub fn rounds(session: &Session) -> Vec<Round<'_>> {
    session
        .sends()
        .into_iter()
        .map(|sent| Round {
            prompt: sent.prompt.unwrap_or(""),
            answers: session
                .panes
                .iter()
                .zip(&sent.turns)
                .map(|(pane, at)| {
                    let at = (*at)?;
                    // The prompt's own turn, then its answers up to the next prompt.
                    let skip = usize::from(matches!(pane.turns.get(at), Some(Turn::User { .. })));
                    Some(
                        pane.turns
                            .get(at + skip..)
                            .unwrap_or_default()
                            .iter()
                            .map_while(|t| match t {
                                Turn::Assistant(a) => Some(a.as_ref()),
                                Turn::User { .. } => None,
                            })
                            .collect(),
                    )
                })
                .collect(),
        })
        .collect()
}

/// One answer's figures, worded for every rendering alike.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub provider: String,
    pub tokens: String,
    pub cost: String,
    pub ttft: String,
    pub duration: String,
    /// How it ended: `complete`, `stopped`, …, and `cut at max_tokens` when it was.
    pub finish: String,
}

pub fn stats(a: &AnswerRecord) -> Stats {
    let secs = |ms: Option<u64>| {
        #[allow(clippy::cast_precision_loss)]
        ms.map_or_else(
            || "—".to_owned(),
            |ms| format!("{:.2} s", ms as f64 / 1000.0),
        )
    };
    Stats {
        provider: a.provider.clone().unwrap_or_else(|| "unknown".into()),
        tokens: a.usage.map_or_else(
            || "unknown".into(),
            |u| {
                let mut t = format!("{} → {}", u.prompt_tokens, u.completion_tokens);
                if u.reasoning_tokens > 0 {
                    let _ = write!(t, " ({} reasoning)", u.reasoning_tokens);
                }
                t
            },
        ),
        cost: {
            let mut cost = match (a.cost_status, a.cost_usd) {
                (CostStatus::Reported, Some(c)) => Cost::usd(c).to_string(),
                (CostStatus::Pending, _) => "pending".into(),
                _ => "unknown".into(),
            };
            // The searches' share of that cost, in it already.
            if let Some(search) = a.usage.and_then(|u| u.search_label()) {
                let _ = write!(cost, " ({search})");
            }
            cost
        },
        ttft: secs(a.ttft_ms),
        duration: secs(a.duration_ms),
        finish: match (a.finish, a.finish_reason.as_deref()) {
            (Finish::Complete, Some("length")) => "complete, cut at max_tokens".to_owned(),
            (f, _) => finish_word(f).to_owned(),
        },
    }
}

pub fn finish_word(f: Finish) -> &'static str {
    match f {
        Finish::Complete => "complete",
        Finish::Stopped => "stopped",
        Finish::Failed => "failed",
        Finish::Interrupted => "interrupted",
    }
}

/// `$0.0012`, and how many answers that leaves out.
pub fn spend(cost_usd: f64, uncosted: usize) -> String {
    let mut s = Cost::usd(cost_usd).to_string();
    match uncosted {
        0 => {}
        1 => s.push_str(" (1 answer uncosted)"),
        n => {
            let _ = write!(s, " ({n} answers uncosted)");
        }
    }
    s
}

/// `2026-06-08 18:46 UTC` from RFC 3339 (anything else is shown as it is).
pub fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) if rfc3339.len() >= 16 => format!("{d} {t} UTC"),
        _ => sanitize(rfc3339, " "),
    }
}

/// One line of untrusted text for a terminal or a heading.
pub(super) fn line(s: &str) -> String {
    sanitize(s, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The web sources an answer cited, as clean as a server's (a file is untrusted too).
pub(super) fn sources(a: &AnswerRecord) -> Vec<crate::api::Citation> {
    a.citations
        .iter()
        .filter_map(|c| crate::api::Citation::new(&c.url, &c.title))
        .take(crate::api::citations::MAX_CITATIONS)
        .collect()
}

/// Who served `a` when it was not `pane`'s model: a fallback in the words the room and `ask`
/// use (`↪ served by demo/fast after demo/down`), else the name the reply gave (a dated slug).
pub(super) fn served_by(pane: &PaneRecord, a: &AnswerRecord) -> Option<String> {
    let fallback = crate::served::fallback(
        &pane.model,
        &pane.routing,
        a.model.as_deref(),
        a.provider.as_deref(),
    );
    if let Some(f) = fallback {
        return Some(line(&f.note()));
    }
    a.model
        .as_deref()
        .filter(|m| *m != pane.model)
        .map(|m| format!("served by {}", line(m)))
}

/// What a reader must know about an answer that did not finish by itself.
pub(super) fn partial_note(a: &AnswerRecord) -> Option<&'static str> {
    match a.finish {
        Finish::Stopped => Some(crate::chat::STOPPED_NOTE),
        Finish::Interrupted => Some("interrupted when modelroom stopped: the answer is partial"),
        Finish::Complete | Finish::Failed => None,
    }
}

pub(super) fn error_text(a: &AnswerRecord) -> Option<String> {
    match (&a.error, a.finish) {
        (Some(e), _) => Some(line(&e.message)),
        (None, Finish::Failed) => Some("failed (no details were saved)".into()),
        (None, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FORMAT_VERSION, PaneRecord, Params, Totals};

    fn answer(text: &str) -> Turn {
        Turn::Assistant(std::sync::Arc::new(AnswerRecord {
            content: text.into(),
            reasoning: String::new(),
            reasoning_details: Vec::new(),
            model: None,
            provider: None,
            generation_id: None,
            usage: None,
            cost_usd: None,
            cost_status: CostStatus::Unknown,
            ttft_ms: None,
            duration_ms: None,
            finish: Finish::Complete,
            finish_reason: None,
            error: None,
            citations: Vec::new(),
        }))
    }

    fn user(text: &str) -> Turn {
        Turn::user(text)
    }

    fn session(panes: Vec<Vec<Turn>>) -> Session {
        Session {
            version: FORMAT_VERSION,
            id: "s".into(),
            title: "t".into(),
            created_at: String::new(),
            updated_at: String::new(),
            panes: panes
                .into_iter()
                .enumerate()
                .map(|(i, turns)| PaneRecord {
                    model: format!("m{i}"),
                    closed: false,
                    routing: Default::default(),
                    settings: Default::default(),
                    params: Params::default(),
                    turns,
                })
                .collect(),
            totals: Totals::default(),
            arena: Default::default(),
        }
    }

    fn shape(s: &Session) -> Vec<(String, Vec<Option<Vec<String>>>)> {
        rounds(s)
            .into_iter()
            .map(|r| {
                (
                    r.prompt.to_owned(),
                    r.answers
                        .into_iter()
                        .map(|a| a.map(|a| a.iter().map(|x| x.content.clone()).collect()))
                        .collect(),
                )
            })
            .collect()
    }

    fn v(xs: &[&str]) -> Option<Vec<String>> {
        Some(xs.iter().map(|x| (*x).to_owned()).collect())
    }

    #[test]
    fn rounds_line_up_focused_sends_and_asked_again_answers() {
        let s = session(vec![
            vec![
                user("a"),
                answer("a0"),
                user("b"),
                answer("b0"),
                answer("b0'"),
            ],
            vec![user("a"), answer("a1"), user("c"), answer("c1")],
        ]);
        assert_eq!(
            shape(&s),
            vec![
                ("a".into(), vec![v(&["a0"]), v(&["a1"])]),
                ("b".into(), vec![v(&["b0", "b0'"]), None]),
                ("c".into(), vec![None, v(&["c1"])]),
            ]
        );
    }

    #[test]
    fn no_exchange_is_dropped_when_a_short_pane_repeats_a_prompt() {
        let s = session(vec![
            vec![user("x"), answer("1"), user("x"), answer("2")],
            vec![user("x"), answer("3"), user("y"), answer("4"), user("z")],
        ]);
        let all: Vec<String> = shape(&s)
            .into_iter()
            .flat_map(|(_, a)| a.into_iter().flatten().flatten())
            .collect();
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, ["1", "2", "3", "4"]);
    }
}
