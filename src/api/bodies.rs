//! Bodies that are not an answer's stream: a non-2xx error body read into an `ApiError`
//! (the gateway's JSON shapes, or the text of whatever came), which content types of a 200
//! are surely not a stream, and a reqwest error as one line.

use std::time::Duration;

use futures::StreamExt;
use reqwest::{Response, StatusCode};

use super::error::ApiError;
use super::redact::Secrets;
use super::wire::ErrorBody;

/// Error bodies are read up to this size; a server that sends more is not telling us anything.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// The content type of a 200 that is surely not an event stream, if it is one. Anything else
/// (no content type, `text/plain`…) is read as a stream: some servers label theirs loosely.
pub(crate) fn not_a_stream(resp: &Response) -> Option<String> {
    let ct = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .trim()
        .to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or("").trim();
    let refused = matches!(
        essence,
        "text/html" | "application/json" | "application/xml" | "text/xml" | "application/xhtml+xml"
    ) || essence.ends_with("+json")
        || essence.ends_with("+xml");
    refused.then(|| essence.to_owned())
}

/// Builds an `ApiError::Http` from a non-2xx response, reading the gateway's JSON error body
/// (`error.code` number or string, `metadata.provider_name`, `raw`) when there is one.
pub(crate) async fn http_error(resp: Response, secrets: &Secrets) -> ApiError {
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut body = Vec::new();
    let mut chunks = resp.bytes_stream();
    while let Some(Ok(chunk)) = chunks.next().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    error_from_body(status, &secrets.scrub_bytes(&body), retry_after)
}

pub(crate) fn error_from_body(
    status: StatusCode,
    body: &[u8],
    retry_after: Option<Duration>,
) -> ApiError {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (mut code, mut message, mut provider, mut raw) = (None, None, None, None);
    if let Some(parsed) = parsed {
        if let Some(err) = parsed.error {
            code = err.code;
            message = err.message;
            if let Some(meta) = err.metadata {
                provider = meta.provider_name;
                raw = meta.raw.map(|r| match r {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                });
                if let (Some(reasons), Some(m)) = (meta.reasons, message.as_mut()) {
                    if !reasons.is_empty() {
                        m.push_str(&format!(" (flagged: {})", reasons.join(", ")));
                    }
                }
            }
        }
        message = message
            .or(parsed.message)
            .or(parsed.detail.map(|d| match d {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }));
    }
    let message = message.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            status.canonical_reason().unwrap_or("error").to_owned()
        } else {
            text.chars().take(200).collect()
        }
    });
    // A provider's own explanation beats OpenRouter's generic "Provider returned error".
    let message = match &raw {
        Some(r) if message == "Provider returned error" => format!("{message}: {r}"),
        _ => message,
    };
    ApiError::Http {
        status: status.as_u16(),
        code,
        message,
        provider,
        raw,
        retry_after,
    }
}

/// A reqwest error as one line. reqwest's own text ("error sending request for url …") hides
/// the cause, so the root cause is named, after the kind of failure when that adds anything.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut root: &dyn std::error::Error = e;
    while let Some(next) = root.source() {
        root = next;
    }
    let cause = root.to_string();
    if e.is_body() || e.is_decode() {
        format!("reading the response failed: {cause}")
    } else {
        cause
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorCode;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn recorded_401_body() {
        let e = error_from_body(
            StatusCode::UNAUTHORIZED,
            &fixture("openrouter/errors/401-missing-auth.json"),
            None,
        );
        assert_eq!(
            e.to_string(),
            "401 Unauthorized: Missing Authentication header"
        );
    }

    #[test]
    fn recorded_429_body_names_the_provider_and_its_raw_message() {
        let e = error_from_body(
            StatusCode::TOO_MANY_REQUESTS,
            &fixture("openrouter/errors/429-upstream-rate-limit-free.json"),
            Some(Duration::from_secs(7)),
        );
        let ApiError::Http {
            provider,
            raw,
            message,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(provider.as_deref(), Some("Google"));
        assert!(raw.as_deref().unwrap().contains("temporarily rate-limited"));
        assert!(message.contains("temporarily rate-limited"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn recorded_400_context_length_and_llama_server_errors() {
        let e = error_from_body(
            StatusCode::BAD_REQUEST,
            &fixture("openrouter/errors/400-context-length.json"),
            None,
        );
        assert!(e.to_string().contains("maximum context length"));
        let e = error_from_body(
            StatusCode::UNAUTHORIZED,
            &fixture("other/llama-server/error-badkey.json"),
            None,
        );
        assert_eq!(e.to_string(), "401 Unauthorized: Invalid API Key");
    }

    #[test]
    fn string_codes_and_non_json_bodies() {
        let e = error_from_body(
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"error":{"code":"server_error","message":"boom"}}"#,
            None,
        );
        assert_eq!(e.code(), ErrorCode::Text("server_error".into()));
        let e = error_from_body(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>", None);
        assert_eq!(e.to_string(), "502 Bad Gateway: <html>bad gateway</html>");
        let e = error_from_body(StatusCode::SERVICE_UNAVAILABLE, b"", None);
        assert_eq!(
            e.to_string(),
            "503 Service Unavailable: Service Unavailable"
        );
    }
}
