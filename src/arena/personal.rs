//! The person's own board: their votes (blind ones, unless all are asked for), optionally of
//! one tag, as battles; and each model's median cost and latency over its voted answers.

use std::collections::HashMap;

use super::{Battle, Board, Vote};

/// Which votes count.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Count votes that were not blind too.
    pub all_votes: bool,
    /// Only votes with this tag (normalised).
    pub tag: Option<String>,
}

impl Filter {
    pub fn keeps(&self, vote: &Vote) -> bool {
        (self.all_votes || vote.blind) && self.tag.as_ref().is_none_or(|t| vote.tags.contains(t))
    }
}

/// The battles the kept votes imply, in the order the votes were made.
pub fn battles(votes: &[Vote], filter: &Filter) -> Vec<Battle> {
    votes
        .iter()
        .filter(|v| filter.keeps(v))
        .flat_map(Vote::battles)
        .collect()
}

/// Fills each row's median cost and latency from the answers of the kept votes (each answer
/// once, however many battles its vote implied).
pub fn add_medians(board: &mut Board, votes: &[Vote], filter: &Filter) {
    let mut costs: HashMap<&str, Vec<f64>> = HashMap::new();
    let mut latencies: HashMap<&str, Vec<f64>> = HashMap::new();
    for vote in votes.iter().filter(|v| filter.keeps(v)) {
        for a in &vote.answers {
            let model = a.rated_model();
            if let Some(c) = a.cost_usd.filter(|c| c.is_finite() && *c >= 0.0) {
                costs.entry(model).or_default().push(c);
            }
            if let Some(ms) = a.latency_ms {
                latencies.entry(model).or_default().push(ms as f64);
            }
        }
    }
    for row in &mut board.rows {
        row.median_cost_usd = costs.get_mut(row.model.as_str()).and_then(|v| median(v));
        row.median_latency_ms = latencies
            .get_mut(row.model.as_str())
            .and_then(|v| median(v));
    }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::{BoardOptions, MarkdownCounts, Outcome, VotedAnswer, board};

    fn answer(model: &str, cost: f64, ms: u64) -> VotedAnswer {
        VotedAnswer {
            requested: model.into(),
            served: None,
            provider: None,
            fallback: false,
            tokens: None,
            markdown: MarkdownCounts::default(),
            cost_usd: Some(cost),
            latency_ms: Some(ms),
            named_itself: false,
        }
    }

    #[test]
    fn blind_votes_of_the_tag_count_and_medians_use_each_answer_once() {
        let mut votes = vec![
            Vote::new(
                "s",
                0,
                "a #code",
                Outcome::Best(0),
                true,
                vec![answer("x", 0.1, 100), answer("y", 0.3, 300)],
            ),
            Vote::new(
                "s",
                1,
                "b #code",
                Outcome::Tie,
                true,
                vec![
                    answer("x", 0.2, 200),
                    answer("y", 0.5, 500),
                    answer("z", 1.0, 1),
                ],
            ),
            Vote::new(
                "s",
                2,
                "c",
                Outcome::Best(1),
                true,
                vec![answer("x", 9.0, 9), answer("y", 9.0, 9)],
            ),
        ];
        votes.push(Vote::new(
            "s",
            3,
            "d #code",
            Outcome::Best(1),
            false,
            vec![answer("x", 0.0, 0), answer("y", 0.0, 0)],
        ));
        let code = Filter {
            all_votes: false,
            tag: Some("code".into()),
        };
        assert_eq!(battles(&votes, &code).len(), 1 + 3);
        let all = Filter {
            all_votes: true,
            tag: None,
        };
        assert_eq!(battles(&votes, &all).len(), 1 + 3 + 1 + 1);
        let opts = BoardOptions {
            resamples: 10,
            ..BoardOptions::default()
        };
        let mut b = board::compute(&battles(&votes, &code), &opts).unwrap();
        add_medians(&mut b, &votes, &code);
        let x = b.rows.iter().find(|r| r.model == "x").unwrap();
        assert_eq!(x.median_cost_usd, Some(0.15000000000000002));
        assert_eq!(x.median_latency_ms, Some(150.0));
        assert_eq!((x.votes, x.wins, x.ties), (3, 1, 2));
        let z = b.rows.iter().find(|r| r.model == "z").unwrap();
        assert_eq!(z.median_cost_usd, Some(1.0));
    }
}
