//! The real terminal: raw mode, alternate screen, bracketed paste, mouse, and (where the
//! terminal supports it) disambiguated keys so Shift+Enter can be told from Enter. Whatever
//! happens (quit, error, panic, SIGTERM, SIGHUP) `restore` puts the terminal back.

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use ratatui::Terminal;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    supports_keyboard_enhancement,
};
use ratatui::crossterm::{cursor, execute};

static ENHANCED_KEYS: AtomicBool = AtomicBool::new(false);
static ACTIVE: AtomicBool = AtomicBool::new(false);

pub type Tui = Terminal<super::Screen<BufWriter<Stdout>>>;

/// A frame is written to the terminal in one piece, at its end (ratatui flushes the backend
/// after each draw). Straight to `Stdout`, every escape sequence and cell took its lock, and
/// its line buffer went out about every kilobyte: some twenty writes a frame at 8 panes, each
/// waking the terminal to read a part of a frame while this one was still being drawn.
const FRAME_BUFFER: usize = 256 * 1024;

/// Takes over the terminal. If any step fails, what was already changed is put back.
pub fn enter() -> io::Result<Tui> {
    install_panic_hook();
    let result = setup();
    if result.is_err() {
        restore();
    }
    result
}

fn setup() -> io::Result<Tui> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        EnableMouseCapture
    )?;
    if supports_keyboard_enhancement().unwrap_or(false) {
        execute!(
            out,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        )?;
        ENHANCED_KEYS.store(true, Ordering::SeqCst);
    }
    let mut term = Terminal::new(super::Screen::new(BufWriter::with_capacity(
        FRAME_BUFFER,
        out,
    )))?;
    term.clear()?;
    Ok(term)
}

/// Puts the terminal back as it was. Safe to call twice and from a panic.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if ENHANCED_KEYS.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// From now on a panic on any thread restores the terminal, reports, and ends the process.
/// Ending it matters: a panic in a background task would otherwise leave the loop running on
/// a terminal no longer in raw mode, where no key (Ctrl+Q included) reaches it. What was
/// saved stays saved; answers that were streaming are found *interrupted* on the next start.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        std::process::exit(101);
    }));
}

/// Writes `text` to the clipboard through the terminal (OSC 52), which also works over SSH.
pub fn osc52_copy(text: &str) {
    let mut out = io::stdout();
    let _ = out.write_all(osc52(text).as_bytes());
    let _ = out.flush();
}

/// The OSC 52 sequence that puts `text` on the clipboard, its lines ending in `\n` as the
/// answer's do (a pasted `\r\n` shows as `^M` in editors and shells).
fn osc52(text: &str) -> String {
    let clean = crate::sanitize::sanitize(text, "\t");
    let encoded = base64::engine::general_purpose::STANDARD.encode(clean.replace("\r\n", "\n"));
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    #[test]
    fn copies_keep_newline_line_endings() {
        let seq = super::osc52("one\ntwo\r\nthree\n");
        let body = seq
            .strip_prefix("\x1b]52;c;")
            .and_then(|s| s.strip_suffix('\x07'))
            .unwrap();
        let text = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), "one\ntwo\nthree\n");
    }
}
