//! A vote on one round: which answer was better, and enough about each answer (model as asked
//! and as served, provider, tokens, markdown counts, cost, latency) to rate models later and to
//! control for style. The outcome is kept as given (the best of N, a tie, all bad) and turned
//! into the pairwise battles it implies only when a board is computed.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The version written in every vote line.
pub const VOTE_VERSION: u32 = 1;

/// What the person said about a round's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The answer at this index (label A = 0) is the best; with two answers, "A/B is better".
    Best(usize),
    /// Equally good (with more than two answers: all of them).
    Tie,
    /// Both (all) bad: a tie for the ratings, counted in its own column.
    BothBad,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Best(i) => f.write_str(&label(*i)),
            Self::Tie => f.write_str("tie"),
            Self::BothBad => f.write_str("both_bad"),
        }
    }
}

impl std::str::FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tie" => Ok(Self::Tie),
            "both_bad" => Ok(Self::BothBad),
            _ => label_index(s)
                .map(Self::Best)
                .ok_or_else(|| format!("outcome `{s}` is not a label (A, B, …), tie or both_bad")),
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The blind label of the answer at `index`: A, B, … Z, then A2, B2, … (never ambiguous).
pub fn label(index: usize) -> String {
    let letter = char::from(b'A' + u8::try_from(index % 26).unwrap_or(0));
    match index / 26 {
        0 => letter.to_string(),
        n => format!("{letter}{}", n + 1),
    }
}

fn label_index(s: &str) -> Option<usize> {
    let mut chars = s.chars();
    let letter = chars.next().filter(char::is_ascii_uppercase)?;
    let base = usize::from(u8::try_from(letter).ok()? - b'A');
    let rest = chars.as_str();
    if rest.is_empty() {
        return Some(base);
    }
    let n: usize = rest.parse().ok().filter(|n| *n >= 2)?;
    Some(base + 26 * (n - 1))
}

/// Markdown structure of an answer: what style control compares between two answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkdownCounts {
    pub headers: u32,
    pub list_items: u32,
    pub bold: u32,
}

impl MarkdownCounts {
    pub fn of(text: &str) -> Self {
        use pulldown_cmark::{Event, Options, Parser, Tag};
        let mut counts = Self::default();
        for event in Parser::new_ext(text, Options::all()) {
            if let Event::Start(tag) = event {
                let slot = match tag {
                    Tag::Heading { .. } => &mut counts.headers,
                    Tag::Item => &mut counts.list_items,
                    Tag::Strong => &mut counts.bold,
                    _ => continue,
                };
                *slot = slot.saturating_add(1);
            }
        }
        counts
    }
}

/// One answer of a voted round, in label order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VotedAnswer {
    /// The model id as asked for.
    pub requested: String,
    /// The model id the gateway reports as having answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// A fallback model answered instead of the one asked for.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
    /// Completion tokens (reported, else estimated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    #[serde(default)]
    pub markdown: MarkdownCounts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// From sending the prompt to the answer's end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// The answer named its own model or maker.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub named_itself: bool,
}

impl VotedAnswer {
    /// The model the vote counts for: the one asked, unless a fallback model answered.
    pub fn rated_model(&self) -> &str {
        match &self.served {
            Some(served) if self.fallback => served,
            _ => &self.requested,
        }
    }
}

/// One vote: a line of the ledger and an entry beside its round in the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vote {
    pub v: u32,
    /// Unique; an undo names it.
    pub id: String,
    /// Unix seconds.
    pub at: u64,
    /// The same instant, RFC 3339 UTC, for people reading the file.
    pub time: String,
    pub session: String,
    /// The round's index in its session.
    pub round: u32,
    pub prompt_sha256: String,
    pub outcome: Outcome,
    /// Nothing identified the models before the vote.
    pub blind: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// In label order: A first.
    pub answers: Vec<VotedAnswer>,
}

impl Vote {
    /// A vote made now. `blind` is cleared when an answer named itself.
    pub fn new(
        session: &str,
        round: u32,
        prompt: &str,
        outcome: Outcome,
        blind: bool,
        answers: Vec<VotedAnswer>,
    ) -> Self {
        let at = crate::clock::unix_now();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let blind = blind && !answers.iter().any(|a| a.named_itself);
        let id = format!(
            "{}-{}",
            crate::clock::compact(at),
            &sha256_hex(&format!(
                "{session}\0{round}\0{nanos}\0{}",
                std::process::id()
            ))[..8]
        );
        Self {
            v: VOTE_VERSION,
            id,
            at,
            time: crate::clock::rfc3339(at),
            session: session.to_owned(),
            round,
            prompt_sha256: sha256_hex(prompt),
            outcome,
            blind,
            tags: super::tags::parse(prompt),
            answers,
        }
    }

    /// Why this vote cannot be used, if it cannot (checked on every line read back).
    pub fn problem(&self) -> Option<String> {
        if self.v != VOTE_VERSION {
            return Some(format!(
                "vote version {} (this modelroom reads {VOTE_VERSION})",
                self.v
            ));
        }
        if self.answers.len() < 2 {
            return Some("a vote needs at least two answers".into());
        }
        match self.outcome {
            Outcome::Best(i) if i >= self.answers.len() => Some(format!(
                "outcome {} but only {} answers",
                self.outcome,
                self.answers.len()
            )),
            _ => None,
        }
    }

    /// The pairwise battles the vote implies: the best beats each other answer; a tie or
    /// "all bad" ties every pair. Pairs of the same model say nothing and are left out.
    pub fn battles(&self) -> Vec<super::Battle> {
        use super::{Battle, Side, Winner};
        let side = |a: &VotedAnswer| Side {
            model: a.rated_model().to_owned(),
            style: Some(super::AnswerStyle {
                tokens: a.tokens.unwrap_or(0),
                markdown: a.markdown,
            }),
        };
        let mut out = Vec::new();
        for i in 0..self.answers.len() {
            for j in i + 1..self.answers.len() {
                let winner = match self.outcome {
                    Outcome::Best(k) if k == i => Winner::A,
                    Outcome::Best(k) if k == j => Winner::B,
                    Outcome::Best(_) => continue,
                    Outcome::Tie => Winner::Tie,
                    Outcome::BothBad => Winner::BothBad,
                };
                let (a, b) = (&self.answers[i], &self.answers[j]);
                if a.rated_model() == b.rated_model() {
                    continue;
                }
                out.push(Battle {
                    a: side(a),
                    b: side(b),
                    winner,
                    blind: self.blind,
                    at: Some(self.at),
                });
            }
        }
        out
    }
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn answer(model: &str) -> VotedAnswer {
        VotedAnswer {
            requested: model.into(),
            served: None,
            provider: None,
            fallback: false,
            tokens: Some(10),
            markdown: MarkdownCounts::default(),
            cost_usd: None,
            latency_ms: None,
            named_itself: false,
        }
    }

    #[test]
    fn labels_round_trip_past_z() {
        for i in [0, 1, 2, 25, 26, 27, 60] {
            assert_eq!(label_index(&label(i)), Some(i), "{}", label(i));
        }
        assert_eq!(label(1), "B");
        assert_eq!(label(27), "B2");
        assert_eq!(label_index("a"), None);
        assert_eq!(label_index("A1"), None);
        assert_eq!("both_bad".parse::<Outcome>(), Ok(Outcome::BothBad));
        assert!("C?".parse::<Outcome>().is_err());
    }

    #[test]
    fn markdown_counts_headers_items_and_bold() {
        let text =
            "# One\n\nSome **bold** and __more__.\n\n## Two\n\n- a\n- b\n  1. c\n\n`**not**`";
        let c = MarkdownCounts::of(text);
        assert_eq!((c.headers, c.list_items, c.bold), (2, 3, 2));
        assert_eq!(MarkdownCounts::of("plain"), MarkdownCounts::default());
    }

    #[test]
    fn a_vote_carries_hash_tags_and_its_implied_battles() {
        let answers = vec![answer("x/a"), answer("x/b"), answer("x/c")];
        let v = Vote::new(
            "s1",
            3,
            "Sort this #code please",
            Outcome::Best(1),
            true,
            answers,
        );
        assert_eq!(v.tags, ["code"]);
        assert_eq!(v.prompt_sha256.len(), 64);
        assert_eq!(v.prompt_sha256, sha256_hex("Sort this #code please"));
        assert!(v.problem().is_none());
        let battles = v.battles();
        // B beats A and B beats C; A against C is not implied.
        let pairs: Vec<_> = battles
            .iter()
            .map(|b| (b.a.model.as_str(), b.b.model.as_str(), b.winner))
            .collect();
        assert_eq!(
            pairs,
            [
                ("x/a", "x/b", super::super::Winner::B),
                ("x/b", "x/c", super::super::Winner::A)
            ]
        );
        let line = serde_json::to_string(&v).unwrap();
        assert!(line.contains("\"outcome\":\"B\""), "{line}");
        assert_eq!(serde_json::from_str::<Vote>(&line).unwrap(), v);
    }

    #[test]
    fn a_self_naming_answer_makes_the_vote_not_blind_and_fallbacks_rate_the_server() {
        let mut a = answer("x/a");
        a.named_itself = true;
        let mut b = answer("x/b");
        b.served = Some("y/z".into());
        b.fallback = true;
        let v = Vote::new("s", 0, "hi", Outcome::Tie, true, vec![a, b]);
        assert!(!v.blind);
        assert_eq!(v.battles()[0].b.model, "y/z");
        let all_bad = Vote::new(
            "s",
            0,
            "hi",
            Outcome::BothBad,
            true,
            vec![answer("m"), answer("n"), answer("o")],
        );
        assert_eq!(all_bad.battles().len(), 3);
        let same = Vote::new(
            "s",
            0,
            "hi",
            Outcome::Best(0),
            true,
            vec![answer("m"), answer("m")],
        );
        assert!(same.battles().is_empty());
        let mut bad = Vote::new(
            "s",
            0,
            "hi",
            Outcome::Best(2),
            true,
            vec![answer("m"), answer("n")],
        );
        assert!(bad.problem().is_some());
        bad.outcome = Outcome::Best(1);
        bad.answers.pop();
        assert!(bad.problem().is_some());
    }
}
