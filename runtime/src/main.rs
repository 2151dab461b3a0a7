//! Command-line entry point: `serve` (the default) runs the HTTP API, `worker` runs only the workers
//! of the Redis queue, `demo` drives a scripted scene.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use runtime::app::{App, Role, StartError};
use runtime::config::Config;
use runtime::{api, demo, telemetry};

/// How often ready planned actions older than `PLAN_MAX_AGE` are marked expired.
const EXPIRY_INTERVAL: Duration = Duration::from_secs(60);
/// Age after which a ready planned action no longer fits the scene.
const PLAN_MAX_AGE: Duration = Duration::from_secs(30 * 60);

#[derive(Parser)]
#[command(
    name = "runtime",
    about = "Conflict system of a game backend: hot-path HTTP API and background tasks"
)]
struct Cli {
    /// TOML config file; RUNTIME_* environment variables override its values.
    #[arg(long, env = "RUNTIME_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default). Without Redis it runs the task workers in process too.
    Serve,
    /// Run only the task workers of the Redis queue given by REDIS_URL or redis.url.
    Worker,
    /// Start a server on a free loopback port with a temporary database and drive a scripted scene through it.
    Demo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo prints its own table to stdout, so it logs only warnings unless RUST_LOG sets another filter.
    let default_filter = if matches!(cli.command, Some(Command::Demo)) {
        "warn"
    } else {
        "info"
    };
    telemetry::init_tracing(default_filter);
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            tracing::error!(%error, "cannot load configuration");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime.block_on(serve(config)),
        Command::Worker => runtime.block_on(work(config)),
        Command::Demo => runtime
            .block_on(demo::run(config))
            .map(|report| println!("demo: {report:?}"))
            .map_err(|error| tracing::error!(%error, "demo failed")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(()) => ExitCode::FAILURE,
    }
}

async fn serve(config: Config) -> Result<(), ()> {
    let listen = config.server.listen.clone();
    let outcome = async {
        let model = runtime::llm::build_model_client(&config.model)?;
        let app = App::build_for(config, model, Role::Api).await?;
        let server = api::spawn_server(&app, &listen).await?;
        tracing::info!(address = %server.address, model_provider = app.model_provider, "listening on http://{}", server.address);
        let expiry = tokio::spawn(expire_plans_periodically(app.clone()));
        wait_for_signal().await;
        tracing::info!("shutdown requested; stopping the HTTP server and the task queue");
        expiry.abort();
        let stopped = server.stop().await;
        app.shutdown().await;
        stopped
    }
    .await;
    outcome.map_err(|error: StartError| tracing::error!(%error, "server failed"))
}

async fn work(config: Config) -> Result<(), ()> {
    let outcome = async {
        let model = runtime::llm::build_model_client(&config.model)?;
        let app = App::build_for(config, model, Role::Worker).await?;
        tracing::info!(model_provider = app.model_provider, "worker running");
        wait_for_signal().await;
        tracing::info!("shutdown requested; finishing or returning running tasks");
        app.shutdown().await;
        Ok(())
    }
    .await;
    outcome.map_err(|error: StartError| tracing::error!(%error, "worker failed"))
}

async fn expire_plans_periodically(app: App) {
    let mut interval = tokio::time::interval(EXPIRY_INTERVAL);
    loop {
        interval.tick().await;
        let cutoff = runtime::store::now_ms() - PLAN_MAX_AGE.as_millis() as i64;
        match app.hot.store.expire_stale(cutoff).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "expired stale planned actions"),
            Err(error) => tracing::warn!(%error, "cannot expire stale planned actions"),
        }
    }
}

async fn wait_for_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
