//! `modelroom models`: the catalog, listed and searched.

use std::process::ExitCode;

use crate::cli::UsageError;
use crate::cli::{GlobalArgs, ModelsArgs};
use crate::config::Config;
use crate::sanitize::{self, sanitize};
use crate::{catalog, connect};

pub(crate) async fn run(
    global: &GlobalArgs,
    config: &Config,
    config_path: Option<std::path::PathBuf>,
    args: ModelsArgs,
) -> Result<ExitCode, UsageError> {
    let conn = connect::connect(global, config, config_path).await?;
    if let Some(model) = args.endpoints.as_deref() {
        let listed = super::providers::list(&conn, model, args.json).await;
        conn.close().await;
        return listed;
    }
    let loaded = catalog::listing::load(
        conn.clients.default_client(),
        conn.cache.as_ref(),
        args.refresh,
    )
    .await;
    conn.close().await;
    let (catalog, source) = match loaded {
        Ok(l) => l,
        Err(e) => {
            // The error may quote the server's body: untrusted text.
            eprintln!("modelroom: {}", sanitize(&e.to_string(), " "));
            return Ok(ExitCode::FAILURE);
        }
    };
    let skipped = catalog.skipped;
    let index = catalog::Index::new(catalog);
    let query = args.query.as_deref().unwrap_or("");
    let rows = catalog::listing::select(&index, query, args.sort, args.free);
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let list: Vec<serde_json::Value> =
            rows.iter().map(|r| catalog::listing::json_row(r)).collect();
        sanitize::write_json_line(&mut out, &serde_json::Value::Array(list))
    } else if rows.is_empty() {
        Ok(())
    } else {
        catalog::listing::write_table(&mut out, &rows)
    };
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!(
                "modelroom: cannot write the list: {}",
                sanitize(&e.to_string(), " ")
            );
            return Ok(ExitCode::FAILURE);
        }
        _ => {}
    }
    let skipped = match skipped {
        0 => String::new(),
        n => format!(
            " · {n} malformed entr{} skipped",
            if n == 1 { "y" } else { "ies" }
        ),
    };
    eprintln!(
        "{} of {} models · {}{skipped}",
        rows.len(),
        index.len(),
        sanitize(&source.note(), " ")
    );
    if rows.is_empty() {
        eprintln!("no model matches `{}`", sanitize(query, " "));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
