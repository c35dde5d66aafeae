//! Sessions lined up prompt by prompt for one export, so a rerun reads beside its original:
//! each session's prompts in the order they were sent, matched by their text where the
//! sessions share them (`store::merge_orders`). A prompt only some sessions have gets a row of
//! its own, in its place; nothing of any session is dropped.

use super::rounds::{Round, rounds};
use crate::store::{Session, merge_orders};

/// One prompt and what each session made of it (`None`: that session never sent it here).
#[derive(Debug)]
pub struct Row<'a> {
    pub prompt: &'a str,
    pub rounds: Vec<Option<Round<'a>>>,
}

pub fn rows(sessions: &[Session]) -> Vec<Row<'_>> {
    let mut per: Vec<Vec<Option<Round<'_>>>> = sessions
        .iter()
        .map(|s| rounds(s).into_iter().map(Some).collect())
        .collect();
    align(sessions)
        .into_iter()
        .map(|step| {
            let rounds: Vec<Option<Round<'_>>> = step
                .iter()
                .zip(&mut per)
                .map(|(k, rs)| rs.get_mut((*k)?)?.take())
                .collect();
            let prompt = rounds
                .iter()
                .flatten()
                .map(|r| r.prompt)
                .next()
                .unwrap_or("");
            Row { prompt, rounds }
        })
        .collect()
}

/// Per prompt of the export, for each session the index of its send of it (in
/// `Session::sends`, which `rounds` follows), if it has one.
pub fn align(sessions: &[Session]) -> Vec<Vec<Option<usize>>> {
    let keys: Vec<Vec<&str>> = sessions
        .iter()
        .map(|s| s.sends().iter().map(|x| x.prompt.unwrap_or("")).collect())
        .collect();
    merge_orders(&keys)
}

/// The files sent with `prompt`, from the first of `sessions` that kept some.
pub fn files_of<'a>(sessions: &'a [Session], prompt: &str) -> &'a [crate::attach::Attachment] {
    sessions
        .iter()
        .map(|s| s.attachments_of(prompt))
        .find(|a| !a.is_empty())
        .unwrap_or_default()
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FORMAT_VERSION, PaneRecord, Params, Totals, Turn};

    fn session(prompts: &[&str]) -> Session {
        Session {
            version: FORMAT_VERSION,
            id: "s".into(),
            title: "t".into(),
            created_at: String::new(),
            updated_at: String::new(),
            panes: vec![PaneRecord {
                model: "m/x".into(),
                closed: false,
                routing: Default::default(),
                settings: Default::default(),
                params: Params::default(),
                turns: prompts
                    .iter()
                    .enumerate()
                    .map(|(k, p)| Turn::User {
                        content: (*p).into(),
                        send: Some(k as u64 + 1),
                        attachments: Vec::new(),
                    })
                    .collect(),
            }],
            totals: Totals::default(),
            arena: Default::default(),
        }
    }

    #[test]
    fn a_rerun_lines_up_with_its_original_and_extra_prompts_keep_their_place() {
        let sessions = [session(&["a", "b", "c"]), session(&["a", "x", "c"])];
        let shape: Vec<(&str, Vec<bool>)> = rows(&sessions)
            .iter()
            .map(|r| (r.prompt, r.rounds.iter().map(Option::is_some).collect()))
            .collect();
        assert_eq!(
            shape,
            [
                ("a", vec![true, true]),
                ("b", vec![true, false]),
                ("x", vec![false, true]),
                ("c", vec![true, true]),
            ]
        );
    }
}
