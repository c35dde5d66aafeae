//! The room in a real pseudo-terminal (`script` from util-linux). Killed with SIGTERM or SIGHUP,
//! the terminal must come back as it was (alternate screen, bracketed paste and mouse off,
//! cursor shown) and the process must exit cleanly; killed with SIGKILL mid-stream, the session
//! on disk must hold everything up to the last save. The test answers the terminal queries
//! (device attributes, cursor position) the way a terminal emulator would. Nothing sleeps: every
//! wait is on the terminal's output arriving (a condition variable the reader thread signals),
//! bounded by a deadline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What the room has written to the terminal so far, and the signal that more arrived.
#[derive(Default)]
struct Output {
    bytes: Mutex<Vec<u8>>,
    grew: Condvar,
}

struct Pty {
    child: Child,
    output: Arc<Output>,
    _dir: tempfile::TempDir,
}

impl Pty {
    fn start(args: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        let bin = env!("CARGO_BIN_EXE_modelroom");
        // A background job's stdin is /dev/null unless redirected; the room needs the terminal.
        let line = format!(
            "stty rows 30 cols 120; '{bin}' {args} </dev/tty & echo PID=$!; wait $!; echo EXIT=$?"
        );
        let mut child = Command::new("script")
            .args(["-qfec", &line, "/dev/null"])
            .env("MODELROOM_CONFIG", dir.path().join("config.toml"))
            .env("MODELROOM_DATA", dir.path().join("data"))
            .env("TERM", "xterm-256color")
            .env_remove("OPENROUTER_API_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("`script` (util-linux) runs the room in a pseudo-terminal");
        let output = Arc::new(Output::default());
        let mut stdout = child.stdout.take().unwrap();
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.bytes.lock().unwrap().extend_from_slice(&buf[..n]);
                sink.grew.notify_all();
            }
        });
        Self {
            child,
            output,
            _dir: dir,
        }
    }

    fn text(&self) -> String {
        self.read().1
    }

    /// How many bytes the room has written, and them as text.
    fn read(&self) -> (usize, String) {
        let bytes = self.output.bytes.lock().unwrap();
        (bytes.len(), String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Blocks until the room writes more than the `seen` bytes, or `deadline` passes; returns
    /// how many bytes there are now.
    fn wait_for_output(&self, seen: usize, deadline: Instant) -> usize {
        let bytes = self.output.bytes.lock().unwrap();
        let left = deadline.saturating_duration_since(Instant::now());
        let (bytes, _) = self
            .output
            .grew
            .wait_timeout_while(bytes, left, |b| b.len() <= seen)
            .unwrap();
        bytes.len()
    }

    fn pid(&self) -> String {
        let text = self.text();
        text.split("PID=")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap()
            .to_owned()
    }

    fn sessions(&self) -> modelroom::store::SessionStore {
        modelroom::store::SessionStore::open(self._dir.path().join("data/sessions")).unwrap()
    }

    fn answer(&mut self, reply: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(reply.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for `needle` in the output, answering terminal queries on the way.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let (mut answered_da, mut answered_cpr) = (0, 0);
        loop {
            let (seen, text) = self.read();
            if text.contains(needle) {
                return text;
            }
            let da = text.matches("\x1b[c").count();
            if da > answered_da {
                answered_da = da;
                self.answer("\x1b[?62;22c");
            }
            let cpr = text.matches("\x1b[6n").count();
            if cpr > answered_cpr {
                answered_cpr = cpr;
                self.answer("\x1b[1;1R");
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?}; output so far: {text:?}"
            );
            self.wait_for_output(seen, deadline);
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn killed_with(signal: &str) {
    let mut pty = Pty::start("--demo");
    pty.wait_for("prompt →");
    let pid = pty.pid();
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let text = pty.wait_for("EXIT=");
    let exit = text
        .split("EXIT=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap();
    assert_eq!(exit, "0", "the room exits cleanly on SIG{signal}");
    let after = &text[text
        .rfind("\x1b[?1049h")
        .expect("entered the alternate screen")..];
    for (sequence, what) in [
        ("\x1b[?1049l", "leaves the alternate screen"),
        ("\x1b[?2004l", "turns bracketed paste off"),
        ("\x1b[?1000l", "turns mouse capture off"),
        ("\x1b[?25h", "shows the cursor"),
    ] {
        assert!(after.contains(sequence), "on SIG{signal} the room {what}");
    }
}

#[test]
fn sigterm_restores_the_terminal() {
    killed_with("TERM");
}

#[test]
fn sighup_restores_the_terminal() {
    killed_with("HUP");
}

/// Killed with SIGKILL while one pane streams: the finished answer is on disk, and the
/// streaming one is kept up to the last save and marked interrupted.
#[test]
fn sigkill_mid_stream_keeps_the_session_up_to_the_last_save() {
    use modelroom::store::{Finish, Turn};
    let mut pty = Pty::start("--demo -m demo/fast -m demo/slow");
    pty.wait_for("prompt →");
    pty.answer("tell me a story\r");
    let store = pty.sessions();
    // Wait until a periodic save holds part of the slow answer (the room saves every 2 s
    // while streaming), then kill without warning. The store is looked at again each time the
    // room draws: while an answer streams it draws (its text, its spinner) without pause.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = pty.read().0;
    let slow_text = |s: &modelroom::store::Session| match s.panes[1].turns.last() {
        Some(Turn::Assistant(a)) => a.content.len(),
        _ => 0,
    };
    let id = loop {
        let found = store
            .latest()
            .ok()
            .flatten()
            .and_then(|h| store.load(&h.id).ok());
        if let Some(s) = found.filter(|s| slow_text(s) > 0) {
            break s.id;
        }
        assert!(
            Instant::now() < deadline,
            "no save with partial text appeared"
        );
        seen = pty.wait_for_output(seen, deadline);
    };
    let status = Command::new("kill")
        .args(["-KILL", &pty.pid()])
        .status()
        .unwrap();
    assert!(status.success());
    pty.wait_for("EXIT=");
    let session = store
        .load(&id)
        .expect("the file is whole after SIGKILL (atomic writes)");
    assert_eq!(session.panes.len(), 2);
    for pane in &session.panes {
        assert!(
            matches!(&pane.turns[0], Turn::User { content, .. } if content.contains("tell me a story"))
        );
    }
    let Turn::Assistant(fast) = &session.panes[0].turns[1] else {
        panic!("fast answered")
    };
    assert_eq!(fast.finish, Finish::Complete);
    assert!(fast.cost_usd.unwrap_or(0.0) > 0.0);
    let Turn::Assistant(slow) = &session.panes[1].turns[1] else {
        panic!("slow answer saved")
    };
    assert_eq!(slow.finish, Finish::Interrupted);
    assert!(!slow.content.is_empty());
}

/// Set in the child process that `a_panic_on_any_thread_ends_the_process` starts.
const PANIC_CHILD: &str = "MODELROOM_TEST_PANIC_CHILD";

/// Not a test on its own: the child process of the test below (this test binary run again
/// with `PANIC_CHILD` set). It installs the room's panic hook, panics on another thread, as a
/// stream task would, and would exit 0 if the process outlived the panic.
#[test]
fn panicking_child() {
    if std::env::var_os(PANIC_CHILD).is_none() {
        return;
    }
    modelroom::runtime::terminal::install_panic_hook();
    let _ = std::thread::spawn(|| panic!("boom in a background task")).join();
    std::process::exit(0);
}

#[test]
fn a_panic_on_any_thread_ends_the_process() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "panicking_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PANIC_CHILD, "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("boom in a background task"), "{stderr}");
    assert_eq!(out.status.code(), Some(101), "{stderr}");
}
