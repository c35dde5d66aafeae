//! `config.toml` in the platform config directory (`MODELROOM_CONFIG` overrides the path).
//! Typed, with defaults and `deny_unknown_fields`, so a typo is an error naming its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::api::{ApiKey, Dialect};

pub const OPENROUTER_BASE_URL: &str = "https://openrouter.ai/api/v1";
/// Upper bounds of settings whose larger values mean nothing but trouble.
pub const MAX_ASK_DEADLINE_SECS: u64 = 24 * 60 * 60;
pub const MAX_SSE_LINE_MIB: u64 = 1024;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Environment variable that holds the API key.
    pub api_key_env: String,
    /// The key itself. Discouraged: prefer the environment variable.
    pub api_key: Option<String>,
    pub base_url: String,
    /// `openrouter` or `openai`; guessed from `base_url` when absent.
    pub dialect: Option<Dialect>,
    /// Models asked when none are given on the command line.
    pub default_models: Vec<String>,
    /// Output cap sent with every request. Without one OpenRouter reserves the model's whole
    /// output budget, and a small balance gets 402 for a tiny answer.
    pub max_tokens: u32,
    /// Seconds to connect and receive response headers.
    pub request_timeout_secs: u64,
    /// Seconds without a single byte (keep-alives count) before a stream is given up.
    pub stall_timeout_secs: u64,
    /// Seconds `ask` waits for a whole answer, however alive the server keeps the stream.
    pub ask_deadline_secs: u64,
    /// The largest file that may be attached to a prompt, in MiB.
    pub attach_max_file_mib: u64,
    /// The most all of a prompt's attachments may weigh together, in MiB.
    pub attach_max_prompt_mib: u64,
    /// How OpenRouter reads PDFs in the room (`native`, `text` or `ocr`); a pane's `pdf=`
    /// wins over it. `None` leaves it to the gateway.
    pub pdf_engine: Option<crate::attach::PdfEngine>,
    /// The longest line of an event stream accepted, in MiB.
    pub max_sse_line_mib: u64,
    /// Requests in flight at once to each endpoint; the rest wait their turn ("queued").
    pub max_concurrent_requests: u64,
    /// A system message sent first to every model.
    pub system_prompt: Option<String>,
    /// Key bindings: `"alt-n" = "add_pane"`, or `"none"` to unbind; a mode's in its own
    /// table (`[keys.picker]`, …), checked by `Keymap::from_config`.
    pub keys: toml::Table,
    /// `"deny"`: only providers that neither store nor train on prompts (account-wide,
    /// sent as `provider.data_collection` to OpenRouter).
    pub data_collection: Option<DataCollection>,
    /// Most a room's session may spend, in USD; a send that could exceed it is refused.
    pub session_budget_usd: Option<f64>,
    /// Most all rooms and `ask` runs may spend in one UTC day, in USD.
    pub daily_budget_usd: Option<f64>,
    /// Shortest time between two sends (or regenerations) in the room, so a key held down
    /// cannot fire off requests; 0 turns the guard off.
    pub min_send_interval_ms: u64,
    /// Other OpenAI-compatible servers, used as `@name/model`.
    pub endpoints: BTreeMap<String, EndpointConfig>,
    /// The theme the room starts in (built in, or `<config dir>/themes/NAME.toml`).
    pub theme: Option<String>,
    /// `auto` (from COLORTERM/TERM), `truecolor`, `256`, `16` or `none`.
    pub color_depth: Option<String>,
    /// `[arena]`: blind comparisons.
    pub arena: ArenaConfig,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DataCollection {
    Allow,
    Deny,
}

/// `[endpoints.NAME]`: another server a pane can use (`@NAME/model`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    pub base_url: String,
    /// The environment variable holding its key, if it wants one.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// `openai` or `openrouter`; guessed from `base_url` when absent.
    #[serde(default)]
    pub dialect: Option<Dialect>,
}

impl EndpointConfig {
    pub fn api_key(&self) -> Option<ApiKey> {
        self.api_key_env
            .as_deref()
            .and_then(|v| std::env::var(v).ok())
            .filter(|k| !k.trim().is_empty())
            .map(|k| ApiKey::new(k.trim()))
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            api_key_env: "OPENROUTER_API_KEY".into(),
            api_key: None,
            base_url: OPENROUTER_BASE_URL.into(),
            dialect: None,
            default_models: Vec::new(),
            max_tokens: 2048,
            request_timeout_secs: 60,
            stall_timeout_secs: 60,
            ask_deadline_secs: 600,
            attach_max_file_mib: 20,
            attach_max_prompt_mib: 40,
            pdf_engine: None,
            max_sse_line_mib: 8,
            max_concurrent_requests: 8,
            system_prompt: None,
            keys: toml::Table::new(),
            data_collection: None,
            session_budget_usd: None,
            daily_budget_usd: None,
            min_send_interval_ms: 1000,
            endpoints: BTreeMap::new(),
            theme: None,
            color_depth: None,
            arena: ArenaConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// The config file's path: `MODELROOM_CONFIG`, else `<config dir>/modelroom/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MODELROOM_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "modelroom").map(|d| d.config_dir().join("config.toml"))
}

/// Loads the config. A missing file is the defaults unless it was named explicitly.
pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
    let (path, required) = match explicit {
        Some(p) => (Some(p.to_path_buf()), true),
        None => (
            default_path(),
            std::env::var_os("MODELROOM_CONFIG").is_some(),
        ),
    };
    let Some(path) = path else {
        return Ok((Config::default(), None));
    };
    // A FIFO or a device named config.toml must not hang the start or fill the memory.
    match crate::store::read::read_settings(&path) {
        Ok(text) => parse(&text, &path).map(|c| (c, Some(path))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            Ok((Config::default(), Some(path)))
        }
        Err(source) => Err(ConfigError::Io { path, source }),
    }
}

pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let mut config: Config = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map_or((1, 1), |span| line_column(text, span.start));
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_owned(),
        }
    })?;
    let invalid = |message: &str| ConfigError::Invalid {
        path: path.to_path_buf(),
        message: message.to_owned(),
    };
    check_bounds(&config, text, path)?;
    if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
        return Err(invalid("base_url must start with http:// or https://"));
    }
    crate::keymap::Keymap::from_config(&config.keys).map_err(|e| invalid(&e))?;
    for (name, ep) in &config.endpoints {
        if !crate::api::clients::valid_endpoint_name(name) {
            return Err(invalid(&format!(
                "[endpoints.{name}]: a name has only letters, digits, - and _ (it is written @{name}/model)"
            )));
        }
        if !(ep.base_url.starts_with("http://") || ep.base_url.starts_with("https://")) {
            return Err(invalid(&format!(
                "[endpoints.{name}] base_url must start with http:// or https://"
            )));
        }
    }
    config.color_depth_override().map_err(|e| invalid(&e))?;
    config.arena.check().map_err(|e| invalid(&e))?;
    // `system_prompt = "@prompts/terse.md"`: the file's text, read beside the config.
    if let Some(system) = config.system_prompt.as_deref() {
        let dir = path.parent().unwrap_or(Path::new("."));
        let (text, _) = crate::pane_settings::system_prompt(system, dir)
            .map_err(|e| invalid(&format!("system_prompt: {e}")))?;
        config.system_prompt = Some(text);
    }
    Ok(config)
}

// ---- [arena] (issue 9) ----

/// `[arena]`: where blind rounds take their models from when `-m` gives none.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ArenaConfig {
    /// Models to compare two at a time, each pair drawn as evenly as possible over time.
    pub pool: Vec<String>,
}

impl ArenaConfig {
    fn check(&self) -> Result<(), String> {
        let mut distinct: Vec<&str> = self.pool.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if self.pool.iter().any(|m| m.trim().is_empty()) {
            return Err("[arena] pool has an empty model id".into());
        }
        if !self.pool.is_empty() && distinct.len() < 2 {
            return Err("[arena] pool needs at least two different models".into());
        }
        Ok(())
    }
}

/// The allowed range of every number in the config: whatever a file says, nothing downstream
/// has to cope with a timeout of 584 billion years (a `Duration` that overflows an `Instant`).
const INTEGER_BOUNDS: &[(&str, u64, u64, &str)] = &[
    ("max_tokens", 1, 1_000_000, "tokens"),
    ("request_timeout_secs", 1, 3600, "seconds"),
    ("stall_timeout_secs", 1, 3600, "seconds"),
    ("min_send_interval_ms", 0, 3_600_000, "milliseconds"),
    ("ask_deadline_secs", 1, MAX_ASK_DEADLINE_SECS, "seconds"),
    ("max_sse_line_mib", 1, MAX_SSE_LINE_MIB, "MiB"),
    ("attach_max_file_mib", 1, 1024, "MiB"),
    ("attach_max_prompt_mib", 1, 1024, "MiB"),
    ("max_concurrent_requests", 1, 256, "requests"),
];

/// Budgets: more than $0, at most $1,000,000.
const MAX_BUDGET_USD: f64 = 1_000_000.0;

fn integer(config: &Config, key: &str) -> u64 {
    match key {
        "max_tokens" => u64::from(config.max_tokens),
        "request_timeout_secs" => config.request_timeout_secs,
        "stall_timeout_secs" => config.stall_timeout_secs,
        "min_send_interval_ms" => config.min_send_interval_ms,
        "ask_deadline_secs" => config.ask_deadline_secs,
        "max_sse_line_mib" => config.max_sse_line_mib,
        "attach_max_file_mib" => config.attach_max_file_mib,
        "attach_max_prompt_mib" => config.attach_max_prompt_mib,
        "max_concurrent_requests" => config.max_concurrent_requests,
        _ => 0,
    }
}

/// Refuses a number out of its range, naming the key, its line and the range.
fn check_bounds(config: &Config, text: &str, path: &Path) -> Result<(), ConfigError> {
    let out_of_range = |key: &str, value: String, range: String| {
        let at = key_line(text, key).map_or_else(String::new, |l| format!("line {l}: "));
        ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("{at}{key} = {value} is out of range: it must be {range}"),
        }
    };
    for &(key, min, max, unit) in INTEGER_BOUNDS {
        let v = integer(config, key);
        if !(min..=max).contains(&v) {
            return Err(out_of_range(
                key,
                v.to_string(),
                format!("between {min} and {max} ({unit})"),
            ));
        }
    }
    for (key, budget) in [
        ("session_budget_usd", config.session_budget_usd),
        ("daily_budget_usd", config.daily_budget_usd),
    ] {
        if let Some(b) = budget.filter(|b| !(b.is_finite() && *b > 0.0 && *b <= MAX_BUDGET_USD)) {
            return Err(out_of_range(
                key,
                b.to_string(),
                format!("a positive amount of USD, at most {MAX_BUDGET_USD}"),
            ));
        }
    }
    Ok(())
}

/// The line where `key` is set at the top level, if it is.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Config {
    /// `color_depth` as set (`None` for `auto` or unset).
    pub fn color_depth_override(&self) -> Result<Option<crate::theme::ColorDepth>, String> {
        match &self.color_depth {
            Some(s) => crate::theme::ColorDepth::parse_setting(s),
            None => Ok(None),
        }
    }

    /// The key from the environment variable, else from the file.
    pub fn api_key(&self) -> Option<ApiKey> {
        std::env::var(&self.api_key_env)
            .ok()
            .filter(|k| !k.trim().is_empty())
            .or_else(|| self.api_key.clone().filter(|k| !k.trim().is_empty()))
            .map(|k| ApiKey::new(k.trim()))
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn stall_timeout(&self) -> Duration {
        Duration::from_secs(self.stall_timeout_secs)
    }

    /// The attachment caps in bytes, held to their bounds.
    pub fn attach_caps(&self) -> crate::attach::Caps {
        crate::attach::Caps {
            per_file: self.attach_max_file_mib.clamp(1, 1024) * crate::attach::MIB,
            per_prompt: self.attach_max_prompt_mib.clamp(1, 1024) * crate::attach::MIB,
        }
    }

    /// `ask_deadline_secs`, held to its bounds even when the config was not parsed.
    pub fn ask_deadline(&self) -> Duration {
        Duration::from_secs(self.ask_deadline_secs.clamp(1, MAX_ASK_DEADLINE_SECS))
    }

    /// `max_sse_line_mib` in bytes, held to its bounds.
    pub fn max_sse_line(&self) -> usize {
        let mib = self.max_sse_line_mib.clamp(1, MAX_SSE_LINE_MIB);
        usize::try_from(mib * 1024 * 1024).unwrap_or(usize::MAX)
    }

    pub fn deny_data_collection(&self) -> bool {
        self.data_collection == Some(DataCollection::Deny)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> PathBuf {
        PathBuf::from("config.toml")
    }

    #[test]
    fn the_arena_pool_is_read_and_checked() {
        let c = parse("[arena]\npool = [\"a/x\", \"b/y\"]\n", &p()).unwrap();
        assert_eq!(c.arena.pool, ["a/x", "b/y"]);
        assert!(parse("", &p()).unwrap().arena.pool.is_empty());
        for bad in [
            "[arena]\npool = [\"a/x\", \"a/x\"]",
            "[arena]\npool = [\"\"]",
            "[arena]\npol = []",
        ] {
            assert!(parse(bad, &p()).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_pdf_engine_is_read_by_any_of_its_names_and_a_wrong_one_is_located() {
        let c = parse("pdf_engine = \"mistral-ocr\"\n", &p()).unwrap();
        assert_eq!(c.pdf_engine, Some(crate::attach::PdfEngine::Ocr));
        assert_eq!(parse("", &p()).unwrap().pdf_engine, None);
        let err = parse("max_tokens = 10\npdf_engine = \"magic\"\n", &p()).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("config.toml:2:"), "{text}");
        assert!(text.contains("native"), "{text}");
    }

    #[test]
    fn empty_file_is_the_defaults() {
        assert_eq!(parse("", &p()).unwrap(), Config::default());
    }

    #[test]
    fn fields_override_defaults() {
        let c = parse(
            "base_url = \"http://127.0.0.1:11434/v1\"\ndefault_models = [\"qwen3\"]\nmax_tokens = 300\ndialect = \"openai\"\n",
            &p(),
        )
        .unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:11434/v1");
        assert_eq!(c.default_models, vec!["qwen3"]);
        assert_eq!(c.max_tokens, 300);
        assert_eq!(c.dialect, Some(Dialect::OpenAi));
        assert_eq!(c.api_key_env, "OPENROUTER_API_KEY");
    }

    #[test]
    fn a_typo_names_line_and_column() {
        let err = parse("max_tokens = 10\n  max_tokes = 5\n", &p()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("config.toml:2:3: unknown field `max_tokes`"),
            "{text}"
        );
    }

    #[test]
    fn a_wrong_type_and_broken_syntax_are_located() {
        let err = parse("max_tokens = \"lots\"\n", &p()).unwrap_err();
        assert!(err.to_string().starts_with("config.toml:1:14:"), "{err}");
        let err = parse("default_models = [\"a\"\n", &p()).unwrap_err();
        assert!(
            matches!(err, ConfigError::Parse { line: 1 | 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn nonsense_values_are_refused() {
        assert!(parse("max_tokens = 0", &p()).is_err());
        assert!(parse("base_url = \"ftp://x\"", &p()).is_err());
    }

    #[test]
    fn key_bindings_are_checked_when_loading() {
        let c = parse("[keys]\n\"ctrl-n\" = \"add_pane\"\n", &p()).unwrap();
        assert_eq!(c.keys["ctrl-n"].as_str(), Some("add_pane"));
        let err = parse("[keys]\n\"ctrl-n\" = \"fly\"\n", &p()).unwrap_err();
        assert!(err.to_string().contains("unknown command `fly`"), "{err}");
        let c = parse("[keys.picker]\n\"ctrl-s\" = \"sort_next\"\n", &p()).unwrap();
        assert_eq!(c.keys["picker"]["ctrl-s"].as_str(), Some("sort_next"));
        // The file, the table and the key, so the mistake is found at once.
        let err = parse("[keys.picker]\n\"ctrl-s\" = \"sort\"\n", &p()).unwrap_err();
        let err = err.to_string();
        assert!(
            err.starts_with("config.toml: [keys.picker] \"ctrl-s\": unknown action `sort`"),
            "{err}"
        );
    }

    #[test]
    fn endpoints_budgets_and_the_data_policy() {
        let c = parse(
            "data_collection = \"deny\"\nsession_budget_usd = 0.5\ndaily_budget_usd = 2\n\
             [endpoints.local]\nbase_url = \"http://127.0.0.1:11434/v1\"\ndialect = \"openai\"\n",
            &p(),
        )
        .unwrap();
        assert!(c.deny_data_collection());
        assert_eq!(
            (c.session_budget_usd, c.daily_budget_usd),
            (Some(0.5), Some(2.0))
        );
        let local = &c.endpoints["local"];
        assert_eq!(local.base_url, "http://127.0.0.1:11434/v1");
        assert_eq!(
            (local.dialect, local.api_key()),
            (Some(Dialect::OpenAi), None)
        );
        for bad in [
            "session_budget_usd = -1",
            "daily_budget_usd = 0",
            "[endpoints.\"a/b\"]\nbase_url = \"http://x\"",
            "[endpoints.x]\nbase_url = \"ftp://x\"",
            "[endpoints.x]\nurl = \"http://x\"",
            "data_collection = \"maybe\"",
        ] {
            assert!(parse(bad, &p()).is_err(), "{bad}");
        }
    }

    #[test]
    fn theme_and_colour_depth_are_read_and_checked() {
        let c = parse("theme = \"light\"\ncolor_depth = \"256\"\n", &p()).unwrap();
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(
            c.color_depth_override(),
            Ok(Some(crate::theme::ColorDepth::Ansi256))
        );
        let err = parse("color_depth = \"lots\"\n", &p()).unwrap_err();
        assert!(err.to_string().contains("color_depth `lots`"), "{err}");
    }

    #[test]
    fn every_number_is_bounded_and_the_error_names_key_line_and_range() {
        let err = parse(
            "max_tokens = 10\nstall_timeout_secs = 18446744073709551615\n",
            &p(),
        );
        let text = match err {
            Err(e) => e.to_string(),
            Ok(c) => panic!("accepted {c:?}"),
        };
        assert!(
            text.contains("line 2: stall_timeout_secs = 18446744073709551615 is out of range")
                && text.contains("between 1 and 3600 (seconds)"),
            "{text}"
        );
        for (bad, key) in [
            ("max_tokens = 0", "max_tokens"),
            ("max_tokens = 4294967295", "max_tokens"),
            ("request_timeout_secs = 0", "request_timeout_secs"),
            ("request_timeout_secs = 100000", "request_timeout_secs"),
            ("min_send_interval_ms = 9999999999", "min_send_interval_ms"),
            ("daily_budget_usd = 1e300", "daily_budget_usd"),
            ("session_budget_usd = nan", "session_budget_usd"),
            ("session_budget_usd = inf", "session_budget_usd"),
        ] {
            let e = parse(bad, &p()).unwrap_err().to_string();
            assert!(
                e.contains(&format!("{key} = ")) && e.contains("out of range"),
                "{bad}: {e}"
            );
        }
        let edge = parse(
            "max_tokens = 1000000\nstall_timeout_secs = 3600\nmin_send_interval_ms = 0\n",
            &p(),
        )
        .unwrap();
        assert_eq!(edge.stall_timeout(), Duration::from_secs(3600));
    }

    #[cfg(unix)]
    #[test]
    fn a_config_that_is_not_a_regular_file_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("config.toml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = load(Some(&fifo)).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let e = load(Some(Path::new("/dev/zero"))).unwrap_err().to_string();
        assert!(e.contains("a device"), "{e}");
    }

    #[test]
    fn explicit_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        assert!(matches!(load(Some(&missing)), Err(ConfigError::Io { .. })));
    }
}
