//! The last catalog fetched, on disk in the data directory with its fetch time, so the room
//! can start from it at once and work offline. One file per endpoint; written atomically with
//! mode 0600 like sessions. A damaged cache is only a reason to fetch again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::api::{Catalog, ModelEntry};

/// How old a cached catalog may be before the room fetches a new one in the background.
pub const MAX_AGE_SECS: u64 = 24 * 60 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct File {
    /// Unix seconds.
    fetched_at: u64,
    base_url: String,
    models: Vec<ModelEntry>,
}

/// A catalog read from the cache, with when it was fetched.
#[derive(Debug, Clone)]
pub struct Cached {
    pub catalog: Catalog,
    pub fetched_at: u64,
}

impl Cached {
    pub fn age_secs(&self, now: u64) -> u64 {
        now.saturating_sub(self.fetched_at)
    }

    pub fn is_stale(&self, now: u64) -> bool {
        self.age_secs(now) >= MAX_AGE_SECS
    }
}

#[derive(Debug, Clone)]
pub struct CatalogCache {
    path: PathBuf,
    base_url: String,
}

/// `openrouter.ai-api-v1` for `https://openrouter.ai/api/v1`: a file name from a URL.
fn file_key(base_url: &str) -> String {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, r)| r)
        .trim_end_matches('/');
    let key: String = rest
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    key.chars().take(100).collect()
}

impl CatalogCache {
    /// The cache for `base_url` under `data_dir`; `key` overrides the name derived from the URL
    /// (the demo gateway's port changes every run, so it is cached as `demo`).
    pub fn new(data_dir: &Path, base_url: &str, key: Option<&str>) -> Self {
        // A user or password in the URL goes neither into the file name nor into the file.
        let base_url = crate::api::display_url(base_url);
        let key = key.map_or_else(|| file_key(&base_url), str::to_owned);
        Self {
            path: data_dir.join("catalog").join(format!("{key}.json")),
            base_url,
        }
    }

    /// The cache in the default data directory (`MODELROOM_DATA` or the platform's).
    pub fn open_default(base_url: &str, key: Option<&str>) -> Option<Self> {
        crate::logging::data_dir().map(|d| Self::new(&d, base_url, key))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cached catalog; `Ok(None)` when there is none yet. A cache written for another URL
    /// under the same key (the demo's) is still used: the key says it is the same gateway.
    pub fn load(&self) -> Result<Option<Cached>, String> {
        // Only a regular file, under the store's cap: a FIFO here must not hang the start.
        let bytes = match crate::store::read::read_regular(
            &self.path,
            crate::store::read::MAX_FILE_BYTES,
        ) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let file: File = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{} is damaged ({e}); it will be replaced",
                self.path.display()
            )
        })?;
        Ok(Some(Cached {
            catalog: Catalog::new(file.models),
            fetched_at: file.fetched_at,
        }))
    }

    pub fn save(&self, catalog: &Catalog, fetched_at: u64) -> Result<(), String> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        crate::logging::create_private_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let file = File {
            fetched_at,
            base_url: self.base_url.clone(),
            models: catalog.models.clone(),
        };
        crate::store::write_atomic(&self.path, |w| {
            serde_json::to_writer(w, &file).map_err(std::io::Error::other)
        })
        .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// "3 min", "5 h", "2 days": how long ago, for "catalog from 5 h ago".
pub fn age_label(secs: u64) -> String {
    match secs {
        0..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => match secs / 86_400 {
            1 => "1 day ago".to_owned(),
            d => format!("{d} days ago"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalog_round_trips_privately_with_its_fetch_time() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CatalogCache::new(dir.path(), "https://openrouter.ai/api/v1", None);
        assert!(cache.path().ends_with("catalog/openrouter.ai-api-v1.json"));
        assert!(cache.load().unwrap().is_none());
        let catalog = Catalog::new(vec![ModelEntry {
            id: "a/b".into(),
            ..ModelEntry::default()
        }]);
        cache.save(&catalog, 1000).unwrap();
        let back = cache.load().unwrap().unwrap();
        assert_eq!((&back.catalog, back.fetched_at), (&catalog, 1000));
        assert!(back.is_stale(1000 + MAX_AGE_SECS) && !back.is_stale(1000 + MAX_AGE_SECS - 1));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cache.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_that_is_not_a_regular_file_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CatalogCache::new(dir.path(), "http://x", Some("demo"));
        std::fs::create_dir_all(cache.path().parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("/dev/zero", cache.path()).unwrap();
        let e = cache.load().unwrap_err();
        assert!(e.contains("a device"), "{e}");
    }

    #[test]
    fn a_password_in_the_base_url_is_neither_in_the_file_name_nor_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CatalogCache::new(dir.path(), "https://me:pw-0123456789@h.example/v1", None);
        assert!(cache.path().ends_with("catalog/h.example-v1.json"));
        cache.save(&Catalog::new(Vec::new()), 1).unwrap();
        let text = std::fs::read_to_string(cache.path()).unwrap();
        assert!(!text.contains("pw-0123456789") && text.contains("https://h.example/v1"));
    }

    #[test]
    fn a_damaged_cache_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CatalogCache::new(dir.path(), "http://x", Some("demo"));
        std::fs::create_dir_all(cache.path().parent().unwrap()).unwrap();
        std::fs::write(cache.path(), b"{\"fetched_at\": 1, \"mod").unwrap();
        assert!(cache.load().unwrap_err().contains("damaged"));
        assert_eq!(age_label(7200), "2 h ago");
        assert_eq!(age_label(90_000), "1 day ago");
    }
}
