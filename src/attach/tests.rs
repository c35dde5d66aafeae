//! Files typed by their content, capped and refused by name, before anything is sent.

use super::*;
use crate::api::{PdfEngine, WireMessage};
use crate::chat::Message;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";

fn file(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn types_come_from_the_content() {
    assert_eq!(sniff(PNG), Some((Kind::Image, "image/png")));
    assert_eq!(
        sniff(b"\xff\xd8\xff\xe0"),
        Some((Kind::Image, "image/jpeg"))
    );
    assert_eq!(sniff(b"GIF89a.."), Some((Kind::Image, "image/gif")));
    assert_eq!(
        sniff(b"RIFF\0\0\0\0WEBPVP8 "),
        Some((Kind::Image, "image/webp"))
    );
    assert_eq!(
        sniff(b"RIFF\0\0\0\0WAVEfmt "),
        Some((Kind::Audio, "audio/wav"))
    );
    assert_eq!(sniff(b"ID3\x04"), Some((Kind::Audio, "audio/mpeg")));
    assert_eq!(sniff(PDF), Some((Kind::Pdf, "application/pdf")));
    assert_eq!(sniff(b"hello"), None);
    assert_eq!(sniff(b""), None);
}

#[test]
fn a_file_loads_with_its_hash_and_a_content_type_its_name_did_not_give() {
    let dir = tempfile::tempdir().unwrap();
    // No extension: the content decides.
    let a = load(&file(dir.path(), "chart", PNG), MIB).unwrap();
    assert_eq!(
        (a.kind, a.mime.as_str(), a.size),
        (Kind::Image, "image/png", 16)
    );
    assert_eq!(a.sha256, hex(&Sha256::digest(PNG)));
    assert_eq!(a.data.as_slice(), PNG);
}

#[test]
fn bad_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let missing = load(&d.join("gone.png"), MIB).unwrap_err();
    assert!(
        missing.contains("gone.png") && missing.contains("no such file"),
        "{missing}"
    );
    let is_dir = load(d, MIB).unwrap_err();
    assert!(is_dir.contains("directory"), "{is_dir}");
    let liar = load(&file(d, "report.pdf", PNG), MIB).unwrap_err();
    assert!(
        liar.contains("report.pdf") && liar.contains("image/png"),
        "{liar}"
    );
    let text = load(&file(d, "notes.png", b"just text"), MIB).unwrap_err();
    assert!(
        text.contains("notes.png") && text.contains("content"),
        "{text}"
    );
}

#[test]
fn a_huge_file_is_refused_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.png");
    // Sparse: 2 GB on paper, nothing on disk.
    std::fs::File::create(&p)
        .unwrap()
        .set_len(2 * 1024 * MIB)
        .unwrap();
    let e = load(&p, 20 * MIB).unwrap_err();
    assert!(
        e.contains("huge.png") && e.contains("2.0 GB") && e.contains("20.0 MB"),
        "{e}"
    );
}

#[test]
fn the_prompt_cap_counts_all_files_and_nothing_loads_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = file(dir.path(), "a.png", PNG);
    let b = file(dir.path(), "b.pdf", PDF);
    let caps = Caps {
        per_file: MIB,
        per_prompt: 20,
    };
    let e = load_all(&[a.clone(), b.clone()], caps).unwrap_err();
    assert!(e.contains("b.pdf") && e.contains("per prompt"), "{e}");
    let ok = load_all(&[a, b], Caps::default()).unwrap();
    assert_eq!(ok.len(), 2);
}

#[test]
fn lacking_inputs_follow_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let all = load_all(
        &[
            file(dir.path(), "a.png", PNG),
            file(dir.path(), "b.pdf", PDF),
        ],
        Caps::default(),
    )
    .unwrap();
    let text = vec!["text".to_owned()];
    assert_eq!(lacking(&all, &text, true), vec![Kind::Image]);
    assert_eq!(lacking(&all, &text, false), vec![Kind::Image, Kind::Pdf]);
    let vision = vec!["text".to_owned(), "image".to_owned()];
    assert!(lacking(&all, &vision, true).is_empty());
    assert!(lacking(&all, &[], true).is_empty());
}

#[test]
fn a_message_with_attachments_goes_as_content_parts() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let mut m = Message::user("what is this?");
    m.attachments = load_all(
        &[
            file(dir.path(), "a.png", PNG),
            file(dir.path(), "b.pdf", PDF),
        ],
        Caps::default(),
    )
    .unwrap();
    let v = serde_json::to_value(WireMessage(&m)).unwrap();
    assert_eq!(v["role"], "user");
    assert_eq!(v["content"][0]["text"], "what is this?");
    let b64 = base64::engine::general_purpose::STANDARD;
    let url = v["content"][1]["image_url"]["url"].as_str().unwrap();
    let png = b64
        .decode(url.strip_prefix("data:image/png;base64,").unwrap())
        .unwrap();
    assert_eq!(png, PNG);
    assert_eq!(v["content"][2]["type"], "file");
    assert_eq!(v["content"][2]["file"]["filename"], "b.pdf");
    assert!(
        v["content"][2]["file"]["file_data"]
            .as_str()
            .unwrap()
            .starts_with("data:application/pdf;base64,")
    );
    // A plain message is exactly what it was; the session form keeps no bytes.
    let plain = Message::user("hi");
    assert_eq!(
        serde_json::to_value(WireMessage(&plain)).unwrap(),
        serde_json::to_value(&plain).unwrap()
    );
    let kept = serde_json::to_string(&m).unwrap();
    assert!(!kept.contains(&b64.encode(PDF)), "{kept}");
}

#[test]
fn pdf_engines_parse_and_name_their_plugin() {
    assert_eq!(PdfEngine::parse("text").unwrap().wire(), "cloudflare-ai");
    assert_eq!(PdfEngine::parse("pdf-text").unwrap(), PdfEngine::Text);
    assert_eq!(PdfEngine::parse("OCR").unwrap().wire(), "mistral-ocr");
    assert_eq!(
        PdfEngine::Native.plugin(),
        serde_json::json!({ "id": "file-parser", "pdf": { "engine": "native" } })
    );
    assert!(PdfEngine::parse("magic").unwrap_err().contains("native"));
}
