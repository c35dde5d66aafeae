//! What attachments add to a request before it is sent. Models count an image or a page in
//! tokens of their own (Anthropic up to ~1,600 an image, OpenAI 85–1,105, Gemini 258), and
//! the catalog says only the per-image fee (`pricing.image`) and the audio token price; so
//! the tokens are guessed on the high side, for an estimate that is a ceiling, and said to be
//! a guess ("≈").

use super::PdfEngine;
use super::{Attachment, Kind};
use crate::api::Catalog;

/// Tokens an image is taken to cost: the most the common vision models charge for one.
pub const IMAGE_TOKENS: u64 = 1_600;
/// Tokens a PDF page is taken to cost when a model reads it natively (text and the page's
/// image, as Anthropic counts it); parsed to text it is fewer.
pub const PDF_TOKENS_PER_PAGE: u64 = 1_500;
/// Tokens a second of audio is taken to cost (Gemini counts 32).
pub const AUDIO_TOKENS_PER_SECOND: u64 = 32;

/// OCR's fee for a page, in USD: OpenRouter prices `mistral-ocr` at $2 per 1,000 pages.
pub const OCR_USD_PER_PAGE: f64 = 0.002;

/// What reading `pages` PDF pages with `engine` costs beside the tokens, in USD: OCR by the
/// page; `text` is free and `native` is the input tokens already counted. Without an engine
/// OpenRouter reads natively where the model takes files and uses OCR elsewhere, so a model
/// that does not list `file` input is counted at OCR's price.
#[allow(clippy::cast_precision_loss)]
pub fn engine_fee(engine: Option<PdfEngine>, pages: u64, takes_files: bool) -> f64 {
    let ocr = match engine {
        Some(e) => e == PdfEngine::Ocr,
        None => !takes_files,
    };
    if ocr {
        pages as f64 * OCR_USD_PER_PAGE
    } else {
        0.0
    }
}

/// Whether `catalog` lists `file` among `model`'s inputs (read natively).
pub fn takes_files(catalog: Option<&Catalog>, model: &str) -> bool {
    catalog
        .and_then(|c| c.lookup(model))
        .and_then(|e| e.architecture.as_ref())
        .and_then(|a| a.input_modalities.as_ref())
        .is_some_and(|m| m.iter().any(|x| x == "file"))
}

/// What a model's catalog entry says it cannot take of some attachments: the inputs missing
/// ("image or audio") and the ones it lists ("text, file").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotTaken {
    pub missing: String,
    pub takes: String,
}

/// `None` when `model`'s entry takes every input `attachments` need, or the catalog does not
/// say (no entry, no modalities). The catalog is the gateway's own, so PDFs reach any model.
pub fn not_taken(catalog: &Catalog, model: &str, attachments: &[Attachment]) -> Option<NotTaken> {
    let modalities = catalog
        .lookup(model)?
        .architecture
        .as_ref()
        .and_then(|a| a.input_modalities.clone())
        .unwrap_or_default();
    let lacking = super::lacking(attachments, &modalities, true);
    (!lacking.is_empty()).then(|| NotTaken {
        missing: lacking
            .iter()
            .map(|k| k.modality())
            .collect::<Vec<_>>()
            .join(" or "),
        takes: modalities.join(", "),
    })
}

/// What a set of attachments adds to a request, guessed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extra {
    /// Prompt tokens for images and PDF pages.
    pub tokens: u64,
    /// Images, for the per-image fee.
    pub images: u64,
    /// Audio tokens, priced at the catalog's audio price where it gives one.
    pub audio_tokens: u64,
    /// PDF pages, as counted (or guessed from the size).
    pub pages: u64,
}

impl std::ops::AddAssign for Extra {
    fn add_assign(&mut self, o: Self) {
        self.tokens += o.tokens;
        self.images += o.images;
        self.audio_tokens += o.audio_tokens;
        self.pages += o.pages;
    }
}

/// The guess for `attachments`.
pub fn extra(attachments: &[Attachment]) -> Extra {
    let mut e = Extra::default();
    for a in attachments {
        match a.kind {
            Kind::Image => {
                e.images += 1;
                e.tokens += IMAGE_TOKENS;
            }
            Kind::Pdf => {
                // Counted when the file was read; never scanned here, at every key.
                let pages = a
                    .pages
                    .unwrap_or_else(|| a.size.div_ceil(100 * 1024).max(1));
                e.pages += pages;
                e.tokens += pages * PDF_TOKENS_PER_PAGE;
            }
            Kind::Audio => e.audio_tokens += audio_seconds(a) * AUDIO_TOKENS_PER_SECOND,
        }
    }
    e
}

/// Seconds of audio: from a WAV header's byte rate, else at MP3's common 128 kbit/s.
fn audio_seconds(a: &Attachment) -> u64 {
    let rate = (a.mime == "audio/wav")
        .then(|| a.data.get(28..32))
        .flatten()
        .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        .filter(|r| *r > 0)
        .unwrap_or(16_000);
    a.size.div_ceil(rate).max(1)
}

/// `1 image · 1 PDF ≈3 pages`, for the estimate line.
pub fn describe(attachments: &[Attachment], e: Extra) -> String {
    let count = |k: Kind| attachments.iter().filter(|a| a.kind == k).count();
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut parts = Vec::new();
    if count(Kind::Image) > 0 {
        parts.push(plural(count(Kind::Image), "image", "images"));
    }
    if count(Kind::Pdf) > 0 {
        parts.push(format!(
            "{} ≈{}",
            plural(count(Kind::Pdf), "PDF", "PDFs"),
            plural(
                usize::try_from(e.pages).unwrap_or(usize::MAX),
                "page",
                "pages"
            )
        ));
    }
    if count(Kind::Audio) > 0 {
        parts.push(plural(count(Kind::Audio), "audio file", "audio files"));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attach::pdf_pages;
    use std::sync::Arc;

    fn att(kind: Kind, mime: &str, data: &[u8]) -> Attachment {
        Attachment {
            name: "f".into(),
            kind,
            mime: mime.into(),
            size: data.len() as u64,
            sha256: String::new(),
            pages: pdf_pages(data),
            data: Arc::new(data.to_vec()),
        }
    }

    #[test]
    fn only_ocr_charges_by_the_page_and_the_gateway_picks_it_for_a_model_without_file_input() {
        assert!((engine_fee(Some(PdfEngine::Ocr), 1_000, true) - 2.0).abs() < 1e-9);
        assert!(engine_fee(Some(PdfEngine::Text), 1_000, false).abs() < 1e-12);
        assert!(engine_fee(Some(PdfEngine::Native), 1_000, false).abs() < 1e-12);
        assert!((engine_fee(None, 3, false) - 0.006).abs() < 1e-9);
        assert!(engine_fee(None, 3, true).abs() < 1e-12);
    }

    #[test]
    fn pages_are_counted_from_page_objects_not_the_page_tree() {
        let pdf = b"%PDF-1.4\n1 0 obj<</Type /Pages/Kids[2 0 R 3 0 R]>>\n2 0 obj<</Type /Page>>\n3 0 obj<</Type/Page/Parent 1 0 R>>";
        assert_eq!(pdf_pages(pdf), Some(2));
        assert_eq!(pdf_pages(b"%PDF-1.5 compressed"), None);
    }

    #[test]
    fn images_pages_and_audio_add_their_guessed_tokens() {
        let pdf = b"%PDF-1.4 <</Type /Page>> <</Type /Page>> <</Type /Page>>";
        let a = [
            att(Kind::Image, "image/png", b"\x89PNG"),
            att(Kind::Pdf, "application/pdf", pdf),
        ];
        let e = extra(&a);
        assert_eq!(e.images, 1);
        assert_eq!(e.pages, 3);
        assert_eq!(e.tokens, IMAGE_TOKENS + 3 * PDF_TOKENS_PER_PAGE);
        assert_eq!(describe(&a, e), "1 image · 1 PDF ≈3 pages");
        // A PDF that hides its pages is guessed from its size, at least one page.
        assert_eq!(
            extra(&[att(Kind::Pdf, "application/pdf", b"%PDF-")]).pages,
            1
        );
        // 16 kB of MP3 is a second.
        let mp3 = att(Kind::Audio, "audio/mpeg", &[0u8; 32_000]);
        assert_eq!(extra(&[mp3]).audio_tokens, 2 * AUDIO_TOKENS_PER_SECOND);
    }
}
