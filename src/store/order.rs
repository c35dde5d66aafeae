//! The order a session's prompts were sent in. Each pane keeps its own turns, so a prompt sent
//! to every pane is in each of them and a focused send in one only; the room numbers every send
//! (`Turn::User::send`), which gives the order exactly. Files from before those numbers have
//! their order inferred by merging the panes' own orders (see `merge`).

use std::collections::HashMap;
use std::hash::Hash;

use super::{Session, Turn};

/// One send: its prompt and where each pane holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent<'a> {
    /// `None` for answers a pane holds before any prompt (a hand-edited file): they are kept.
    pub prompt: Option<&'a str>,
    /// Per pane, in pane order: the index in its `turns` where this exchange starts (the
    /// prompt, then its answers), or `None` when the prompt did not go to that pane.
    pub turns: Vec<Option<usize>>,
}

/// A prompt and its answers in one pane.
#[derive(Debug, Clone, Copy)]
struct Exchange<'a> {
    prompt: Option<&'a str>,
    send: Option<u64>,
    at: usize,
}

fn exchanges(turns: &[Turn]) -> Vec<Exchange<'_>> {
    let mut out: Vec<Exchange<'_>> = Vec::new();
    for (at, turn) in turns.iter().enumerate() {
        match turn {
            Turn::User { content, send, .. } => out.push(Exchange {
                prompt: Some(content),
                send: *send,
                at,
            }),
            Turn::Assistant(_) if out.is_empty() => out.push(Exchange {
                prompt: None,
                send: None,
                at,
            }),
            Turn::Assistant(_) => {}
        }
    }
    out
}

impl Session {
    /// Every send in the order it was made, each exchange of every pane in exactly one.
    /// Numbered sends are grouped by number; a pane's unnumbered exchanges (all before its
    /// numbered ones, in a file the room wrote) come first, merged across panes.
    pub fn sends(&self) -> Vec<Sent<'_>> {
        let panes: Vec<Vec<Exchange<'_>>> =
            self.panes.iter().map(|p| exchanges(&p.turns)).collect();
        let old: Vec<Vec<Exchange<'_>>> = panes
            .iter()
            .map(|p| p.iter().filter(|e| e.send.is_none()).copied().collect())
            .collect();
        let prompts: Vec<Vec<Option<&str>>> = old
            .iter()
            .map(|p| p.iter().map(|e| e.prompt).collect())
            .collect();
        let mut out: Vec<Sent<'_>> = merge_orders(&prompts)
            .into_iter()
            .map(|step| {
                let mut prompt = None;
                let turns = step
                    .iter()
                    .zip(&old)
                    .map(|(k, pane)| {
                        let e = pane.get((*k)?)?;
                        prompt = e.prompt;
                        Some(e.at)
                    })
                    .collect();
                Sent { prompt, turns }
            })
            .collect();
        // Keyed by number and by how many times this pane already had that number, so even a
        // file that repeats a number drops nothing.
        let mut numbered: std::collections::BTreeMap<(u64, usize), Sent<'_>> =
            std::collections::BTreeMap::new();
        for (i, pane) in panes.iter().enumerate() {
            let mut seen: HashMap<u64, usize> = HashMap::new();
            for e in pane {
                let Some(n) = e.send else { continue };
                let k = seen.entry(n).or_default();
                let sent = numbered.entry((n, *k)).or_insert_with(|| Sent {
                    prompt: e.prompt,
                    turns: vec![None; panes.len()],
                });
                *k += 1;
                sent.turns[i] = Some(e.at);
            }
        }
        out.extend(numbered.into_values());
        out
    }
}

/// Merges sequences into one that keeps each one's order, an item they share at the same point
/// taken once. Per step of the result: for each sequence, the index of the item it gave, if
/// any. At each step the item taken is the first sequence's next one that no other sequence
/// still holds further on (taking it now would put it before what that sequence had first);
/// when every candidate is so held (repeats), the first sequence's goes. Used for the panes of
/// a session written before sends were numbered, and for sessions put side by side.
pub fn merge_orders<K: Eq + Hash + Copy>(seqs: &[Vec<K>]) -> Vec<Vec<Option<usize>>> {
    let mut next = vec![0; seqs.len()];
    // What each sequence still holds, so "held further on" is a lookup: a room saves on every
    // answer, and an old session may hold thousands of prompts.
    let mut left: Vec<HashMap<K, usize>> = seqs
        .iter()
        .map(|p| {
            let mut m = HashMap::new();
            for k in p {
                *m.entry(*k).or_insert(0) += 1;
            }
            m
        })
        .collect();
    let mut out = Vec::new();
    loop {
        let heads: Vec<Option<K>> = seqs
            .iter()
            .zip(&next)
            .map(|(p, &k)| p.get(k).copied())
            .collect();
        let held = |item: K| {
            heads.iter().zip(&left).any(|(head, left)| {
                head.is_some_and(|h| h != item) && left.get(&item).is_some_and(|n| *n > 0)
            })
        };
        let Some(first) = heads.iter().flatten().next().copied() else {
            break;
        };
        let pick = heads
            .iter()
            .flatten()
            .copied()
            .find(|h| !held(*h))
            .unwrap_or(first);
        let mut step = vec![None; seqs.len()];
        for (i, head) in heads.iter().enumerate() {
            if head.is_some_and(|h| h == pick) {
                step[i] = Some(next[i]);
                next[i] += 1;
                if let Some(n) = left[i].get_mut(&pick) {
                    *n -= 1;
                }
            }
        }
        out.push(step);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FORMAT_VERSION, PaneRecord, Params, Totals};

    fn session(panes: &[&[(&str, Option<u64>)]]) -> Session {
        Session {
            version: FORMAT_VERSION,
            id: "s".into(),
            title: "t".into(),
            created_at: String::new(),
            updated_at: String::new(),
            panes: panes
                .iter()
                .map(|turns| PaneRecord {
                    model: "m/x".into(),
                    closed: false,
                    routing: Default::default(),
                    settings: Default::default(),
                    params: Params::default(),
                    turns: turns
                        .iter()
                        .map(|(p, n)| Turn::User {
                            content: (*p).into(),
                            send: *n,
                            attachments: Vec::new(),
                        })
                        .collect(),
                })
                .collect(),
            totals: Totals::default(),
            arena: Default::default(),
        }
    }

    fn order(s: &Session) -> Vec<(&str, Vec<bool>)> {
        s.sends()
            .into_iter()
            .map(|x| {
                (
                    x.prompt.unwrap_or("-"),
                    x.turns.iter().map(Option::is_some).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn numbered_sends_keep_the_order_they_were_sent_in() {
        // Pane 2 was asked "solo" alone between two broadcasts.
        let s = session(&[
            &[("a", Some(1)), ("c", Some(3))],
            &[("a", Some(1)), ("solo", Some(2)), ("c", Some(3))],
        ]);
        assert_eq!(
            order(&s),
            [
                ("a", vec![true, true]),
                ("solo", vec![false, true]),
                ("c", vec![true, true]),
            ]
        );
        assert_eq!(s.prompts(), ["a", "solo", "c"]);
    }

    #[test]
    fn the_same_text_sent_twice_is_two_sends() {
        let s = session(&[&[("x", Some(1)), ("x", Some(2))], &[("x", Some(2))]]);
        assert_eq!(
            order(&s),
            [("x", vec![true, false]), ("x", vec![true, true])]
        );
    }

    #[test]
    fn unnumbered_files_merge_the_panes_orders() {
        // Before numbers: pane 2's "c" came before the broadcast "d" it shares with pane 1.
        let s = session(&[
            &[("a", None), ("b", None), ("d", None)],
            &[("a", None), ("c", None), ("d", None)],
        ]);
        assert_eq!(s.prompts(), ["a", "b", "c", "d"]);
        assert_eq!(order(&s)[3], ("d", vec![true, true]));
        // A session resumed after numbers began: old exchanges first, then numbered ones.
        let s = session(&[&[("old", None), ("new", Some(1))], &[("old", None)]]);
        assert_eq!(s.prompts(), ["old", "new"]);
    }

    #[test]
    fn every_exchange_is_in_exactly_one_send_whatever_the_file_says() {
        let s = session(&[
            &[("x", Some(5)), ("x", Some(5)), ("y", None)],
            &[("y", None), ("x", None), ("y", None), ("x", Some(5))],
        ]);
        let mut held: Vec<(usize, usize)> = s
            .sends()
            .iter()
            .flat_map(|x| {
                x.turns
                    .iter()
                    .enumerate()
                    .filter_map(|(p, t)| t.map(|t| (p, t)))
                    .collect::<Vec<_>>()
            })
            .collect();
        held.sort_unstable();
        assert_eq!(
            held,
            [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (1, 3)]
        );
    }
}
