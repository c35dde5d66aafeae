//! Ranking catalog rows: fuzzy matching (nucleo) over `id name` as a query is typed, then the
//! chosen sort; and the closest ids to a model that is not in the catalog, for "did you mean".

use std::cmp::Ordering;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::{Index, ModelRow};
use crate::model::ENDPOINT_SIGIL;
use crate::routing::split_variant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Best match first (by name when there is no query).
    #[default]
    Relevance,
    /// Cheapest first (prompt + completion); unknown prices last.
    Price,
    /// Longest context first.
    Context,
    /// Most recently added first.
    Newest,
    Name,
}

impl SortKey {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relevance => "relevance",
            Self::Price => "price",
            Self::Context => "context",
            Self::Newest => "newest",
            Self::Name => "name",
        }
    }

    /// The next sort in the picker's cycle.
    pub fn next(self) -> Self {
        match self {
            Self::Relevance => Self::Price,
            Self::Price => Self::Context,
            Self::Context => Self::Newest,
            Self::Newest => Self::Name,
            Self::Name => Self::Relevance,
        }
    }
}

impl std::str::FromStr for SortKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "relevance" => Ok(Self::Relevance),
            "price" => Ok(Self::Price),
            "context" => Ok(Self::Context),
            "newest" => Ok(Self::Newest),
            "name" => Ok(Self::Name),
            _ => Err(format!(
                "`{s}`: sort by price, context, newest, name or relevance"
            )),
        }
    }
}

/// A matcher tuned for model ids: path-like, so `/`, `-` and `.` count as word boundaries.
pub fn matcher() -> Matcher {
    let mut config = Config::DEFAULT.match_paths();
    config.prefer_prefix = true;
    Matcher::new(config)
}

fn by_name(a: &ModelRow, b: &ModelRow) -> Ordering {
    a.sort_name.cmp(&b.sort_name).then_with(|| a.id.cmp(&b.id))
}

fn compare(sort: SortKey, a: &ModelRow, b: &ModelRow) -> Ordering {
    let desc = |x: Option<u64>, y: Option<u64>| y.unwrap_or(0).cmp(&x.unwrap_or(0));
    match sort {
        SortKey::Relevance | SortKey::Name => by_name(a, b),
        SortKey::Price => match (a.price_key(), b.price_key()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| by_name(a, b)),
        SortKey::Context => desc(a.context, b.context).then_with(|| by_name(a, b)),
        SortKey::Newest => b.created.cmp(&a.created).then_with(|| by_name(a, b)),
    }
}

/// Every sort's order of the rows and each row's rank in it, computed once per catalog so a
/// keystroke never compares strings.
#[derive(Debug, Clone, Default)]
pub struct Orders {
    /// By name, price, context, newest.
    orders: [Vec<usize>; 4],
    ranks: [Vec<u32>; 4],
}

fn slot(sort: SortKey) -> usize {
    match sort {
        SortKey::Relevance | SortKey::Name => 0,
        SortKey::Price => 1,
        SortKey::Context => 2,
        SortKey::Newest => 3,
    }
}

impl Orders {
    pub fn new(rows: &[ModelRow]) -> Self {
        let mut out = Self::default();
        for sort in [
            SortKey::Name,
            SortKey::Price,
            SortKey::Context,
            SortKey::Newest,
        ] {
            let mut order: Vec<usize> = (0..rows.len()).collect();
            order.sort_by(|&a, &b| compare(sort, &rows[a], &rows[b]));
            let mut rank = vec![0u32; rows.len()];
            for (pos, &i) in order.iter().enumerate() {
                rank[i] = u32::try_from(pos).unwrap_or(u32::MAX);
            }
            out.orders[slot(sort)] = order;
            out.ranks[slot(sort)] = rank;
        }
        out
    }

    fn order(&self, sort: SortKey) -> &[usize] {
        &self.orders[slot(sort)]
    }

    fn rank(&self, sort: SortKey, row: usize) -> u32 {
        self.ranks[slot(sort)].get(row).copied().unwrap_or(u32::MAX)
    }
}

/// Indices of the rows matching `query` (all rows when it is blank), ordered by `sort`;
/// with `Relevance` and a query, best match first.
pub fn search(
    index: &Index,
    query: &str,
    sort: SortKey,
    free_only: bool,
    matcher: &mut Matcher,
) -> Vec<usize> {
    search_within(index, query, sort, free_only, matcher, None)
}

/// Whether every row matching `longer` also matches `shorter` (typing on: the earlier
/// matches are the only candidates). Not so with nucleo's special syntax (`!`, `^`, `$`, `'`).
pub fn narrows(shorter: &str, longer: &str) -> bool {
    let plain = |q: &str| !q.contains(['!', '^', '$', '\'', '\\']);
    !shorter.trim().is_empty()
        && longer.starts_with(shorter)
        && plain(longer)
        && !shorter.ends_with(char::is_whitespace)
}

/// `search`, looking only at the rows in `within` when given (a superset of the matches).
pub fn search_within(
    index: &Index,
    query: &str,
    sort: SortKey,
    free_only: bool,
    matcher: &mut Matcher,
    within: Option<&[usize]>,
) -> Vec<usize> {
    let rows = &index.rows;
    let query = query.trim();
    let keep = |i: usize| !free_only || rows[i].free;
    if query.is_empty() {
        return index
            .orders
            .order(sort)
            .iter()
            .copied()
            .filter(|&i| keep(i))
            .collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
    let mut score = |i: usize| {
        pattern
            .score(rows[i].haystack.slice(..), matcher)
            .map(|s| (s, i))
    };
    let mut scored: Vec<(u32, usize)> = match within {
        Some(w) => w
            .iter()
            .copied()
            .filter(|&i| keep(i))
            .filter_map(&mut score)
            .collect(),
        None => (0..rows.len())
            .filter(|&i| keep(i))
            .filter_map(&mut score)
            .collect(),
    };
    let orders = &index.orders;
    match sort {
        SortKey::Relevance => scored.sort_unstable_by(|(sa, a), (sb, b)| {
            sb.cmp(sa)
                .then_with(|| rows[*a].id.len().cmp(&rows[*b].id.len()))
                .then_with(|| {
                    orders
                        .rank(SortKey::Name, *a)
                        .cmp(&orders.rank(SortKey::Name, *b))
                })
        }),
        other => scored.sort_unstable_by_key(|(_, i)| orders.rank(other, *i)),
    }
    scored.into_iter().map(|(_, i)| i).collect()
}

/// The closest ids to a model the catalog does not have, best first.
pub type Suggestions = Vec<String>;

/// Up to `n` ids close to `model`: small edit distances first (typos, a missing dot), then
/// fuzzy matches (a partial name). A variant suffix is kept on the suggestion.
pub fn suggest(index: &Index, model: &str, n: usize) -> Suggestions {
    let (base, suffix) = split_variant(model);
    let needle = base.to_lowercase();
    let slug = |id: &str| id.rsplit('/').next().unwrap_or(id).to_owned();
    let limit = (needle.chars().count() / 4).max(2);
    let needle_slug = slug(&needle);
    let mut close: Vec<(usize, &str)> = index
        .rows
        .iter()
        .filter(|r| !r.id.starts_with(ENDPOINT_SIGIL) && !r.id.ends_with(":free"))
        .filter_map(|r| {
            let id = r.id.to_lowercase();
            let d = edit_distance(&needle, &id).min(edit_distance(&needle_slug, &slug(&id)) + 1);
            (d <= limit).then_some((d, r.id.as_str()))
        })
        .collect();
    close.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let mut out: Vec<String> = close.into_iter().map(|(_, id)| id.to_owned()).collect();
    if out.len() < n {
        let mut m = matcher();
        for i in search(index, base, SortKey::Relevance, false, &mut m) {
            let id = &index.rows[i].id;
            if !id.starts_with(ENDPOINT_SIGIL) && !out.contains(id) {
                out.push(id.clone());
            }
            if out.len() >= n {
                break;
            }
        }
    }
    out.truncate(n);
    if let Some(s) = suffix {
        for id in &mut out {
            if split_variant(id).1.is_none() {
                id.push(':');
                id.push_str(s);
            }
        }
    }
    out
}

/// Levenshtein distance over characters, with adjacent transpositions counting once.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Catalog, ModelEntry, PricingEntry};

    fn index(models: &[(&str, &str, &str, u64, i64)]) -> Index {
        Index::new(Catalog::new(
            models
                .iter()
                .map(|(id, name, price, ctx, created)| ModelEntry {
                    id: (*id).into(),
                    name: Some((*name).into()),
                    context_length: Some(*ctx),
                    created: Some(*created),
                    pricing: Some(PricingEntry {
                        prompt: Some((*price).into()),
                        completion: Some((*price).into()),
                        ..PricingEntry::default()
                    }),
                    ..ModelEntry::default()
                })
                .collect(),
        ))
    }

    fn ids(index: &Index, hits: &[usize]) -> Vec<String> {
        hits.iter().map(|&i| index.rows[i].id.clone()).collect()
    }

    fn sample() -> Index {
        index(&[
            (
                "anthropic/claude-sonnet-4.6",
                "Anthropic: Claude Sonnet 4.6",
                "0.000003",
                1_000_000,
                30,
            ),
            (
                "anthropic/claude-haiku-4.5",
                "Anthropic: Claude Haiku 4.5",
                "0.000001",
                200_000,
                20,
            ),
            (
                "openai/gpt-5.1",
                "OpenAI: GPT-5.1",
                "0.00000125",
                400_000,
                40,
            ),
            (
                "z-ai/glm-5.2:free",
                "Z.ai: GLM 5.2 (free)",
                "0",
                128_000,
                10,
            ),
            ("openrouter/auto", "Auto Router", "-1", 2_000_000, 5),
        ])
    }

    #[test]
    fn fuzzy_queries_find_models_by_id_or_name() {
        let idx = sample();
        let mut m = matcher();
        let hits = ids(
            &idx,
            &search(&idx, "sonnet", SortKey::Relevance, false, &mut m),
        );
        assert_eq!(hits, ["anthropic/claude-sonnet-4.6"]);
        let hits = ids(
            &idx,
            &search(&idx, "clhaiku", SortKey::Relevance, false, &mut m),
        );
        assert_eq!(hits, ["anthropic/claude-haiku-4.5"]);
        let hits = ids(
            &idx,
            &search(&idx, "Auto Router", SortKey::Relevance, false, &mut m),
        );
        assert_eq!(hits, ["openrouter/auto"]);
        assert!(search(&idx, "zzzz", SortKey::Relevance, false, &mut m).is_empty());
    }

    #[test]
    fn sorts_order_the_matches_and_free_only_filters() {
        let idx = sample();
        let mut m = matcher();
        let by_price = ids(&idx, &search(&idx, "", SortKey::Price, false, &mut m));
        assert_eq!(
            by_price.first().map(String::as_str),
            Some("z-ai/glm-5.2:free")
        );
        assert_eq!(
            by_price.last().map(String::as_str),
            Some("openrouter/auto"),
            "unknown last"
        );
        let by_ctx = ids(
            &idx,
            &search(&idx, "anthropic", SortKey::Context, false, &mut m),
        );
        assert_eq!(
            by_ctx,
            ["anthropic/claude-sonnet-4.6", "anthropic/claude-haiku-4.5"]
        );
        let newest = ids(&idx, &search(&idx, "", SortKey::Newest, false, &mut m));
        assert_eq!(newest[0], "openai/gpt-5.1");
        let free = ids(&idx, &search(&idx, "", SortKey::Name, true, &mut m));
        assert_eq!(free, ["z-ai/glm-5.2:free"]);
    }

    #[test]
    fn searching_only_the_earlier_matches_finds_the_same_rows() {
        let idx = sample();
        let mut m = matcher();
        for (short, long) in [("cl", "claude h"), ("a", "anth 4.6"), ("o", "openrouter")] {
            assert!(narrows(short, long));
            let first = search(&idx, short, SortKey::Relevance, false, &mut m);
            for sort in [SortKey::Relevance, SortKey::Price] {
                let narrowed = search_within(&idx, long, sort, false, &mut m, Some(&first));
                assert_eq!(narrowed, search(&idx, long, sort, false, &mut m), "{long}");
            }
        }
        assert!(!narrows("", "a") && !narrows("ab", "a") && !narrows("cl", "cl !h"));
        assert!(
            !narrows("cl ", "cl h"),
            "a new word may match elsewhere in the text"
        );
    }

    #[test]
    fn typos_get_the_closest_ids() {
        let idx = sample();
        assert_eq!(
            suggest(&idx, "anthropic/claude-sonet-4.6", 3)[0],
            "anthropic/claude-sonnet-4.6"
        );
        assert_eq!(
            suggest(&idx, "anthropic/claude-sonnet-46", 1),
            ["anthropic/claude-sonnet-4.6"]
        );
        assert_eq!(
            suggest(&idx, "opnai/gpt-5.1:nitro", 1),
            ["openai/gpt-5.1:nitro"]
        );
        assert_eq!(suggest(&idx, "haiku", 1), ["anthropic/claude-haiku-4.5"]);
        assert!(suggest(&idx, "qqqqqqqqqq/xxxxxxxxx", 3).is_empty());
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
