//! Everything that can go wrong talking to a gateway, as values with human messages.
//! Each variant carries enough for a person to act on it (see `hint`).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::redact::Secrets;

/// The gateway's `error.code`: a number on OpenRouter, a string on LiteLLM and in some docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorCode {
    Number(i64),
    Text(String),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// A non-2xx answer before any streaming started.
    #[error("{status} {}: {message}{}", status_text(*status), provider_suffix(provider.as_deref()))]
    Http {
        status: u16,
        code: Option<ErrorCode>,
        message: String,
        provider: Option<String>,
        /// The upstream provider's own message, when the gateway passes it on.
        raw: Option<String>,
        retry_after: Option<Duration>,
    },
    /// An error chunk inside a 200 stream (the answer so far is kept).
    #[error("error during the answer{}: {message}{}", code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default(), provider_suffix(provider.as_deref()))]
    InStream {
        code: Option<ErrorCode>,
        message: String,
        provider: Option<String>,
    },
    /// The connection closed before the answer finished.
    #[error("connection dropped before the answer finished: {detail}")]
    Dropped { detail: String },
    /// No bytes at all (not even keep-alives) for the stall timeout.
    #[error("no data from the server for {} s; gave up waiting", .after.as_secs())]
    Stalled { after: Duration },
    /// A chunk or body that is not the JSON it should be.
    #[error("malformed response: {detail}")]
    Malformed { detail: String },
    /// The server could not be reached at all.
    #[error("cannot reach {url}: {detail}")]
    Connect { url: String, detail: String },
    /// No response headers within the request timeout.
    #[error("no response within {} s", .after.as_secs())]
    Timeout { after: Duration },
    /// A 200 whose body is not an event stream (an HTML page, a JSON document…).
    #[error("the server answered with {content_type}, not an event stream: {preview}")]
    NotAStream {
        content_type: String,
        preview: String,
    },
    /// A body larger than is believable for what was asked.
    #[error("{what}: the response is larger than {} MiB; refused", limit / (1024 * 1024))]
    TooLarge { what: String, limit: usize },
    /// Never sent: the model cannot take what the prompt carries (an attachment's type).
    #[error("not sent: {reason}")]
    NotSent { reason: String },
    /// The whole answer took longer than the overall deadline (`ask`).
    #[error("no complete answer within {} s; gave up", .after.as_secs())]
    Deadline { after: Duration },
}

fn provider_suffix(provider: Option<&str>) -> String {
    provider
        .map(|p| format!(" [provider: {p}]"))
        .unwrap_or_default()
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        422 => "Unprocessable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        524 => "Gateway Timeout",
        529 => "Provider Overloaded",
        _ => "Error",
    }
}

impl ApiError {
    /// The HTTP status (or the numeric in-stream code), when there is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            Self::InStream {
                code: Some(ErrorCode::Number(n)),
                ..
            } => u16::try_from(*n).ok(),
            _ => None,
        }
    }

    /// A short machine-readable code: the gateway's own when it sent one, else our kind.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Http {
                code: Some(code), ..
            }
            | Self::InStream {
                code: Some(code), ..
            } => code.clone(),
            Self::Http { status, .. } => ErrorCode::Number(i64::from(*status)),
            Self::InStream { .. } => ErrorCode::Text("in_stream".into()),
            Self::Dropped { .. } => ErrorCode::Text("dropped".into()),
            Self::Stalled { .. } => ErrorCode::Text("stalled".into()),
            Self::Malformed { .. } => ErrorCode::Text("malformed".into()),
            Self::Connect { .. } => ErrorCode::Text("connect".into()),
            Self::Timeout { .. } => ErrorCode::Text("timeout".into()),
            Self::NotAStream { .. } => ErrorCode::Text("not_a_stream".into()),
            Self::TooLarge { .. } => ErrorCode::Text("too_large".into()),
            Self::Deadline { .. } => ErrorCode::Text("deadline".into()),
            Self::NotSent { .. } => ErrorCode::Text("not_sent".into()),
        }
    }

    /// How long to wait before asking again after a 429 (its `Retry-After`, else 5 s; at most
    /// a minute): the room and `ask` retry alike.
    pub fn rate_limit_wait(&self) -> Option<Duration> {
        match self {
            Self::Http { status: 429, .. } => Some(
                self.retry_after()
                    .unwrap_or(Duration::from_secs(5))
                    .min(Duration::from_secs(60)),
            ),
            _ => None,
        }
    }

    /// A 429 that outlasted every retry says so, instead of "retry in 3 s".
    #[must_use]
    pub fn after_attempts(mut self, attempts: u8) -> Self {
        if let Self::Http {
            status: 429,
            message,
            retry_after,
            ..
        } = &mut self
        {
            if attempts > 1 {
                *retry_after = None;
                message.push_str(&format!(" (still rate limited after {attempts} attempts)"));
            }
        }
        self
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether trying the same request again later can succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Http { status, .. } => matches!(status, 408 | 429 | 500..=599),
            Self::InStream { .. }
            | Self::Dropped { .. }
            | Self::Stalled { .. }
            | Self::Connect { .. }
            | Self::Timeout { .. }
            | Self::Deadline { .. } => true,
            Self::Malformed { .. }
            | Self::NotAStream { .. }
            | Self::TooLarge { .. }
            | Self::NotSent { .. } => false,
        }
    }

    /// What the person can do about it, in words.
    pub fn hint(&self) -> Option<String> {
        let text = match self {
            Self::Http { status: 400, .. } => {
                "check the model id (`modelroom models` lists them) and the parameters".into()
            }
            Self::Http { status: 401, .. } => {
                "the API key was refused: check OPENROUTER_API_KEY (or api_key_env in config.toml)"
                    .into()
            }
            Self::Http { status: 402, .. } => {
                "out of credits: top up, lower max_tokens, or switch to a :free model".into()
            }
            Self::Http { status: 403, .. } => {
                "refused by moderation or permissions; rephrase or pick another model".into()
            }
            Self::Http { status: 404, .. } => {
                "no provider serves this model with these preferences; relax routing or pick another model"
                    .into()
            }
            Self::Http { status: 429, .. } => match self.retry_after() {
                Some(d) => format!("rate limited: retry in {} s", d.as_secs().max(1)),
                None => "rate limited: wait a minute, or pick another model or provider".into(),
            },
            Self::Http {
                status: 408 | 500..=599,
                ..
            }
            | Self::InStream { .. }
            | Self::Dropped { .. } => "the provider failed; retry, or try another model".into(),
            Self::Http { .. } => return None,
            Self::Stalled { .. } => {
                "the server went silent; retry, or raise stall_timeout_secs in config.toml".into()
            }
            Self::Malformed { .. } => "the server sent data that is not OpenAI-compatible".into(),
            Self::Connect { .. } => "check the base URL and that the server is running".into(),
            Self::Timeout { .. } => {
                "the server is slow to answer; retry or raise request_timeout_secs".into()
            }
            Self::NotAStream { .. } => {
                "check the base URL: it should be the API's, ending in /v1 or /api/v1".into()
            }
            Self::TooLarge { .. } => "the server sent far more than expected".into(),
            Self::Deadline { .. } => "retry, or raise ask_deadline_secs in config.toml".into(),
            Self::NotSent { .. } => "leave the attachment out for this model, or pick one that takes it".into(),
        };
        Some(text)
    }

    /// Replaces the endpoint's secrets in every text a server provided.
    pub fn scrub(&mut self, secrets: &Secrets) {
        if secrets.is_empty() {
            return;
        }
        match self {
            Self::Http {
                message,
                provider,
                raw,
                code,
                ..
            } => {
                secrets.scrub_string(message);
                secrets.scrub_opt(provider);
                secrets.scrub_opt(raw);
                if let Some(ErrorCode::Text(c)) = code {
                    secrets.scrub_string(c);
                }
            }
            Self::InStream {
                message,
                provider,
                code,
            } => {
                secrets.scrub_string(message);
                secrets.scrub_opt(provider);
                if let Some(ErrorCode::Text(c)) = code {
                    secrets.scrub_string(c);
                }
            }
            Self::Dropped { detail } | Self::Malformed { detail } => secrets.scrub_string(detail),
            Self::Connect { url, detail } => {
                secrets.scrub_string(url);
                secrets.scrub_string(detail);
            }
            Self::NotAStream {
                content_type,
                preview,
            } => {
                secrets.scrub_string(content_type);
                secrets.scrub_string(preview);
            }
            Self::TooLarge { what, .. } | Self::NotSent { reason: what } => {
                secrets.scrub_string(what);
            }
            Self::Stalled { .. } | Self::Timeout { .. } | Self::Deadline { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_read_like_sentences() {
        let e = ApiError::Http {
            status: 402,
            code: Some(ErrorCode::Number(402)),
            message: "Insufficient credits".into(),
            provider: None,
            raw: None,
            retry_after: None,
        };
        assert_eq!(e.to_string(), "402 Payment Required: Insufficient credits");
        assert!(e.hint().unwrap().contains(":free"));
        assert_eq!(e.status(), Some(402));
    }

    #[test]
    fn rate_limit_hint_names_the_wait() {
        let e = ApiError::Http {
            status: 429,
            code: None,
            message: "slow down".into(),
            provider: Some("Google".into()),
            raw: None,
            retry_after: Some(Duration::from_secs(5)),
        };
        assert_eq!(
            e.to_string(),
            "429 Too Many Requests: slow down [provider: Google]"
        );
        assert_eq!(e.hint().unwrap(), "rate limited: retry in 5 s");
        assert_eq!(e.code(), ErrorCode::Number(429));
        assert!(e.is_transient());
    }

    #[test]
    fn string_codes_survive() {
        let code: ErrorCode = serde_json::from_str("\"server_error\"").unwrap();
        assert_eq!(code, ErrorCode::Text("server_error".into()));
        let code: ErrorCode = serde_json::from_str("429").unwrap();
        assert_eq!(code, ErrorCode::Number(429));
    }
}
