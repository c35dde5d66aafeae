//! Diagnostics go to a log file in the data directory, never to the terminal (the TUI owns
//! it). Off unless `MODELROOM_LOG` names a level or filter (e.g. `debug`).

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

/// The data directory: `MODELROOM_DATA`, else the platform's (e.g. ~/.local/share/modelroom).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MODELROOM_DATA").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "modelroom").map(|d| d.data_dir().to_path_buf())
}

/// Creates a private directory (0700 on Unix) if it is missing.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Starts file logging when `MODELROOM_LOG` is set; returns the log path.
pub fn init() -> Option<PathBuf> {
    let filter = std::env::var("MODELROOM_LOG")
        .ok()
        .filter(|f| !f.is_empty())?;
    let dir = data_dir()?;
    create_private_dir(&dir).ok()?;
    let path = dir.join("modelroom.log");
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path).ok()?;
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    Some(path)
}
