//! A word-level diff of two answers, disagreements first. Words are runs of non-whitespace
//! (so a reflowed paragraph is not a difference); `similar`'s patience diff matches them, with
//! a deadline so a pathological pair never stalls the room. The places where the answers differ
//! come first, largest first: with thirty small rewordings, the one place where the two answers
//! reach different conclusions is the one a reader needs, and it would otherwise scroll off.
//! The whole merged text follows, in reading order, for context.

use std::time::Duration;

use similar::{Algorithm, DiffOp, capture_diff_slices_deadline, group_diff_ops};

/// Words of context either side of a place.
pub const CONTEXT: usize = 4;
/// The longest a diff may take before it settles for a coarser (still correct) answer.
const DEADLINE: Duration = Duration::from_millis(50);

/// Where a run of words comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// In both answers.
    Same,
    /// Only in the first (left) answer.
    Removed,
    /// Only in the second (right) answer.
    Added,
}

/// Consecutive words from one side, with the whitespace inside the run kept and the
/// whitespace before it in `lead` (the merged view keeps line and paragraph breaks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub side: Side,
    pub lead: String,
    pub text: String,
}

/// One place where the answers differ, with a little context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub runs: Vec<Run>,
    /// Words only in the first answer, and only in the second.
    pub removed: usize,
    pub added: usize,
    /// Where it starts, in words of the first answer (for the reading order of ties).
    pub at: usize,
}

impl Place {
    /// How much the two answers disagree here, in words.
    pub fn size(&self) -> usize {
        self.removed + self.added
    }
}

/// Two answers compared word by word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordDiff {
    /// The places that differ, largest first (ties in reading order).
    pub places: Vec<Place>,
    /// Both answers merged in reading order.
    pub whole: Vec<Run>,
    pub removed: usize,
    pub added: usize,
    /// Words the two answers share, in order.
    pub same: usize,
}

impl WordDiff {
    /// The two texts are the same word for word.
    pub fn identical(&self) -> bool {
        self.places.is_empty()
    }
}

/// A word and the whitespace before it.
struct Word<'a> {
    lead: &'a str,
    text: &'a str,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        if start == rest.len() {
            return out;
        }
        let (lead, tail) = rest.split_at(start);
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        out.push(Word {
            lead,
            text: &tail[..end],
        });
        rest = &tail[end..];
    }
}

/// `words[range]` as one run: the first word's lead apart, the inner whitespace kept.
fn run(side: Side, words: &[Word<'_>]) -> Option<Run> {
    let first = words.first()?;
    let mut text = first.text.to_owned();
    for w in &words[1..] {
        text.push_str(w.lead);
        text.push_str(w.text);
    }
    Some(Run {
        side,
        lead: first.lead.to_owned(),
        text,
    })
}

/// The runs one diff op stands for.
fn runs_of(op: &DiffOp, a: &[Word<'_>], b: &[Word<'_>]) -> Vec<Run> {
    let (_, old, new) = op.as_tag_tuple();
    let mut out = Vec::new();
    match op {
        DiffOp::Equal { .. } => out.extend(run(Side::Same, &a[old])),
        DiffOp::Delete { .. } => out.extend(run(Side::Removed, &a[old])),
        DiffOp::Insert { .. } => out.extend(run(Side::Added, &b[new])),
        DiffOp::Replace { .. } => {
            out.extend(run(Side::Removed, &a[old]));
            // Right after what it replaces, as `[-old-]{+new+}`.
            out.extend(run(Side::Added, &b[new]).map(|r| Run {
                lead: String::new(),
                ..r
            }));
        }
    }
    out
}

fn counts(op: &DiffOp) -> (usize, usize) {
    match *op {
        DiffOp::Equal { .. } => (0, 0),
        DiffOp::Delete { old_len, .. } => (old_len, 0),
        DiffOp::Insert { new_len, .. } => (0, new_len),
        DiffOp::Replace {
            old_len, new_len, ..
        } => (old_len, new_len),
    }
}

/// Compares `a` (the first answer) with `b` (the second), word by word.
pub fn word_diff(a: &str, b: &str) -> WordDiff {
    let (wa, wb) = (words(a), words(b));
    let ta: Vec<&str> = wa.iter().map(|w| w.text).collect();
    let tb: Vec<&str> = wb.iter().map(|w| w.text).collect();
    let deadline = std::time::Instant::now().checked_add(DEADLINE);
    let ops = capture_diff_slices_deadline(Algorithm::Patience, &ta, &tb, deadline);
    let whole = ops.iter().flat_map(|op| runs_of(op, &wa, &wb)).collect();
    let (mut removed, mut added, mut same) = (0, 0, 0);
    for op in &ops {
        let (r, d) = counts(op);
        removed += r;
        added += d;
        if let DiffOp::Equal { len, .. } = op {
            same += len;
        }
    }
    let mut places: Vec<Place> = group_diff_ops(ops, CONTEXT)
        .into_iter()
        .filter_map(|group| {
            let changed = group.iter().find(|op| counts(op) != (0, 0))?;
            let (removed, added) = group
                .iter()
                .map(counts)
                .fold((0, 0), |(r, d), (x, y)| (r + x, d + y));
            Some(Place {
                runs: group.iter().flat_map(|op| runs_of(op, &wa, &wb)).collect(),
                removed,
                added,
                at: changed.old_range().start,
            })
        })
        .collect();
    places.sort_by(|x, y| y.size().cmp(&x.size()).then(x.at.cmp(&y.at)));
    WordDiff {
        places,
        whole,
        removed,
        added,
        same,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(runs: &[Run]) -> String {
        let mut out = String::new();
        for r in runs {
            out.push_str(&r.lead);
            match r.side {
                Side::Same => out.push_str(&r.text),
                Side::Removed => out.push_str(&format!("[-{}-]", r.text)),
                Side::Added => out.push_str(&format!("{{+{}+}}", r.text)),
            }
        }
        out
    }

    #[test]
    fn the_largest_disagreement_comes_first_and_ties_keep_reading_order() {
        let a = "Use a mutex here, as the docs say and as we did before. The answer is forty \
                 two in all cases we tried. It is fast, and it is simple to read. Then we stop \
                 and go home early today.";
        let b = "Use a lock here, as the docs say and as we did before. The answer is \
                 seventeen, not forty two, except on Sundays. It is fast, and it is simple to \
                 read. Then we stop and go home late today.";
        let d = word_diff(a, b);
        let sizes: Vec<usize> = d.places.iter().map(Place::size).collect();
        assert_eq!(d.places.len(), 3, "{:#?}", d.places);
        assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
        // The conclusion, not the small rewordings, leads.
        assert!(marked(&d.places[0].runs).contains("{+seventeen, not+}"));
        // Two one-for-one swaps tie: the earlier one goes first.
        assert!(marked(&d.places[1].runs).contains("[-mutex-]{+lock+}"));
        assert!(marked(&d.places[2].runs).contains("[-early-]{+late+}"));
        assert_eq!(d.places[1].size(), d.places[2].size());
        assert_eq!((d.removed, d.added), (8, 8));
    }

    #[test]
    fn context_is_a_few_words_and_the_whole_keeps_line_breaks() {
        let a = "one two three four five six seven eight nine ten\n\nlast words here";
        let b = "one two three four five six seven EIGHT nine ten\n\nlast words here";
        let d = word_diff(a, b);
        assert_eq!(
            marked(&d.places[0].runs),
            " four five six seven [-eight-]{+EIGHT+} nine ten\n\nlast words"
        );
        assert_eq!(
            marked(&d.whole),
            "one two three four five six seven [-eight-]{+EIGHT+} nine ten\n\nlast words here"
        );
        assert_eq!(d.same, 12);
    }

    #[test]
    fn reflowed_text_is_not_a_difference_and_empty_answers_are_all_added() {
        let d = word_diff("a  b\nc", "a b c");
        assert!(d.identical());
        assert_eq!(d.same, 3);
        let d = word_diff("", "all new");
        assert_eq!((d.removed, d.added, d.places.len()), (0, 2, 1));
        assert!(word_diff("", "").identical());
    }
}
