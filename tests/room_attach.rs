//! Attachments in the room, driven through `update` with keys and pastes: the path prompt and
//! its Tab completion, a pasted path offered (not silently taken), chips that can be removed,
//! panes whose model cannot take a file flagged before sending with the person asked, the
//! estimate counting images and pages, and files refused by name. The disk work the room asks
//! of the runtime (`Effect::LoadAttachment`, `CompletePath`, `CheckPaste`) is done here by the
//! same functions the runtime calls.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::drive::{self, key, press, type_text};
use common::{draw_sized, rows};
use modelroom::api::ChatRequest;
use modelroom::app::{Action, App, Effect, Overlay, Settings, update};
use modelroom::attach::{self, Caps, Kind};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-a-small-chart";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type /Page>>\n2 0 obj<</Type /Page>>\ntrailer\n";

fn room(settings: Settings) -> App {
    let mut app = drive::room(
        &["demo/fast", "demo/thinker", "demo/coder"],
        settings,
        160,
        40,
    );
    drive::load_demo_catalog(&mut app, 1_790_000_000);
    app
}

fn screen(app: &App) -> String {
    rows(&draw_sized(app, 160, 40)).join("\n")
}

/// Does the disk work `fx` asks for, as the runtime would, until none is left; returns the
/// other effects (streams started).
fn perform(app: &mut App, fx: Vec<Effect>) -> Vec<Effect> {
    let mut rest = Vec::new();
    let mut queue = fx;
    while !queue.is_empty() {
        let mut next = Vec::new();
        for e in queue {
            let action = match e {
                Effect::LoadAttachment { typed, path, cap } => Action::AttachmentLoaded {
                    typed,
                    result: attach::load(&path, cap),
                },
                Effect::CompletePath(input) => Action::PathCompleted {
                    completion: attach::paths::complete(&input),
                    input,
                },
                Effect::CheckPaste { pasted, path } if path.is_file() => {
                    Action::PastedFile { pasted, path }
                }
                Effect::CheckPaste { .. } => continue,
                other => {
                    rest.push(other);
                    continue;
                }
            };
            next.extend(update(app, action));
        }
        queue = next;
    }
    rest
}

fn alt_f(app: &mut App) -> Vec<Effect> {
    press(app, KeyCode::Char('f'), KeyModifiers::ALT)
}

fn chats(fx: Vec<Effect>) -> Vec<ChatRequest> {
    drive::started(fx).into_iter().map(|(_, _, c)| c).collect()
}

#[test]
fn alt_f_tab_completes_a_path_and_the_file_becomes_a_chip_flagged_where_it_cannot_go() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chart.png"), PNG).unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"hello").unwrap();
    let mut app = room(Settings::default());
    alt_f(&mut app);
    assert!(matches!(app.overlay, Overlay::AttachPath(_)));
    assert!(screen(&app).contains("attach a file"));
    type_text(&mut app, &format!("{}/ch", dir.path().display()));
    let fx = key(&mut app, KeyCode::Tab);
    assert!(matches!(&fx[..], [Effect::CompletePath(_)]), "{fx:?}");
    perform(&mut app, fx);
    let Overlay::AttachPath(p) = &app.overlay else {
        panic!("the prompt stays open")
    };
    assert_eq!(
        p.input.text(),
        format!("{}/chart.png", dir.path().display())
    );
    let fx = key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(app.attached.loading.len(), 1, "read off the UI thread");
    perform(&mut app, fx);
    assert_eq!(app.attached.files.len(), 1);
    assert_eq!(app.attached.files[0].kind, Kind::Image);
    let shown = screen(&app);
    assert!(
        // (the clip is two columns wide: the screen's text has a space after it)
        shown.contains(&format!("chart.png {} B  (", PNG.len())),
        "{shown}"
    );
    // Pane 3's model takes text only: it says so before anything is sent.
    assert!(
        shown.contains("demo/coder does not take image input"),
        "{shown}"
    );
    assert!(app.panes[2].cannot_take.is_some());
    assert!(app.panes[0].cannot_take.is_none() && app.panes[1].cannot_take.is_none());
    // Alt+Shift+F takes it off again, and the flag goes with it.
    press(&mut app, KeyCode::Char('F'), KeyModifiers::ALT);
    assert!(app.attached.files.is_empty());
    assert!(app.panes[2].cannot_take.is_none());
    assert!(!screen(&app).contains("removes the last"));
}

#[test]
fn a_pasted_path_is_offered_and_taken_only_when_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("paper.pdf");
    std::fs::write(&pdf, PDF).unwrap();
    let mut app = room(Settings::default());
    type_text(&mut app, "read ");
    let fx = update(&mut app, Action::Paste(format!("'{}'", pdf.display())));
    // The paste is text until the person says otherwise.
    assert!(app.prompt.text().contains("paper.pdf"));
    perform(&mut app, fx);
    assert!(matches!(app.overlay, Overlay::AttachOffer(_)));
    assert!(screen(&app).contains("attach the pasted file?"));
    // Esc keeps it as text.
    key(&mut app, KeyCode::Esc);
    assert!(app.attached.files.is_empty());
    assert!(app.prompt.text().contains("paper.pdf"));
    // Pasted again and accepted: the file replaces the pasted text.
    app.prompt.clear();
    type_text(&mut app, "read ");
    let fx = update(&mut app, Action::Paste(pdf.display().to_string()));
    perform(&mut app, fx);
    let fx = key(&mut app, KeyCode::Enter);
    perform(&mut app, fx);
    assert_eq!(app.prompt.text(), "read ");
    assert_eq!(app.attached.files.len(), 1);
    assert_eq!(app.attached.files[0].mime, "application/pdf");
    // A pasted path to no file, or to prose, stays text with nothing asked.
    let fx = update(&mut app, Action::Paste("/no/such/chart.png".into()));
    perform(&mut app, fx);
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn panes_that_cannot_take_a_file_are_left_out_only_when_the_person_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let (png, pdf) = (dir.path().join("chart.png"), dir.path().join("paper.pdf"));
    std::fs::write(&png, PNG).unwrap();
    std::fs::write(&pdf, PDF).unwrap();
    let mut app = room(Settings::default());
    for path in [&png, &pdf] {
        alt_f(&mut app);
        type_text(&mut app, &path.display().to_string());
        let fx = key(&mut app, KeyCode::Enter);
        perform(&mut app, fx);
    }
    assert_eq!(app.attached.files.len(), 2);
    type_text(&mut app, "what do these show?");
    // The estimate counts the files (a guess, said so) and names the pane left out.
    let shown = screen(&app);
    assert!(
        shown.contains("with 1 image · 1 PDF ≈2 pages (≈ tokens)"),
        "{shown}"
    );
    assert!(shown.contains("✗ pane 3 cannot take them"), "{shown}");
    // Enter asks; Esc cancels and nothing is sent or lost.
    let fx = key(&mut app, KeyCode::Enter);
    assert!(drive::started(fx).is_empty());
    assert!(matches!(app.overlay, Overlay::AttachConfirm(_)));
    let asked = screen(&app);
    assert!(
        asked.contains("pane 3: demo/coder does not take image input"),
        "{asked}"
    );
    assert!(
        asked.contains("Enter sends to the other 2 panes only"),
        "{asked}"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.prompt.text(), "what do these show?");
    assert_eq!(app.attached.files.len(), 2);
    assert!(app.panes.iter().all(|p| p.entries.is_empty()));
    // Asked again and agreed: the two that can answer are sent both files.
    key(&mut app, KeyCode::Enter);
    let sent = chats(key(&mut app, KeyCode::Enter));
    assert_eq!(sent.len(), 2);
    for chat in &sent {
        let last = chat.messages.last().unwrap();
        assert_eq!(last.content, "what do these show?");
        let kinds: Vec<Kind> = last.attachments.iter().map(|a| a.kind).collect();
        assert_eq!(kinds, vec![Kind::Image, Kind::Pdf]);
        assert_eq!(*last.attachments[0].data, PNG);
    }
    assert!(app.panes[2].entries.is_empty());
    let note = app.panes[2].note.as_ref().unwrap();
    assert!(note.contains("not sent the last prompt"), "{note}");
    // The chips went with the prompt; the prompt shows them in the panes that got it.
    assert!(app.attached.files.is_empty());
    assert!(screen(&app).contains(&format!("chart.png {} B", PNG.len())));
}

#[test]
fn follow_ups_carry_the_earlier_files_and_a_focused_send_to_a_text_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("chart.png");
    std::fs::write(&png, PNG).unwrap();
    let mut app = drive::room(&["demo/fast", "demo/coder"], Settings::default(), 120, 30);
    drive::load_demo_catalog(&mut app, 1_790_000_000);
    alt_f(&mut app);
    type_text(&mut app, &png.display().to_string());
    let fx = key(&mut app, KeyCode::Enter);
    perform(&mut app, fx);
    // Focused on pane 2 (text only): nothing can go, and it says why.
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "describe it");
    let fx = press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(drive::started(fx).is_empty());
    let notice = app.notice.as_ref().unwrap().text.to_string();
    assert!(
        notice.contains("no pane asked can take the attachments"),
        "{notice}"
    );
    assert_eq!(app.attached.files.len(), 1);
    // To pane 1, then a follow-up: the image goes again with the history.
    key(&mut app, KeyCode::BackTab);
    let live = drive::started(press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert_eq!(live.len(), 1);
    let one = (live[0].0, live[0].1);
    common::ev(
        &mut app,
        one,
        common::StreamEvent::Content("A bar chart.".into()),
    );
    common::finish(&mut app, one, common::usage());
    type_text(&mut app, "and the colours?");
    let sent = chats(press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL));
    let first = &sent[0].messages[sent[0].messages.len() - 3];
    assert_eq!(first.content, "describe it");
    assert_eq!(first.attachments.len(), 1);
    assert!(sent[0].messages.last().unwrap().attachments.is_empty());
}

#[test]
fn files_are_refused_by_name_and_the_cap_per_prompt_holds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fake.png"), PDF).unwrap();
    std::fs::write(dir.path().join("a.png"), PNG).unwrap();
    std::fs::write(dir.path().join("b.pdf"), PDF).unwrap();
    let settings = Settings {
        attach_caps: Caps {
            per_file: 1024,
            per_prompt: 40,
        },
        ..Settings::default()
    };
    let mut app = room(settings);
    for (name, says) in [
        ("missing.png", "no such file"),
        (".", "it is a directory"),
        (
            "fake.png",
            "its name says image/png but its content is application/pdf",
        ),
    ] {
        alt_f(&mut app);
        type_text(&mut app, &dir.path().join(name).display().to_string());
        let fx = key(&mut app, KeyCode::Enter);
        perform(&mut app, fx);
        let notice = app.notice.as_ref().unwrap().text.to_string();
        assert!(notice.contains(says) && notice.contains(name), "{notice}");
        assert!(app.attached.is_empty());
    }
    for name in ["a.png", "b.pdf"] {
        alt_f(&mut app);
        type_text(&mut app, &dir.path().join(name).display().to_string());
        let fx = key(&mut app, KeyCode::Enter);
        perform(&mut app, fx);
    }
    let notice = app.notice.as_ref().unwrap().text.to_string();
    assert!(
        notice.contains("b.pdf") && notice.contains("over the cap of 40 B per prompt"),
        "{notice}"
    );
    assert_eq!(app.attached.files.len(), 1);
}

#[test]
fn the_estimate_adds_each_models_image_fee_and_the_guessed_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("chart.png");
    std::fs::write(&png, PNG).unwrap();
    let mut app = room(Settings::default());
    let before = modelroom::app::money::estimate(&app, &[1], "hello").max;
    alt_f(&mut app);
    type_text(&mut app, &png.display().to_string());
    let fx = key(&mut app, KeyCode::Enter);
    perform(&mut app, fx);
    let after = modelroom::app::money::estimate(&app, &[1], "hello").max;
    // demo/thinker: $0.001 an image in its catalog entry, and the image's tokens at its
    // prompt price.
    let entry = drive::demo_index();
    let pricing = entry.catalog.pricing("demo/thinker").unwrap();
    assert_eq!(pricing.image, Some(0.001));
    let tokens = attach::estimate::IMAGE_TOKENS as f64 * pricing.prompt.unwrap();
    let added = after.as_usd() - before.as_usd();
    assert!((added - (0.001 + tokens)).abs() < 1e-9, "{added}");
}

#[test]
fn the_estimate_adds_ocrs_page_fee_for_a_pane_that_reads_pdfs_by_ocr() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("scan.pdf");
    std::fs::write(&pdf, PDF).unwrap();
    let mut app = room(Settings {
        pdf_engine: Some(modelroom::api::PdfEngine::Text),
        ..Settings::default()
    });
    alt_f(&mut app);
    type_text(&mut app, &pdf.display().to_string());
    let fx = key(&mut app, KeyCode::Enter);
    perform(&mut app, fx);
    let text = modelroom::app::money::estimate(&app, &[0], "hello");
    assert_eq!(text.ocr_fee, modelroom::chat::Cost::ZERO);
    // Pane 1 reads its PDFs by OCR: two pages at $2 per 1,000, shown apart.
    app.panes[0].settings.pdf = Some(modelroom::api::PdfEngine::Ocr);
    let ocr = modelroom::app::money::estimate(&app, &[0], "hello");
    let added = ocr.max.as_usd() - text.max.as_usd();
    assert!((added - 0.004).abs() < 1e-9, "{added}");
    assert!((ocr.ocr_fee.as_usd() - 0.004).abs() < 1e-9);
    type_text(&mut app, "hello");
    let screen = screen(&app);
    assert!(screen.contains("OCR ≈$0.004 of it"), "{screen}");
}
