//! Files attached to a prompt: images, PDFs and audio, typed by their content (magic bytes),
//! held to a size cap per file and per prompt, and refused by name when they cannot be used,
//! so that nothing is sent when any of them fails to load.

pub mod estimate;
pub mod paths;
mod pdf;

pub use pdf::{PdfEngine, pdf_pages};

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a file is, as far as a model's inputs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Image,
    Pdf,
    Audio,
}

impl Kind {
    /// The catalog's `input_modalities` name a model must list to take it.
    pub fn modality(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Pdf => "file",
            Self::Audio => "audio",
        }
    }
}

/// One attached file. Its bytes are shared, not copied, between the panes it is sent to, and
/// never serialised with the message: a session keeps the metadata, the bytes go on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's name (no directory), as shown and as sent for PDFs.
    pub name: String,
    pub kind: Kind,
    pub mime: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    /// A PDF's pages, counted once when it is read (the estimate needs them at every key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u64>,
    #[serde(skip)]
    pub data: Arc<Vec<u8>>,
}

impl Attachment {
    /// Whether its bytes are in hand (a session reopened without its stored file has only
    /// the name, type and size).
    pub fn has_data(&self) -> bool {
        self.size > 0 && u64::try_from(self.data.len()) == Ok(self.size)
    }

    /// The chip a person sees: `📎 chart.png 212 KB` (the name as text, never as control
    /// characters: a session file's name is untrusted).
    pub fn chip(&self) -> String {
        let missing = if self.has_data() { "" } else { " (missing)" };
        format!("{}{missing}", self.label())
    }

    /// `📎 chart.png 212 KB`, whether or not its bytes are in hand.
    pub fn label(&self) -> String {
        let name = crate::sanitize::sanitize(&self.name, " ");
        format!("📎 {name} {}", human(self.size))
    }
}

/// Size caps in bytes (`attach_max_file_mib`, `attach_max_prompt_mib` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub per_file: u64,
    pub per_prompt: u64,
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            per_file: 20 * MIB,
            per_prompt: 40 * MIB,
        }
    }
}

pub const MIB: u64 = 1024 * 1024;

/// The type a file's first bytes say it is: (kind, MIME type).
pub fn sniff(bytes: &[u8]) -> Option<(Kind, &'static str)> {
    let at = |i: usize, m: &[u8]| bytes.get(i..i + m.len()) == Some(m);
    Some(if at(0, b"\x89PNG\r\n\x1a\n") {
        (Kind::Image, "image/png")
    } else if at(0, b"\xff\xd8\xff") {
        (Kind::Image, "image/jpeg")
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        (Kind::Image, "image/gif")
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        (Kind::Image, "image/webp")
    } else if at(0, b"%PDF-") {
        (Kind::Pdf, "application/pdf")
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        (Kind::Audio, "audio/wav")
    } else if at(0, b"ID3") || (bytes.len() > 1 && bytes[0] == 0xff && bytes[1] & 0xe0 == 0xe0) {
        (Kind::Audio, "audio/mpeg")
    } else {
        return None;
    })
}

/// The MIME type a file's extension promises, for the extensions attachments know.
fn promised(name: &str) -> Option<&'static str> {
    let ext = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        _ => return None,
    })
}

/// Reads one file, refusing (by its path) what is missing, a directory, unreadable, over the
/// cap (checked before reading, so a 2 GB file is never read) or not what its name says.
pub fn load(path: &Path, cap: u64) -> Result<Attachment, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("cannot attach {shown}: no such file"),
        _ => format!("cannot attach {shown}: {e}"),
    })?;
    if meta.is_dir() {
        return Err(format!("cannot attach {shown}: it is a directory"));
    }
    // A named pipe or a device would block the read, or never end.
    if !meta.is_file() {
        return Err(format!("cannot attach {shown}: it is not a regular file"));
    }
    if meta.len() > cap {
        return Err(too_big(&shown.to_string(), meta.len(), cap, "per file"));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot attach {shown}: {e}"))?;
    let mut data = Vec::new();
    // The file may grow between the size check and the read: read at most one byte past the cap.
    file.take(cap.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| format!("cannot attach {shown}: {e}"))?;
    let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
    if size > cap {
        return Err(too_big(&shown.to_string(), size, cap, "per file"));
    }
    let name = path
        .file_name()
        .map_or_else(|| shown.to_string(), |n| n.to_string_lossy().into_owned());
    let Some((kind, mime)) = sniff(&data) else {
        return Err(format!(
            "cannot attach {shown}: its content is not a PNG, JPEG, WebP or GIF image, a PDF, \
             or WAV or MP3 audio"
        ));
    };
    if let Some(said) = promised(&name).filter(|&said| said != mime) {
        return Err(format!(
            "cannot attach {shown}: its name says {said} but its content is {mime}"
        ));
    }
    Ok(Attachment {
        name,
        kind,
        mime: mime.to_owned(),
        size,
        sha256: hex(&Sha256::digest(&data)),
        pages: (kind == Kind::Pdf).then(|| pdf_pages(&data)).flatten(),
        data: Arc::new(data),
    })
}

/// Loads every file, or none: the first that fails is the error, and the total is capped.
pub fn load_all<P: AsRef<Path>>(paths: &[P], caps: Caps) -> Result<Vec<Attachment>, String> {
    let mut total = 0u64;
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let a = load(path.as_ref(), caps.per_file)?;
        total = total.saturating_add(a.size);
        if total > caps.per_prompt {
            return Err(too_big(
                &path.as_ref().display().to_string(),
                total,
                caps.per_prompt,
                "per prompt (all attachments together)",
            ));
        }
        out.push(a);
    }
    Ok(out)
}

/// The refusal of a file over a cap, naming it and the cap.
pub fn too_big(name: &str, size: u64, cap: u64, which: &str) -> String {
    format!(
        "cannot attach {name}: {} is over the cap of {} {which}",
        human(size),
        human(cap)
    )
}

/// A size as people read it: `212 KB`, `3.4 MB`.
pub fn human(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < MIB {
        format!("{:.0} KB", b / 1024.0)
    } else if bytes < 1024 * MIB {
        format!("{:.1} MB", b / MIB as f64)
    } else {
        format!("{:.1} GB", b / (1024 * MIB) as f64)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The models' inputs a set of attachments needs that `modalities` lacks; an empty list of
/// modalities (a catalog that does not say) lacks nothing. PDFs need nothing on OpenRouter,
/// which parses them for models that cannot read them (`file-parser`).
pub fn lacking(attachments: &[Attachment], modalities: &[String], openrouter: bool) -> Vec<Kind> {
    if modalities.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Kind> = Vec::new();
    for a in attachments {
        let parsed = a.kind == Kind::Pdf && openrouter;
        if !parsed && !modalities.iter().any(|m| m == a.kind.modality()) && !out.contains(&a.kind) {
            out.push(a.kind);
        }
    }
    out
}

#[cfg(test)]
mod tests;
