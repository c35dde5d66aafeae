//! The command line (clap derive): global connection flags, the headless `ask`, and the
//! standalone simulated gateway.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::sessions::ExportFormat;

/// A problem with how modelroom was invoked or configured: reported, exit status 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

#[derive(Debug, Parser)]
#[command(
    name = "modelroom",
    version,
    about = "Compare large language models side by side, from the terminal",
    long_about = "Compare large language models side by side, from the terminal.\n\n\
        Works with OpenRouter (set OPENROUTER_API_KEY), any OpenAI-compatible server \
        (--base-url), or offline with a built-in simulated gateway (--demo).",
    after_help = "Examples:\n  \
        modelroom --demo                                   (the chat room, with demo models)\n  \
        modelroom -m openai/gpt-5.1 -m anthropic/claude-sonnet-4.6\n  \
        modelroom --demo ask -m demo/fast -m demo/thinker \"Explain SSE in one line\"\n  \
        modelroom ask -m openai/gpt-5.1 -m anthropic/claude-sonnet-4.6 --json \"hello\"\n  \
        echo \"long prompt\" | modelroom ask -m a/b -m c/d -\n  \
        modelroom --demo arena                             (blind rounds: vote, then see who)\n  \
        modelroom sessions list\n  \
        modelroom sessions export latest --format html -o room.html\n  \
        modelroom simulate --port 8080"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// A model for a pane of the room (repeat for several; default: `default_models`).
    #[arg(short, long = "model", value_name = "MODEL")]
    pub models: Vec<String>,

    /// Reopen a saved session: the latest, or the one with this id (`modelroom sessions list`).
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "", conflicts_with = "models")]
    pub resume: Option<String>,

    /// The room's theme: dark, light, high-contrast, or one of yours in <config dir>/themes/
    /// (default: `theme` from the config, else dark). A key cycles themes live.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Use the built-in simulated gateway (demo/... models, no key, no network).
    #[arg(long, global = true)]
    pub demo: bool,

    /// OpenAI-compatible base URL (default from config: https://openrouter.ai/api/v1).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,

    /// Config file (default: $MODELROOM_CONFIG or the platform config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // Parsed once per run.
pub enum Command {
    /// Ask one prompt to several models at once and print their answers.
    ///
    /// Piped, each answer prints in the order the models were named. On a terminal (stdout
    /// and stderr both), a live line per model shows its state, tokens and time, and each
    /// answer prints the moment it finishes, fastest first. `--json` always keeps the named
    /// order.
    Ask(AskArgs),
    /// List the model catalog: id, name, context, prices per million tokens, inputs.
    Models(ModelsArgs),
    /// Run the simulated gateway on 127.0.0.1 for any OpenAI-compatible client.
    Simulate(SimulateArgs),
    /// Saved sessions: list, show, export, rerun against other models, remove.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Your leaderboard from your arena votes (or from a file of battles): Bradley–Terry
    /// ratings on the Elo scale with bootstrap 95% intervals.
    Leaderboard(LeaderboardArgs),
    /// Your arena votes.
    #[command(subcommand)]
    Votes(VotesCommand),
    /// Blind comparisons: the room with answers named A, B… until you vote (models from -m,
    /// else two at a time from `[arena] pool` in config.toml).
    Arena(ArenaArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ArenaArgs {
    /// A model to compare (repeat: two or more; default: two at a time from `[arena] pool`).
    #[arg(short, long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
}

#[derive(Debug, Args, Clone)]
pub struct LeaderboardArgs {
    /// Only votes on prompts with this tag (`code` or `#code`).
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// One JSON object per model per line, best first.
    #[arg(long)]
    pub json: bool,
    /// Count votes that were not blind too (by default only blind votes count).
    #[arg(long)]
    pub all_votes: bool,
    /// Control for answer length and markdown (headers, list items, bold), and report them.
    #[arg(long)]
    pub style_control: bool,
    /// Leave out models with fewer battles than this.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub min_votes: u32,
    /// Rate a file of battles in LMArena's format (JSON lines or a JSON array) instead of
    /// your votes.
    #[arg(long, value_name = "FILE")]
    pub battles: Option<PathBuf>,
    /// Bootstrap resamples for the intervals (0: none).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub resamples: usize,
    /// Seed of the bootstrap, so a rerun prints the same board.
    #[arg(long, value_name = "S", default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum VotesCommand {
    /// Write your votes as battles in LMArena's format (JSON lines): one line per pair of
    /// answers a vote compared.
    Export {
        /// Write to this file (created with mode 0600) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// A session is named by its id, by a unique start of its id, or by `latest`.
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Every saved session, newest first: id, title, updated, models, prompts, spend.
    #[command(alias = "ls")]
    List {
        /// One JSON object per session per line (damaged files too, with their reason).
        #[arg(long)]
        json: bool,
    },
    /// Print a session's transcript: each prompt with every model's answer and figures.
    Show {
        /// Session id, a unique start of one, or `latest`.
        id: String,
        /// Also print each answer's reasoning ("thinking") text.
        #[arg(long)]
        reasoning: bool,
    },
    /// Write a session as Markdown, JSON (the full session) or HTML (answers in columns); name
    /// several to put them side by side (a rerun beside its original), prompt by prompt.
    Export {
        /// Session ids, unique starts of ids, or `latest`: one or more.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        #[arg(long, short, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
        /// Write to this file (created with mode 0600) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Search every saved session's prompts and answers: each word must occur (any case) in
    /// the same prompt or answer; prints the session, the turn and an excerpt.
    Search {
        /// The words to find.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// One JSON object per hit per line.
        #[arg(long)]
        json: bool,
    },
    /// Ask a saved session's prompts again, in order, of other models (headless, like `ask`);
    /// each model gets its own earlier answers as history. Saved as a new session.
    Rerun(RerunArgs),
    /// Delete a session (damaged files too).
    #[command(alias = "delete")]
    Rm {
        /// Session id (the full id: deleting takes no guesses).
        id: String,
    },
}

#[derive(Debug, Args, Clone)]
pub struct RerunArgs {
    /// Session id, a unique start of one, or `latest`.
    pub id: String,

    /// A model to ask (repeat for several; default: the session's own models).
    #[arg(short, long = "model", value_name = "MODEL")]
    pub models: Vec<String>,

    /// Maximum tokens per answer (default: the session's).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,

    /// Sampling temperature, 0-2 (default: the session's).
    #[arg(long, value_parser = parse_temperature)]
    pub temperature: Option<f32>,

    /// One JSON object per answer per line (with its `prompt` number), then a summary object.
    #[arg(long)]
    pub json: bool,

    /// Also print each model's reasoning ("thinking") text.
    #[arg(long)]
    pub show_reasoning: bool,

    /// Do not save the rerun as a new session.
    #[arg(long)]
    pub no_save: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ModelsArgs {
    /// Fuzzy search over id and name, e.g. `sonnet` or `gpt 5`.
    #[arg(value_name = "QUERY")]
    pub query: Option<String>,

    /// A JSON array of models instead of the table.
    #[arg(long)]
    pub json: bool,

    /// Order: price (cheapest first), context (longest first), newest, name.
    #[arg(long, value_name = "KEY", value_parser = parse_sort)]
    pub sort: Option<crate::catalog::SortKey>,

    /// Only free models.
    #[arg(long)]
    pub free: bool,

    /// Fetch the catalog now even if the cached one is less than a day old.
    #[arg(long)]
    pub refresh: bool,

    /// List this model's providers instead: tag, quantization, context, prices, uptime,
    /// latency and throughput.
    #[arg(long, value_name = "MODEL", conflicts_with_all = ["query", "sort", "free"])]
    pub endpoints: Option<String>,
}

fn parse_sort(s: &str) -> Result<crate::catalog::SortKey, String> {
    match s.parse()? {
        crate::catalog::SortKey::Relevance => Err("sort by price, context, newest or name".into()),
        key => Ok(key),
    }
}

/// OpenRouter routing for every model of an `ask` run (ignored by other servers).
#[derive(Debug, Args, Clone, Default)]
pub struct RoutingArgs {
    /// Try providers sorted by price, throughput or latency.
    #[arg(long, value_name = "BY", value_parser = clap::value_parser!(String))]
    pub sort: Option<String>,

    /// Model variant: floor, nitro, exacto or free (the `:suffix` of the model id).
    #[arg(long, value_name = "VARIANT")]
    pub variant: Option<String>,

    /// A model to fall back to if the first fails (repeat for several, tried in order).
    #[arg(long = "fallback", value_name = "MODEL")]
    pub fallbacks: Vec<String>,

    /// Providers to try first, in order (comma-separated slugs, e.g. anthropic,openai).
    #[arg(long, value_name = "A,B")]
    pub provider_order: Vec<String>,

    /// Only these providers (comma-separated slugs).
    #[arg(long, value_name = "A,B")]
    pub provider_only: Vec<String>,

    /// Never these providers (comma-separated slugs).
    #[arg(long, value_name = "A,B")]
    pub provider_ignore: Vec<String>,

    /// Use only the first (or the --provider-order) providers, no others.
    #[arg(long)]
    pub no_fallbacks: bool,

    /// Most a provider may charge, USD per million tokens: `2`, or `1/4` for prompt/completion.
    #[arg(long, value_name = "USD")]
    pub max_price: Option<String>,

    /// Only providers that neither store nor train on prompts (data_collection: deny).
    #[arg(long)]
    pub deny_data_collection: bool,

    /// Only endpoints serving these quantizations (comma-separated: fp8,bf16,…).
    #[arg(long, value_name = "Q,…")]
    pub quantizations: Vec<String>,

    /// Only zero-data-retention endpoints.
    #[arg(long)]
    pub zdr: bool,

    /// Only providers that take every parameter sent (temperature, seed, reasoning…).
    #[arg(long)]
    pub require_parameters: bool,

    /// Prefer providers at least this fast (tokens per second at p50).
    #[arg(long, value_name = "TPS")]
    pub min_throughput: Option<String>,

    /// Prefer providers answering within this many seconds (p50).
    #[arg(long, value_name = "SECS")]
    pub max_latency: Option<String>,
}

impl RoutingArgs {
    /// The routing these flags ask for; an error names the bad value.
    pub fn routing(&self) -> Result<crate::api::Routing, String> {
        use crate::routing::parse_list;
        let lists = |v: &[String]| v.iter().flat_map(|s| parse_list(s)).collect::<Vec<_>>();
        Ok(crate::api::Routing {
            sort: self
                .sort
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e| format!("--sort {e}"))?,
            variant: self
                .variant
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e| format!("--variant {e}"))?,
            max_price: self
                .max_price
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e| format!("--max-price {e}"))?,
            fallbacks: self.fallbacks.clone(),
            order: lists(&self.provider_order),
            only: lists(&self.provider_only),
            ignore: lists(&self.provider_ignore),
            allow_fallbacks: !self.no_fallbacks,
            ..crate::api::Routing::default()
        })
        .and_then(|mut r| {
            use crate::pane_settings::spec::set_routing;
            let qs = lists(&self.quantizations);
            if !qs.is_empty() {
                set_routing(&mut r, "quantizations", &qs.join("|"))
                    .map_err(|e| format!("--{e}"))?;
            }
            r.zdr = self.zdr;
            r.require_parameters = self.require_parameters;
            if let Some(t) = &self.min_throughput {
                set_routing(&mut r, "min_throughput", t).map_err(|e| format!("--{e}"))?;
            }
            if let Some(l) = &self.max_latency {
                set_routing(&mut r, "max_latency", l).map_err(|e| format!("--{e}"))?;
            }
            Ok(r)
        })
    }
}

#[derive(Debug, Args, Clone)]
pub struct AskArgs {
    /// A model to ask (repeat for several): e.g. -m openai/gpt-5.1 -m anthropic/claude-sonnet-4.6.
    #[arg(short, long = "model", value_name = "MODEL")]
    pub models: Vec<String>,

    /// The prompt; `-` reads it from standard input.
    #[arg(value_name = "PROMPT")]
    pub prompt: String,

    /// A system message sent before the prompt to every model.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Sampling temperature (0-2) for every model.
    #[arg(long, value_parser = parse_temperature)]
    pub temperature: Option<f32>,

    /// Maximum tokens per answer (default from config).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,

    /// One JSON object per model per line, then a summary object.
    #[arg(long)]
    pub json: bool,

    /// Also print each model's reasoning ("thinking") text.
    #[arg(long)]
    pub show_reasoning: bool,

    /// One pane per provider of each model, pinned to it: `all`, or routing tags
    /// (comma-separated; `modelroom models --endpoints MODEL` lists them).
    #[arg(long, value_name = "all|TAG,…")]
    pub providers: Option<String>,

    /// Ask each pane this many times, in parallel, and show how far apart the samples are.
    #[arg(short = 'n', long, value_name = "K", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=50))]
    pub samples: u32,

    /// Attach a file to the prompt (repeat for several): a PNG, JPEG, WebP or GIF image, a
    /// PDF, or WAV or MP3 audio, typed by its content.
    #[arg(long = "attach", value_name = "FILE")]
    pub attach: Vec<std::path::PathBuf>,

    /// How OpenRouter reads attached PDFs: native (input tokens), text (free) or ocr ($2 per
    /// 1,000 pages).
    #[arg(long, value_name = "ENGINE", value_parser = crate::attach::PdfEngine::parse)]
    pub pdf_engine: Option<crate::attach::PdfEngine>,

    /// Let every model search the web (OpenRouter's `openrouter:web_search` tool, as a pane's
    /// `web=true`): answers cite their sources, and each search is billed apart.
    #[arg(long)]
    pub web: bool,

    #[command(flatten)]
    pub routing: RoutingArgs,
}

#[derive(Debug, Args, Clone)]
pub struct SimulateArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,

    /// Accept only this API key (default: any non-empty key).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,

    /// Starting credit balance in USD.
    #[arg(long, default_value_t = 5.0, value_name = "USD")]
    pub balance: f64,

    /// Multiply every simulated delay (0 = as fast as possible).
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
    pub time_scale: f64,
}

fn parse_temperature(s: &str) -> Result<f32, String> {
    let t: f32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=2.0).contains(&t) {
        Ok(t)
    } else {
        Err("must be between 0 and 2".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_before_and_after_the_subcommand() {
        let a = Cli::try_parse_from(["modelroom", "--demo", "ask", "-m", "x", "hi"]).unwrap();
        let b = Cli::try_parse_from(["modelroom", "ask", "--demo", "-m", "x", "hi"]).unwrap();
        assert!(a.global.demo && b.global.demo);
    }

    #[test]
    fn routing_flags_become_one_routing() {
        let cli = Cli::try_parse_from([
            "modelroom",
            "ask",
            "-m",
            "a/b",
            "--sort",
            "price",
            "--fallback",
            "c/d",
            "--fallback",
            "e/f",
            "--provider-order",
            "x,y",
            "--provider-only",
            "x",
            "--provider-only",
            "y",
            "--provider-ignore",
            "z",
            "--no-fallbacks",
            "--max-price",
            "1/4",
            "--variant",
            "nitro",
            "hi",
        ])
        .unwrap();
        let Some(Command::Ask(args)) = cli.command else {
            panic!()
        };
        let r = args.routing.routing().unwrap();
        assert_eq!(r.fallbacks, ["c/d", "e/f"]);
        assert_eq!((r.order.len(), r.only.len(), r.ignore.len()), (2, 2, 1));
        assert!(!r.allow_fallbacks && r.max_price.is_some() && r.variant.is_some());
        let bad = RoutingArgs {
            sort: Some("cheap".into()),
            ..RoutingArgs::default()
        };
        assert!(bad.routing().unwrap_err().starts_with("--sort"));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["modelroom", "ask", "--temperature", "3", "hi"][..],
            &["modelroom", "ask", "--max-tokens", "0", "hi"][..],
            &["modelroom", "ask"][..],
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }
}
