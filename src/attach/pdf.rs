//! PDFs as the person attaches them: how OpenRouter should read one (the engine, chosen in
//! the config, a pane's settings or `ask --pdf-engine`), and how many pages it has.

use serde::{Serialize, Serializer};

/// How OpenRouter reads a PDF (`plugins: [{"id": "file-parser", "pdf": {"engine": …}}]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfEngine {
    /// The model reads the file itself; billed as input tokens.
    Native,
    /// Text extraction (`cloudflare-ai`); free.
    Text,
    /// OCR for scans; $2 per 1,000 pages (OpenRouter's price list).
    Ocr,
}

impl PdfEngine {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "native" => Ok(Self::Native),
            // `pdf-text` is the old name OpenRouter redirects to `cloudflare-ai`.
            "text" | "pdf-text" | "cloudflare-ai" => Ok(Self::Text),
            "ocr" | "mistral-ocr" => Ok(Self::Ocr),
            other => Err(format!(
                "`{other}` is not a PDF engine: native (input tokens), text (free) or ocr \
                 ($2 per 1,000 pages)"
            )),
        }
    }

    /// The engine's name on the wire.
    pub fn wire(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Text => "cloudflare-ai",
            Self::Ocr => "mistral-ocr",
        }
    }

    /// The engine's name as written (`pdf=ocr`, `pdf_engine = "ocr"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Text => "text",
            Self::Ocr => "ocr",
        }
    }
}

// Written by its short name, read by any name `parse` takes, so a config or a session file
// holds what a person would type.
impl Serialize for PdfEngine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PdfEngine {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The pages of a PDF, from its page objects (`/Type /Page`, not `/Pages`); `None` when the
/// file shows none (they may be inside compressed object streams).
pub fn pdf_pages(bytes: &[u8]) -> Option<u64> {
    let mut pages = 0u64;
    let mut i = 0;
    while let Some(at) = find(&bytes[i..], b"/Type") {
        i += at + 5;
        let rest = &bytes[i..];
        let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &rest[skip..];
        if rest.starts_with(b"/Page") && !rest[5..].first().is_some_and(u8::is_ascii_alphanumeric) {
            pages += 1;
        }
    }
    (pages > 0).then_some(pages)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
