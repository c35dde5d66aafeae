//! `ask` in a real pseudo-terminal (`script` from util-linux, as in `terminal.rs`): a live
//! progress line per model on stderr, and the answers fastest first. The run ends by itself;
//! nothing sleeps, the test reads the terminal until `script` exits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

#[test]
fn on_a_terminal_ask_shows_progress_and_prints_the_fastest_answer_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let bin = env!("CARGO_BIN_EXE_modelroom");
    // Named slowest first: on a terminal the fast one must still print first.
    let line = format!("stty rows 30 cols 120; '{bin}' --demo ask -m demo/slow -m demo/fast hi");
    let out = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .env("MODELROOM_CONFIG", dir.path().join("config.toml"))
        .env("MODELROOM_DATA", dir.path().join("data"))
        .env("TERM", "xterm-256color")
        .env_remove("OPENROUTER_API_KEY")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("`script` (util-linux) runs ask in a pseudo-terminal");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    // At least one redraw came while demo/slow was still out: after demo/fast finished.
    assert!(text.contains("\x1b[2Kdone       demo/fast"), "{text:?}");
    assert!(
        text.contains("\x1b[2Kwaiting    demo/slow")
            || text.contains("\x1b[2Kstreaming  demo/slow"),
        "{text:?}"
    );
    let fast = text.find("━━ demo/fast ━━").expect("the fast answer");
    let slow = text.find("━━ demo/slow ━━").expect("the slow answer");
    assert!(fast < slow, "{text:?}");
    // The progress is wiped before each answer, and nothing is drawn after the last one.
    assert!(text[..slow].ends_with("\x1b[J"), "{text:?}");
    assert!(!text[slow..].contains('\x1b'), "{text:?}");
    assert!(text[slow..].contains("total:"), "{text:?}");
}
