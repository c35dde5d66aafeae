//! `modelroom models [QUERY]`: the catalog as a table or JSON, from the cache when it is fresh,
//! fetched otherwise, and from a stale cache (with a warning) when the gateway cannot be reached.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::cache::{CatalogCache, age_label};
use super::search::{SortKey, matcher, search};
use super::{Index, ModelRow, context_label, per_million};
use crate::api::{Catalog, Client};
use crate::clock::unix_now;

/// Where the catalog came from, for a note on standard error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Fetched,
    Cache {
        age_secs: u64,
    },
    /// The fetch failed; an older cache stood in.
    StaleCache {
        age_secs: u64,
        error: String,
    },
}

impl Source {
    pub fn note(&self) -> String {
        match self {
            Self::Fetched => "catalog fetched just now".to_owned(),
            Self::Cache { age_secs } => {
                format!("catalog from the cache, fetched {}", age_label(*age_secs))
            }
            Self::StaleCache { age_secs, error } => format!(
                "could not refresh the catalog ({error}); showing the cached one from {}",
                age_label(*age_secs)
            ),
        }
    }
}

/// The catalog: the cache when fresh (and `refresh` is not asked), else `GET /models` (saved
/// to the cache), else a stale cache. An error only when there is neither network nor cache.
pub async fn load(
    client: &Client,
    cache: Option<&CatalogCache>,
    refresh: bool,
) -> Result<(Catalog, Source), String> {
    let now = unix_now();
    let cached = match cache.map(CatalogCache::load) {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            tracing::warn!("{e}");
            None
        }
        None => None,
    };
    if let Some(c) = cached.as_ref().filter(|c| !refresh && !c.is_stale(now)) {
        return Ok((
            c.catalog.clone(),
            Source::Cache {
                age_secs: c.age_secs(now),
            },
        ));
    }
    match client.models().await {
        Ok(catalog) => {
            if let Some(cache) = cache {
                if let Err(e) = cache.save(&catalog, now) {
                    tracing::warn!("{e}");
                }
            }
            Ok((catalog, Source::Fetched))
        }
        Err(e) => match cached {
            Some(c) => Ok((
                c.catalog.clone(),
                Source::StaleCache {
                    age_secs: c.age_secs(now),
                    error: e.to_string(),
                },
            )),
            None => Err(format!("cannot fetch the model catalog: {e}")),
        },
    }
}

/// The rows to list: matching `query`, ordered by `sort` (best match first when there is a
/// query and no sort), `:free` only when asked.
pub fn select<'a>(
    index: &'a Index,
    query: &str,
    sort: Option<SortKey>,
    free: bool,
) -> Vec<&'a ModelRow> {
    let sort = sort.unwrap_or(if query.trim().is_empty() {
        SortKey::Name
    } else {
        SortKey::Relevance
    });
    search(index, query, sort, free, &mut matcher())
        .into_iter()
        .map(|i| &index.rows[i])
        .collect()
}

pub fn json_row(r: &ModelRow) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "context_length": r.context,
        "prompt_per_million": r.prompt_per_m,
        "completion_per_million": r.completion_per_m,
        "conditional_price": r.conditional_price,
        "input_modalities": r.input_modalities,
        "free": r.free,
        "created": r.created,
        "description": r.description,
    })
}

/// Text columns: id, name, context, prompt and completion per million tokens, inputs.
pub fn write_table(out: &mut dyn Write, rows: &[&ModelRow]) -> io::Result<()> {
    let id_w = rows
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(2)
        .clamp(2, 48);
    let name_w = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 40);
    let cut = |s: &str, w: usize| -> String {
        if s.chars().count() <= w {
            s.to_owned()
        } else {
            let mut t: String = s.chars().take(w - 1).collect();
            t.push('…');
            t
        }
    };
    writeln!(
        out,
        "{:id_w$}  {:name_w$}  {:>7}  {:>9}  {:>9}  input",
        "id", "name", "context", "prompt/M", "output/M"
    )?;
    for r in rows {
        let star = if r.conditional_price { "*" } else { "" };
        writeln!(
            out,
            "{:id_w$}  {:name_w$}  {:>7}  {:>9}  {:>9}  {}",
            cut(&r.id, id_w),
            cut(&r.name, name_w),
            context_label(r.context),
            format!("{}{star}", per_million(r.prompt_per_m)),
            format!("{}{star}", per_million(r.completion_per_m)),
            r.input_modalities.join("+"),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Architecture, ModelEntry, PricingEntry};

    #[test]
    fn the_table_has_every_column_and_marks_conditional_prices() {
        let entry = ModelEntry {
            id: "a/b".into(),
            name: Some("A: B".into()),
            context_length: Some(200_000),
            architecture: Some(Architecture {
                input_modalities: Some(vec!["text".into(), "image".into()]),
                ..Architecture::default()
            }),
            pricing: Some(
                serde_json::from_value::<PricingEntry>(json!({
                    "prompt": "0.000003", "completion": "0.000015",
                    "overrides": [{"min_prompt_tokens": 200000, "prompt": "0.000006"}]
                }))
                .unwrap(),
            ),
            ..ModelEntry::default()
        };
        let index = Index::new(Catalog::new(vec![entry]));
        let mut out = Vec::new();
        write_table(&mut out, &select(&index, "", None, false)).unwrap();
        let text = String::from_utf8(out).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert!(line.starts_with("a/b"), "{text}");
        for col in ["A: B", "200K", "$3.00*", "$15.00*", "text+image"] {
            assert!(line.contains(col), "{col} missing: {line}");
        }
    }
}
