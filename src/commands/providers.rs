//! A model's providers from the command line: `modelroom models --endpoints ID` lists them,
//! and `ask --providers all|tag,…` turns each asked model into one pane per provider, pinned
//! (`provider.only = [tag]`, `allow_fallbacks: false`) so every pane is served by the one it
//! names: the provider shoot-out.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::api::{ModelEndpoints, Percentiles, ProviderEndpoint};
use crate::cli::UsageError;
use crate::connect::Connection;
use crate::model::ModelRef;
use crate::pane_settings::PaneSpec;
use crate::sanitize::{self, sanitize};

/// The providers of `model`, or why there are none to show (missing, empty or malformed
/// answers are errors that say so).
pub(crate) async fn fetch(
    conn: &Connection,
    model: &ModelRef,
) -> Result<ModelEndpoints, UsageError> {
    if !conn.openrouter() {
        return Err(UsageError(
            "providers are listed only by OpenRouter (and --demo): this server speaks the \
             plain OpenAI dialect"
                .into(),
        ));
    }
    if !model.on_default() {
        return Err(UsageError(format!(
            "`{model}` is on another endpoint: only OpenRouter models have providers to list"
        )));
    }
    let id = crate::routing::split_variant(model.id()).0;
    let listed = conn
        .clients
        .default_client()
        .endpoints(id)
        .await
        .map_err(|e| UsageError(format!("cannot list the providers of {id}: {e}")))?;
    if listed.endpoints.is_empty() {
        let skipped = match listed.skipped {
            0 => String::new(),
            n => format!(" ({n} unreadable entries skipped)"),
        };
        return Err(UsageError(format!(
            "the gateway lists no provider for {id}{skipped}"
        )));
    }
    Ok(listed)
}

/// Each pane of `panes` becomes one pane per provider picked by `wanted` (`all`, or tags),
/// pinned to it. A tag a model lacks is refused with the tags it has.
pub(crate) async fn expand(
    conn: &Connection,
    panes: Vec<PaneSpec>,
    wanted: &[String],
) -> Result<Vec<PaneSpec>, UsageError> {
    let mut out = Vec::new();
    for pane in panes {
        let listed = fetch(conn, &pane.model).await?;
        for ep in listed.pick(wanted).map_err(UsageError)? {
            let mut pinned = pane.clone();
            pinned.routing.push(("only".into(), ep.tag.clone()));
            pinned
                .routing
                .push(("allow_fallbacks".into(), "false".into()));
            pinned.pinned = Some((ep.tag.clone(), ep.title()));
            out.push(pinned);
        }
    }
    Ok(out)
}

/// `modelroom models --endpoints ID`.
pub(crate) async fn list(
    conn: &Connection,
    model: &str,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let model = ModelRef::parse(model).map_err(|e| UsageError(format!("--endpoints: {e}")))?;
    let listed = fetch(conn, &model).await?;
    let mut out = io::stdout().lock();
    let written = if json {
        let list = serde_json::to_value(&listed.endpoints).unwrap_or_default();
        sanitize::write_json_line(&mut out, &list)
    } else {
        write_table(&mut out, &listed)
    };
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!(
                "modelroom: cannot write the list: {}",
                sanitize(&e.to_string(), " ")
            );
            return Ok(ExitCode::FAILURE);
        }
        _ => {}
    }
    if listed.skipped > 0 {
        eprintln!("{} unreadable provider entries skipped", listed.skipped);
    }
    Ok(ExitCode::SUCCESS)
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

fn p50(p: Option<Percentiles>) -> Option<f64> {
    p.and_then(|p| p.p50)
}

/// One row per provider: tag, provider, quantization, context, prices per million tokens,
/// uptime, latency and throughput at p50, status.
pub(crate) fn write_table(out: &mut dyn Write, listed: &ModelEndpoints) -> io::Result<()> {
    let row = |e: &ProviderEndpoint| -> Vec<String> {
        let (pin, pout) = e.per_million();
        vec![
            sanitize(&e.tag, " "),
            sanitize(&e.provider_name, " "),
            sanitize(e.quantization.as_deref().unwrap_or("-"), " "),
            e.context_length
                .map_or_else(|| "-".into(), |c| c.to_string()),
            num(pin, 2),
            num(pout, 2),
            e.uptime_last_30m
                .map_or_else(|| "-".into(), |u| format!("{u:.1}%")),
            num(p50(e.latency_last_30m), 2),
            num(p50(e.throughput_last_30m), 0),
            match e.status {
                Some(0) | None => "ok".into(),
                Some(s) => format!("trouble ({s})"),
            },
        ]
    };
    let head: Vec<String> = [
        "tag",
        "provider",
        "quant",
        "context",
        "$/M in",
        "$/M out",
        "uptime",
        "latency s",
        "tok/s",
        "status",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let rows: Vec<Vec<String>> = std::iter::once(head)
        .chain(listed.endpoints.iter().map(row))
        .collect();
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| {
            rows.iter()
                .map(|r| crate::text::width_of(&r[c]))
                .max()
                .unwrap_or(0)
        })
        .collect();
    writeln!(out, "Providers of {}", sanitize(&listed.model, " "))?;
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| {
                let pad = w.saturating_sub(crate::text::width_of(cell));
                format!("{cell}{}", " ".repeat(pad))
            })
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}
