//! Conformance: every recorded stream in `tests/fixtures` goes through the real decoder
//! (`lines` framing and SSE + `ChunkDecoder`) and the `Reply` fold, and must give what its chunks say.
//!
//! The expectations (`expect_*.rs`) were computed from the recordings by a separate script that
//! reads each `data:` line as plain JSON (concatenated `delta.content`, `delta.reasoning` or else
//! `delta.reasoning_content`, the last `usage`, the first non-null `finish_reason`, the chunks'
//! `model` and `provider`, any `error`), not by running this decoder. Robustness tests (cuts,
//! broken chunks, CRLF) compare against `reference_content`, a plain line-by-line reading of the
//! body with `serde_json::Value`.
//!
//! `expect_*.rs` hold the expectations, `helpers.rs` the decoding and checking, `features.rs`
//! the behaviours seen in particular recordings, `damaged.rs` cut and broken bodies.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use modelroom::api::sse::decode_recorded;
use modelroom::api::{ApiError, Damage, ErrorCode, Reply, StreamEvent};
use modelroom::chat::Usage;
use serde_json::Value;
use tokio::time::Instant;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// Read sizes: byte by byte (splits every multi-byte character and every line), a small odd
/// size, a typical small TCP read, and the whole body at once.
const READ_SIZES: [usize; 4] = [1, 7, 64, usize::MAX];

mod damaged;
mod expect;
mod expect_openrouter;
mod expect_other;
mod features;
mod helpers;

use expect::*;
use helpers::*;

#[test]
fn every_recorded_stream_has_expectations() {
    let on_disk = recorded_streams();
    let files: BTreeSet<String> = expected().map(|e| e.file.to_owned()).collect();
    assert_eq!(expected().count(), files.len(), "duplicate expectations");
    let missing: Vec<_> = on_disk.difference(&files).collect();
    let stale: Vec<_> = files.difference(&on_disk).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "recorded streams without expectations: {missing:?}; expectations without a recording: {stale:?}"
    );
}

#[tokio::test]
async fn every_recorded_stream_decodes_to_what_its_chunks_say() {
    let mut failures = Vec::new();
    for exp in expected() {
        let events = decode(&read(exp.file), usize::MAX).await;
        for err in check(exp, &fold(&events)) {
            failures.push(format!("{}: {err}", exp.file));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn read_size_does_not_change_the_answer() {
    for exp in expected() {
        let body = read(exp.file);
        let whole = decode(&body, usize::MAX).await;
        for piece in READ_SIZES {
            let events = decode(&body, piece).await;
            assert_eq!(events, whole, "{} read {piece} bytes at a time", exp.file);
            assert_eq!(
                fold(&events),
                fold(&whole),
                "{} read {piece} bytes at a time",
                exp.file
            );
        }
    }
}

#[tokio::test]
async fn crlf_framing_decodes_like_lf() {
    for exp in expected() {
        let body = String::from_utf8(read(exp.file)).unwrap();
        let lf = body.replace("\r\n", "\n");
        let crlf = lf.replace('\n', "\r\n");
        let reference = decode(lf.as_bytes(), usize::MAX).await;
        assert!(
            check(exp, &fold(&reference)).is_empty(),
            "{} with LF framing",
            exp.file
        );
        for piece in READ_SIZES {
            // Small reads split `\r\n` pairs: a lone `\r` must not end an extra (empty) line.
            let events = decode(crlf.as_bytes(), piece).await;
            assert_eq!(
                events, reference,
                "{} with CRLF framing, {piece}-byte reads",
                exp.file
            );
        }
    }
}
