//! The command line (clap derive): global connection flags, the headless `ask`, and the
//! standalone simulated gateway.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
pub enum Command {
    /// Ask one prompt to several models at once and print their answers.
    Ask(AskArgs),
    /// Run the simulated gateway on 127.0.0.1 for any OpenAI-compatible client.
    Simulate(SimulateArgs),
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
