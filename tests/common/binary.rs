//! The built binary run as a user runs it, on a config file and a data directory of its own,
//! with no key and no log filter taken from the shell that runs the tests.

use std::path::PathBuf;
use std::process::{Output, Stdio};

use modelroom::store::SessionStore;
use tokio::process::Command;

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    /// An empty config file: every setting at its default.
    pub fn new() -> Self {
        Self::with_config("")
    }

    pub fn with_config(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Self { dir }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Where the binary looks for sessions, so a test can lay some down before running it.
    pub fn store(&self) -> SessionStore {
        SessionStore::open(self.data().join("sessions")).unwrap()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_modelroom"));
        c.args(args)
            .env("MODELROOM_CONFIG", self.config())
            .env("MODELROOM_DATA", self.data())
            .env_remove("OPENROUTER_API_KEY")
            .env_remove("MODELROOM_LOG")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        c
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().await.unwrap()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
