//! How far apart several samples of one pane are: the range of their lengths, costs and
//! times, and whether they agree. Agreement is the mean, over every pair of samples, of the
//! Jaccard similarity of their sets of lower-cased words (shared words / all words): 1 when
//! the words are the same, 0 when no word is shared. It ignores order and repetition, so it
//! says "same content" rather than "same text"; `identical` says the text is the same.

use std::collections::HashSet;
use std::time::Duration;

use crate::chat::Cost;

/// One sample's figures, as the spread needs them.
#[derive(Debug, Clone, Default)]
pub struct Sample<'a> {
    pub text: &'a str,
    pub cost: Option<Cost>,
    pub duration: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub samples: usize,
    /// Characters of the shortest and the longest answer.
    pub chars: (usize, usize),
    /// Cheapest and dearest known cost, and how many were unknown.
    pub cost: Option<(Cost, Cost)>,
    pub unknown_cost: usize,
    pub duration: Option<(Duration, Duration)>,
    /// Mean pairwise word-set Jaccard similarity, 0–1.
    pub agreement: f64,
    pub identical: bool,
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let j = a.intersection(b).count() as f64 / union as f64;
    j
}

fn range<T: Copy + PartialOrd>(items: impl Iterator<Item = T>) -> Option<(T, T)> {
    items.fold(None, |acc, x| match acc {
        None => Some((x, x)),
        Some((lo, hi)) => Some((if x < lo { x } else { lo }, if x > hi { x } else { hi })),
    })
}

/// The spread of `samples`; `None` for fewer than two.
pub fn spread(samples: &[Sample<'_>]) -> Option<Spread> {
    if samples.len() < 2 {
        return None;
    }
    let sets: Vec<HashSet<String>> = samples.iter().map(|s| words(s.text)).collect();
    let (mut sum, mut pairs) = (0.0, 0u32);
    for i in 0..sets.len() {
        for j in i + 1..sets.len() {
            sum += jaccard(&sets[i], &sets[j]);
            pairs += 1;
        }
    }
    Some(Spread {
        samples: samples.len(),
        chars: range(samples.iter().map(|s| s.text.chars().count())).unwrap_or((0, 0)),
        cost: range(samples.iter().filter_map(|s| s.cost.map(Cost::as_usd)))
            .map(|(lo, hi)| (Cost::usd(lo), Cost::usd(hi))),
        unknown_cost: samples.iter().filter(|s| s.cost.is_none()).count(),
        duration: range(samples.iter().filter_map(|s| s.duration)),
        agreement: sum / f64::from(pairs.max(1)),
        identical: samples.windows(2).all(|w| w[0].text == w[1].text),
    })
}

impl Spread {
    /// One line: `3 samples · 210–260 chars · $0.0010–$0.0014 · 1.2–1.9 s · agree 0.82`.
    pub fn line(&self) -> String {
        let mut parts = vec![
            format!("{} samples", self.samples),
            format!("{}–{} chars", self.chars.0, self.chars.1),
        ];
        if let Some((lo, hi)) = self.cost {
            parts.push(format!("{lo}–{hi}"));
        }
        if self.unknown_cost > 0 {
            parts.push(format!("{} of unknown cost", self.unknown_cost));
        }
        if let Some((lo, hi)) = self.duration {
            parts.push(format!("{:.1}–{:.1} s", lo.as_secs_f64(), hi.as_secs_f64()));
        }
        parts.push(if self.identical {
            "identical".to_owned()
        } else {
            format!("agree {:.2}", self.agreement)
        });
        parts.join(" · ")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "samples": self.samples,
            "chars_min": self.chars.0,
            "chars_max": self.chars.1,
            "cost_min": self.cost.map(|c| c.0.as_usd()),
            "cost_max": self.cost.map(|c| c.1.as_usd()),
            "unknown_cost": self.unknown_cost,
            "duration_ms_min": self.duration.map(|d| ms(d.0)),
            "duration_ms_max": self.duration.map(|d| ms(d.1)),
            "agreement": self.agreement,
            "identical": self.identical,
        })
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str, cost: f64, ms: u64) -> Sample<'_> {
        Sample {
            text,
            cost: Some(Cost::usd(cost)),
            duration: Some(Duration::from_millis(ms)),
        }
    }

    #[test]
    fn identical_samples_agree_fully() {
        let sp = spread(&[s("Hello world", 0.001, 100), s("Hello world", 0.002, 300)]).unwrap();
        assert!(sp.identical);
        assert!((sp.agreement - 1.0).abs() < 1e-9);
        assert_eq!(sp.chars, (11, 11));
        assert_eq!(
            sp.line(),
            "2 samples · 11–11 chars · $0.001–$0.002 · 0.1–0.3 s · identical"
        );
    }

    #[test]
    fn agreement_is_the_mean_pairwise_jaccard_of_word_sets() {
        // {a,b} vs {b,c}: 1/3; {a,b} vs {a,b}: 1; {b,c} vs {a,b}: 1/3 → mean 5/9.
        let sp = spread(&[s("a b", 0.0, 1), s("B c", 0.0, 1), s("a, b!", 0.0, 1)]).unwrap();
        assert!(!sp.identical);
        assert!((sp.agreement - 5.0 / 9.0).abs() < 1e-9, "{}", sp.agreement);
        let none = spread(&[s("x", 0.0, 1), s("y", 0.0, 1)]).unwrap();
        assert!(none.agreement.abs() < 1e-9);
    }

    #[test]
    fn one_sample_has_no_spread_and_unknown_costs_are_counted() {
        assert!(spread(&[s("a", 0.0, 1)]).is_none());
        let unknown = Sample {
            text: "a",
            ..Sample::default()
        };
        let sp = spread(&[s("a", 0.5, 1), unknown]).unwrap();
        assert_eq!(sp.unknown_cost, 1);
        assert_eq!(sp.cost, Some((Cost::usd(0.5), Cost::usd(0.5))));
    }
}
