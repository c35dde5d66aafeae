//! `modelroom sessions …`: saved sessions from the shell. `list`, `show`, `export` (of one
//! session, or several side by side) and `rm` read the store only; `rerun` (in `rerun.rs`) asks the saved prompts again of other models.
//! The renderings live beside them (`text`, `markdown`, `html`), all built on `rounds`.

pub mod html;
mod json;
pub mod markdown;
pub mod panes;
pub mod rerun;
mod rich;
pub mod rounds;
pub mod search;
pub mod side;
pub mod text;
pub mod votes;

use std::io::Write;
use std::path::Path;

use serde_json::json;

use crate::store::{Listing, Session, SessionStore, StoreError};
use crate::text::{fit, width_of};

/// Why a sessions command did not do what was asked. `Usage` (exit 2): the request itself was
/// wrong (an unknown id). `Failed` (exit 1): the session or the disk would not cooperate.
#[derive(Debug)]
pub enum SessionsError {
    Usage(String),
    Failed(String),
    /// Standard output was closed (`| head`): the reader's choice, not a failure.
    Closed,
}

impl std::fmt::Display for SessionsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Usage(m) | Self::Failed(m) => f.write_str(m),
            Self::Closed => f.write_str("standard output was closed"),
        }
    }
}

impl From<std::io::Error> for SessionsError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::Closed
        } else {
            Self::Failed(format!("cannot write the output: {e}"))
        }
    }
}

impl From<StoreError> for SessionsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(id) if id == "latest" => {
                Self::Usage("no saved session yet: sessions are saved as you use the room".into())
            }
            StoreError::NotFound(id) => Self::Usage(format!(
                "no session `{}`: `modelroom sessions list` shows the saved ones",
                crate::sanitize::sanitize(&id, " ")
            )),
            e @ StoreError::Ambiguous { .. } => Self::Usage(e.to_string()),
            e => Self::Failed(e.to_string()),
        }
    }
}

/// Loads the session a person named (id, unique start of one, or `latest`).
/// What `sessions export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
    Html,
}

pub fn load(store: &SessionStore, query: &str) -> Result<Session, SessionsError> {
    let id = store.resolve(query)?;
    store.load(&id).map_err(|e| match e {
        e @ StoreError::NotFound(_) => SessionsError::from(e),
        e => SessionsError::Failed(format!("session `{id}` cannot be opened: {}", e.reason())),
    })
}

/// Opens the session a person named for a room (`--resume`): claimed for it, or a copy when
/// another room has it open (`Opened::note` says so).
pub fn open_for_room(
    store: &SessionStore,
    query: &str,
) -> Result<crate::store::Opened, SessionsError> {
    let id = store.resolve(query)?;
    store.open_for_room(&id).map_err(|e| match e {
        e @ StoreError::NotFound(_) => SessionsError::from(e),
        e => SessionsError::Failed(format!("session `{id}` cannot be opened: {}", e.reason())),
    })
}

/// `sessions list`: a table, or JSON lines. Damaged files are listed with their reason.
pub fn list(store: &SessionStore, json: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let listing = match store.list() {
        Ok(l) => l,
        Err(e) => {
            // An unreadable directory is worth saying; an absent one is just "nothing yet".
            writeln!(out, "{e}")?;
            return Ok(());
        }
    };
    if json {
        for l in &listing {
            let value = match l {
                Listing::Ok(h) => json!({
                    "id": h.id,
                    "title": h.title,
                    "created_at": h.created_at,
                    "updated_at": h.updated_at,
                    "models": h.shown_models(),
                    "prompts": h.totals.prompts,
                    "answers": h.totals.answers,
                    "cost": h.totals.cost_usd,
                    "uncosted_answers": h.totals.uncosted_answers,
                    "damaged": false,
                }),
                Listing::Damaged { id, path, reason } => json!({
                    "id": id,
                    "path": path,
                    "damaged": true,
                    "reason": reason,
                }),
            };
            writeln!(out, "{value}")?;
        }
        return Ok(());
    }
    if listing.is_empty() {
        writeln!(
            out,
            "no saved sessions yet in {} (the room saves every session as you go)",
            store.dir().display()
        )?;
        return Ok(());
    }
    let rows: Vec<[String; 6]> = listing.iter().map(row).collect();
    let headers = ["ID", "TITLE", "UPDATED", "MODELS", "PROMPTS", "SPEND"];
    // Damaged rows carry one long reason; they do not set the column widths.
    let widths: Vec<usize> = (0..6)
        .map(|c| {
            rows.iter()
                .zip(&listing)
                .filter(|(_, l)| matches!(l, Listing::Ok(_)))
                .map(|(r, _)| r)
                .map(|r| width_of(&r[c]))
                .chain([headers[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String; 6]| {
        let mut s = String::new();
        for (c, cell) in cells.iter().enumerate() {
            s.push_str(cell);
            if c + 1 < cells.len() {
                let pad = widths[c].saturating_sub(width_of(cell));
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.trim_end().to_owned()
    };
    let damaged = |cells: &[String; 6]| format!("{}  {}", cells[0], cells[1]);
    writeln!(out, "{}", line(&headers.map(str::to_owned)))?;
    for (r, l) in rows.iter().zip(&listing) {
        match l {
            Listing::Ok(_) => writeln!(out, "{}", line(r))?,
            Listing::Damaged { .. } => writeln!(out, "{}", damaged(r))?,
        }
    }
    Ok(())
}

fn row(l: &Listing) -> [String; 6] {
    let one_line = |s: &str| {
        let s = crate::sanitize::sanitize(s, " ");
        fit(&s.split_whitespace().collect::<Vec<_>>().join(" "), 40)
    };
    match l {
        Listing::Ok(h) => [
            h.id.clone(),
            one_line(&h.title),
            rounds::short_time(&h.updated_at),
            one_line(&h.shown_models().join(", ")),
            h.totals.prompts.to_string(),
            rounds::spend(h.totals.cost_usd, h.totals.uncosted_answers),
        ],
        Listing::Damaged { id, reason, .. } => [
            id.clone(),
            format!("DAMAGED: {}", crate::sanitize::sanitize(reason, " ")),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
    }
}

/// `sessions export`: the rendering of one session, or of several side by side, to `output`
/// (atomically, mode 0600: the file is whole or absent) or to `out`.
pub fn export(
    sessions: &[Session],
    format: ExportFormat,
    output: Option<&Path>,
    out: &mut dyn Write,
    blobs: Option<&crate::store::Blobs>,
) -> Result<(), SessionsError> {
    let body = match format {
        ExportFormat::Md => markdown::markdown_linking(sessions, blobs),
        ExportFormat::Html => html::html_many(sessions),
        ExportFormat::Json => json::json(sessions)
            .map_err(|e| SessionsError::Failed(format!("cannot encode the session: {e}")))?,
    };
    match output {
        Some(path) => crate::store::write_atomic(path, |w| w.write_all(body.as_bytes()))
            .map_err(|e| SessionsError::Failed(format!("cannot write {}: {e}", path.display()))),
        None => Ok(out.write_all(body.as_bytes())?),
    }
}

/// `sessions rm`: by full id only, so a typo cannot delete the wrong session.
/// The stored files the session alone named go with it; a file that stays or could not be
/// removed is said on standard error (the returned lines), and the delete stands.
pub fn remove(store: &SessionStore, id: &str) -> Result<(String, Vec<String>), SessionsError> {
    let session = store.load(id).ok();
    let title = session.as_ref().map(|s| s.title.clone());
    match store.remove(id) {
        Ok(()) => {}
        Err(StoreError::NotFound(_)) => {
            return Err(match store.resolve(id) {
                Ok(full) => SessionsError::Usage(format!(
                    "no session `{id}`; did you mean {full}? (rm takes the full id)"
                )),
                Err(_) => SessionsError::from(StoreError::NotFound(id.to_owned())),
            });
        }
        Err(e) => return Err(e.into()),
    }
    let released = session.map_or_else(Default::default, |s| store.blobs().release(&s, store));
    let files = match released.removed {
        0 => String::new(),
        1 => " and 1 stored attachment".to_owned(),
        n => format!(" and {n} stored attachments"),
    };
    let msg = match title {
        Some(t) => format!(
            "removed {id} ({}){files}",
            crate::sanitize::sanitize(&t, " ")
        ),
        None => format!("removed {id}{files}"),
    };
    Ok((msg, released.problems))
}

/// A pane as exports head it: its model, and its own settings when it has any
/// (`demo/thinker {T0.2 · effort high}`), so panes of one model can be told apart.
pub(crate) fn pane_title(pane: &crate::store::PaneRecord) -> String {
    if pane.settings.is_default() {
        pane.model.clone()
    } else {
        format!("{} {{{}}}", pane.model, pane.settings.label())
    }
}
