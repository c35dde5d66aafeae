//! `modelroom simulate`: the simulated gateway on 127.0.0.1, until Ctrl+C.

use std::process::ExitCode;

use crate::cli::SimulateArgs;
use crate::cli::UsageError;
use crate::sim;

pub(crate) async fn run(args: SimulateArgs) -> Result<ExitCode, UsageError> {
    if !(args.time_scale >= 0.0 && args.time_scale.is_finite()) {
        return Err(UsageError("--time-scale must be 0 or more".into()));
    }
    let opts = sim::SimOptions {
        api_key: args.key.clone(),
        balance_usd: args.balance,
        time_scale: args.time_scale,
        ..sim::SimOptions::default()
    };
    let handle = sim::start(args.port, opts)
        .await
        .map_err(|e| UsageError(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    println!("simulated gateway listening on {}", handle.base_url());
    println!(
        "models: {} (and more: GET {}/models)",
        sim::DEFAULT_DEMO_MODELS.join(", "),
        handle.base_url()
    );
    match &args.key {
        Some(_) => println!("accepting only the key given with --key"),
        None => println!("accepting any non-empty API key"),
    }
    println!("press Ctrl+C to stop");
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
