//! `sessions export --format json`: the session file itself, pretty-printed, with `sends`
//! added: the conversation in the order it was sent, each prompt with the turns that hold it
//! (`{pane, turn}`, as votes name answers), so a reader need not line the panes up. Several
//! sessions: `{"sessions": [...], "prompts": [...]}`, the prompts lined up as the other
//! formats line them up.

use serde::Serialize;

use crate::store::{Session, TurnRef};

#[derive(Serialize)]
struct One<'a> {
    #[serde(flatten)]
    session: &'a Session,
    sends: Vec<Send<'a>>,
}

#[derive(Serialize)]
struct Send<'a> {
    prompt: &'a str,
    /// The prompt's turn in each pane it went to (its answers follow it).
    turns: Vec<TurnRef>,
}

#[derive(Serialize)]
struct Many<'a> {
    sessions: Vec<One<'a>>,
    /// Per prompt, for each session the index of its send in that session's `sends`, or null.
    prompts: Vec<Row<'a>>,
}

#[derive(Serialize)]
struct Row<'a> {
    prompt: &'a str,
    sends: Vec<Option<usize>>,
}

fn one(session: &Session) -> One<'_> {
    let sends = session
        .sends()
        .into_iter()
        .map(|s| Send {
            prompt: s.prompt.unwrap_or(""),
            turns: s
                .turns
                .iter()
                .enumerate()
                .filter_map(|(pane, t)| t.map(|turn| TurnRef { pane, turn }))
                .collect(),
        })
        .collect();
    One { session, sends }
}

pub fn json(sessions: &[Session]) -> Result<String, serde_json::Error> {
    let mut s = match sessions {
        [session] => serde_json::to_string_pretty(&one(session))?,
        _ => {
            let ones: Vec<One<'_>> = sessions.iter().map(one).collect();
            let prompts = super::side::align(sessions)
                .into_iter()
                .map(|step| Row {
                    prompt: step
                        .iter()
                        .zip(&ones)
                        .find_map(|(k, o)| o.sends.get((*k)?))
                        .map_or("", |s| s.prompt),
                    sends: step,
                })
                .collect();
            serde_json::to_string_pretty(&Many {
                sessions: ones,
                prompts,
            })?
        }
    };
    s.push('\n');
    Ok(s)
}
