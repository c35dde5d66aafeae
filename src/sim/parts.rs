//! Content parts as the gateway takes them: which demo models read images, files and audio,
//! a 400 in OpenRouter's shape for a part a model cannot take, and a description of what
//! arrived (type, size, hash) that the answer starts with, so tests and `--demo` can see it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A demo model's `input_modalities`: two read images and files, one also audio; the rest
/// only text (PDFs still reach them through the file parser, as on OpenRouter).
pub fn inputs(id: &str) -> &'static [&'static str] {
    match id {
        "demo/fast" => &["text", "image", "file"],
        "demo/thinker" => &["text", "image", "file", "audio"],
        _ => &["text"],
    }
}

/// A demo model's fee per input image (`pricing.image`), where it has one: `demo/thinker`
/// charges one, `demo/fast` counts images as prompt tokens only.
pub fn image_fee(id: &str) -> Option<&'static str> {
    (id == "demo/thinker").then_some("0.001")
}

/// The PDF engine the request's `file-parser` plugin asks for, if any.
fn pdf_engine(plugins: &Value) -> Option<&str> {
    plugins
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["id"] == "file-parser")
        .and_then(|p| p["pdf"]["engine"].as_str())
}

/// One line per non-text part of every message, or the message of the 400 for the first part
/// `model` cannot take (or that is not a valid part).
pub fn received(model: &str, messages: &[Value], plugins: &Value) -> Result<Vec<String>, String> {
    let takes = inputs(model);
    let engine = pdf_engine(plugins);
    let mut out = Vec::new();
    for part in messages
        .iter()
        .filter_map(|m| m["content"].as_array())
        .flatten()
    {
        let kind = part["type"].as_str().unwrap_or("");
        let (needs, mime, b64) = match kind {
            "text" => continue,
            "image_url" => {
                let url = part["image_url"]["url"].as_str().unwrap_or("");
                match data_url(url) {
                    Some((mime, b64)) if mime.starts_with("image/") => ("image", mime, b64),
                    _ => return Err(bad("image_url.url must be a data: URL of an image")),
                }
            }
            "file" => match data_url(part["file"]["file_data"].as_str().unwrap_or("")) {
                Some(("application/pdf", b64)) => ("file", "application/pdf", b64),
                _ => return Err(bad("file.file_data must be a data:application/pdf URL")),
            },
            "input_audio" => {
                let format = part["input_audio"]["format"].as_str().unwrap_or("");
                let mime = match format {
                    "wav" => "audio/wav",
                    "mp3" => "audio/mpeg",
                    _ => return Err(bad("input_audio.format must be wav or mp3")),
                };
                (
                    "audio",
                    mime,
                    part["input_audio"]["data"].as_str().unwrap_or(""),
                )
            }
            other => return Err(bad(&format!("unknown content part type `{other}`"))),
        };
        // PDFs go through the file parser for models that cannot read them.
        let parsed =
            needs == "file" && (engine.is_some_and(|e| e != "native") || !takes.contains(&"file"));
        if !parsed && !takes.contains(&needs) {
            return Err(format!("{model} does not support {needs} input"));
        }
        let Ok(bytes) = STANDARD.decode(b64) else {
            return Err(bad("a content part's data is not valid base64"));
        };
        let hash: String = Sha256::digest(&bytes)
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        let how = if needs == "file" {
            format!(
                " read by {}",
                if parsed {
                    engine.unwrap_or("cloudflare-ai")
                } else {
                    "native"
                }
            )
        } else {
            String::new()
        };
        out.push(format!("{mime}, {} bytes, sha256 {hash}{how}", bytes.len()));
    }
    Ok(out)
}

/// Prompt tokens an image counts for in the simulated usage (OpenAI's count for a 1024×1024
/// picture in high detail): under the estimate's ceiling, as real models mostly are.
pub const IMAGE_TOKENS: u64 = 765;
/// Prompt tokens a PDF page counts for when the model reads it, and when it arrives parsed
/// to text (fewer: the page's picture is not sent).
pub const PAGE_TOKENS_NATIVE: u64 = 1_000;
pub const PAGE_TOKENS_PARSED: u64 = 400;

/// The prompt tokens the non-text parts of `messages` add, so that `--demo`'s usage grows
/// with images and pages as a real gateway's does. Parts `received` refuses never get here.
pub fn tokens(model: &str, messages: &[Value], plugins: &Value) -> u64 {
    let engine = pdf_engine(plugins);
    let native = engine.is_none_or(|e| e == "native") && inputs(model).contains(&"file");
    let mut total = 0u64;
    for part in messages
        .iter()
        .filter_map(|m| m["content"].as_array())
        .flatten()
    {
        total += match part["type"].as_str().unwrap_or("") {
            "image_url" => IMAGE_TOKENS,
            "file" => {
                let bytes = part["file"]["file_data"]
                    .as_str()
                    .and_then(data_url)
                    .and_then(|(_, b64)| STANDARD.decode(b64).ok())
                    .unwrap_or_default();
                let pages = crate::attach::pdf_pages(&bytes).unwrap_or(1);
                pages
                    * if native {
                        PAGE_TOKENS_NATIVE
                    } else {
                        PAGE_TOKENS_PARSED
                    }
            }
            // 32 tokens a second, at 16 kB a second.
            "input_audio" => {
                let b64 = part["input_audio"]["data"].as_str().unwrap_or("");
                (b64.len() as u64 * 3 / 4).div_ceil(16_000).max(1) * 32
            }
            _ => 0,
        };
    }
    total
}

/// The answer's first paragraph: what came with the prompt.
pub fn describe(lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut s = String::from("Received:\n");
    for l in lines {
        s.push_str("- ");
        s.push_str(l);
        s.push('\n');
    }
    s.push('\n');
    s
}

fn data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (mime, b64) = rest.split_once(";base64,")?;
    Some((mime, b64))
}

fn bad(message: &str) -> String {
    format!("Invalid content part: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(parts: Value) -> Vec<Value> {
        vec![json!({ "role": "user", "content": parts })]
    }

    #[test]
    fn an_image_part_is_described_by_type_size_and_hash() {
        let png = b"\x89PNG\r\n\x1a\nabc";
        let url = format!("data:image/png;base64,{}", STANDARD.encode(png));
        let msgs = user(json!([{ "type": "text", "text": "hi" },
            { "type": "image_url", "image_url": { "url": url } }]));
        let got = received("demo/fast", &msgs, &Value::Null).unwrap();
        let hash: String = Sha256::digest(png)
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(got, vec![format!("image/png, 11 bytes, sha256 {hash}")]);
    }

    #[test]
    fn a_text_only_model_refuses_an_image_with_a_400() {
        let msgs = user(
            json!([{ "type": "image_url", "image_url": { "url": "data:image/png;base64,AA==" } }]),
        );
        let r = received("demo/coder", &msgs, &Value::Null).unwrap_err();
        assert_eq!(r, "demo/coder does not support image input");
    }

    #[test]
    fn a_pdf_reaches_a_text_model_through_the_parser() {
        let msgs = user(
            json!([{ "type": "file", "file": { "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0=" } }]),
        );
        let plugins = json!([{ "id": "file-parser", "pdf": { "engine": "pdf-text" } }]);
        let got = received("demo/coder", &msgs, &plugins).unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].ends_with("read by pdf-text"), "{got:?}");
        assert!(received("demo/coder", &msgs, &Value::Null).unwrap()[0].ends_with("cloudflare-ai"));
        assert!(received("demo/fast", &msgs, &Value::Null).unwrap()[0].ends_with("native"));
    }

    #[test]
    fn malformed_parts_are_refused() {
        for part in [
            json!({ "type": "image_url", "image_url": { "url": "https://example.com/x.png" } }),
            json!({ "type": "image_url", "image_url": { "url": "data:image/png;base64,!!!" } }),
            json!({ "type": "video", "video": {} }),
        ] {
            assert!(received("demo/fast", &user(json!([part])), &Value::Null).is_err());
        }
    }

    #[test]
    fn images_and_pages_add_prompt_tokens_fewer_when_a_pdf_is_parsed() {
        let pdf = b"%PDF-1.4 <</Type /Page>> <</Type /Page>> <</Type /Page>>";
        let file = format!("data:application/pdf;base64,{}", STANDARD.encode(pdf));
        let msgs = user(json!([{ "type": "text", "text": "hi" },
            { "type": "image_url", "image_url": { "url": "data:image/png;base64,AA==" } },
            { "type": "file", "file": { "filename": "a.pdf", "file_data": file } }]));
        assert_eq!(
            tokens("demo/fast", &msgs, &Value::Null),
            IMAGE_TOKENS + 3 * PAGE_TOKENS_NATIVE
        );
        let text = json!([{ "id": "file-parser", "pdf": { "engine": "cloudflare-ai" } }]);
        assert_eq!(
            tokens("demo/fast", &msgs, &text),
            IMAGE_TOKENS + 3 * PAGE_TOKENS_PARSED
        );
        assert_eq!(
            tokens("demo/fast", &user(json!("just text")), &Value::Null),
            0
        );
    }
}
