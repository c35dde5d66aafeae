//! Attachments as OpenRouter's content parts: `image_url` with a `data:` URL, `file` with
//! `file_data`, `input_audio` with base64 data, and the `file-parser` plugin that picks how
//! PDFs are read (see docs/protocol.md, "Attachments"). The wire's business, so it lives in
//! `api`; `attach` only loads and types the files.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use crate::attach::{Attachment, Kind, PdfEngine};
use crate::chat::Message;

// The engine is the person's choice (`attach`); the plugin that selects it is the wire's.
impl PdfEngine {
    /// The plugin entry that selects it.
    pub fn plugin(self) -> Value {
        json!({ "id": "file-parser", "pdf": { "engine": self.wire() } })
    }
}

/// One attachment as a content part.
pub fn part(a: &Attachment) -> Value {
    let b64 = STANDARD.encode(a.data.as_slice());
    match a.kind {
        Kind::Image => json!({
            "type": "image_url",
            "image_url": { "url": format!("data:{};base64,{b64}", a.mime) },
        }),
        Kind::Pdf => json!({
            "type": "file",
            "file": { "filename": a.name, "file_data": format!("data:application/pdf;base64,{b64}") },
        }),
        Kind::Audio => json!({
            "type": "input_audio",
            "input_audio": { "data": b64, "format": if a.mime == "audio/wav" { "wav" } else { "mp3" } },
        }),
    }
}

/// A message as sent: with attachments its content is a list of parts (the text first),
/// without them exactly the message itself.
#[derive(Debug)]
pub struct WireMessage<'a>(pub &'a Message);

impl Serialize for WireMessage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        if m.attachments.is_empty() {
            return m.serialize(s);
        }
        let mut parts = Vec::with_capacity(m.attachments.len() + 1);
        if !m.content.is_empty() {
            parts.push(json!({ "type": "text", "text": m.content }));
        }
        parts.extend(m.attachments.iter().map(part));
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("role", &m.role)?;
        map.serialize_entry("content", &parts)?;
        if !m.reasoning_details.is_empty() {
            map.serialize_entry("reasoning_details", &m.reasoning_details)?;
        }
        map.end()
    }
}

/// The messages of a request, each as `WireMessage`.
#[derive(Debug)]
pub struct WireMessages<'a>(pub &'a [Message]);

impl Serialize for WireMessages<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(WireMessage))
    }
}
