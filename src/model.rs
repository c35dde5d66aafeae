//! `ModelRef`: a model as a person writes it, parsed once where it enters (the command line,
//! the config, the picker, a session file), so no other room splits `@endpoint/model` again.
//! A model written `@name/model` is served by the configured endpoint `name`; any other is
//! served by the default one (OpenRouter ids are `author/slug`, aliases start with `~`, so no
//! OpenRouter id can be read as naming an endpoint).

use std::fmt;

/// Prefix of a model on a named endpoint: `@local/qwen3`.
pub const ENDPOINT_SIGIL: char = '@';

/// A model and the endpoint that serves it. Kept as written (that is how it is shown and
/// saved), with where the endpoint's name ends, so neither part is ever split out again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelRef {
    written: String,
    /// Where the bare id starts in `written`: 0 on the default endpoint, else after `@name/`.
    id_at: usize,
}

/// Why a model as written cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelRefError {
    #[error("an empty model id")]
    Empty,
    #[error("`{0}` names an endpoint but no model: write it as @endpoint/model")]
    NoModel(String),
    #[error("`{0}` names no endpoint: write it as @endpoint/model")]
    NoEndpoint(String),
}

impl ModelRef {
    /// Reads a model as written: `@vllm/meta-llama/Llama-3.3-70B` is the endpoint `vllm` with
    /// the id `meta-llama/Llama-3.3-70B` (an id may itself contain slashes); anything not
    /// starting with `@` is an id on the default endpoint. Surrounding blanks are dropped.
    pub fn parse(text: &str) -> Result<Self, ModelRefError> {
        let written = text.trim();
        if written.is_empty() {
            return Err(ModelRefError::Empty);
        }
        let Some(rest) = written.strip_prefix(ENDPOINT_SIGIL) else {
            return Ok(Self {
                written: written.to_owned(),
                id_at: 0,
            });
        };
        match rest.split_once('/') {
            Some(("", _)) => Err(ModelRefError::NoEndpoint(written.to_owned())),
            Some((name, id)) if !id.is_empty() => Ok(Self {
                written: written.to_owned(),
                id_at: ENDPOINT_SIGIL.len_utf8() + name.len() + 1,
            }),
            _ => Err(ModelRefError::NoModel(written.to_owned())),
        }
    }

    /// The named endpoint that serves this model; `None` is the default one.
    pub fn endpoint(&self) -> Option<&str> {
        (self.id_at > 0).then(|| &self.written[ENDPOINT_SIGIL.len_utf8()..self.id_at - 1])
    }

    /// Whether the default endpoint (OpenRouter, or the `base_url` server) serves it.
    pub fn on_default(&self) -> bool {
        self.id_at == 0
    }

    /// The id the serving endpoint knows the model by (without `@name/`).
    pub fn id(&self) -> &str {
        &self.written[self.id_at..]
    }

    /// The model as written, as it is shown and saved.
    pub fn as_str(&self) -> &str {
        &self.written
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

impl std::str::FromStr for ModelRef {
    type Err = ModelRefError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl PartialEq<str> for ModelRef {
    fn eq(&self, other: &str) -> bool {
        self.written == other
    }
}

impl PartialEq<String> for ModelRef {
    fn eq(&self, other: &String) -> bool {
        self.written == *other
    }
}

impl PartialEq<&str> for ModelRef {
    fn eq(&self, other: &&str) -> bool {
        self.written == *other
    }
}

/// Every model of `written`, or the first that cannot be read.
pub fn parse_all<S: AsRef<str>>(written: &[S]) -> Result<Vec<ModelRef>, ModelRefError> {
    written
        .iter()
        .map(|m| ModelRef::parse(m.as_ref()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> (Option<String>, String) {
        let m = ModelRef::parse(text).unwrap();
        (m.endpoint().map(str::to_owned), m.id().to_owned())
    }

    #[test]
    fn the_sigil_names_an_endpoint_and_openrouter_ids_never_do() {
        assert_eq!(
            parts("@local/qwen3"),
            (Some("local".into()), "qwen3".into())
        );
        assert_eq!(
            parts("@vllm/meta-llama/Llama-3.3-70B"),
            (Some("vllm".into()), "meta-llama/Llama-3.3-70B".into())
        );
        assert_eq!(
            parts("openai/gpt-5.1:free"),
            (None, "openai/gpt-5.1:free".into())
        );
        assert_eq!(
            parts("~anthropic/claude-sonnet-latest"),
            (None, "~anthropic/claude-sonnet-latest".into())
        );
        let m = ModelRef::parse(" @local/qwen3:8b ").unwrap();
        assert_eq!(
            (m.as_str(), m.to_string()),
            ("@local/qwen3:8b", "@local/qwen3:8b".into())
        );
        assert!(!m.on_default() && ModelRef::parse("a/b").unwrap().on_default());
    }

    #[test]
    fn a_model_that_cannot_be_sent_is_refused_with_the_reason() {
        assert_eq!(ModelRef::parse("  "), Err(ModelRefError::Empty));
        for text in ["@local", "@local/", "@"] {
            let err = ModelRef::parse(text).unwrap_err();
            assert_eq!(err, ModelRefError::NoModel(text.into()), "{text}");
            assert!(err.to_string().contains("@endpoint/model"));
        }
        assert_eq!(
            ModelRef::parse("@/qwen3"),
            Err(ModelRefError::NoEndpoint("@/qwen3".into()))
        );
        assert!(parse_all(&["a/b", "@x"]).is_err());
        assert_eq!(parse_all(&["a/b", "@x/y"]).unwrap().len(), 2);
    }
}
