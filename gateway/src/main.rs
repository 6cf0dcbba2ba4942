//! The `vdx` binary: parse flags, load configuration, run a subcommand.
//! Every failure ends in a one-line message and a nonzero exit, never a panic.

use std::process::ExitCode;

use clap::Parser;
use vdx_gateway::cli::{
    AppsCommand, CatalogCommand, Cli, Command, ConsentCommand, KeysCommand, ops,
};
use vdx_gateway::config::Config;
use vdx_gateway::run_error::{Context, RunError};
use vdx_gateway::{db, demo, logging, simulate, startup::Application};

/// mimalloc: per-thread free lists suit the gateway's many short-lived
/// allocations better than glibc's arenas (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.global.config.as_deref(), &cli.overrides()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    logging::init(config.log_format, &config.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Command::Serve { .. } => serve(config).await,
            Command::Demo {
                credentials_out,
                vehicles,
                tick_secs,
                ..
            } => {
                demo::run(
                    config,
                    demo::DemoOptions {
                        credentials_out,
                        vehicles,
                        tick_secs,
                    },
                )
                .await
            }
            Command::Simulate {
                vehicles,
                ticks,
                tick_secs,
                fast,
            } => {
                simulate::run(
                    config,
                    simulate::SimulateOptions {
                        vehicles,
                        ticks,
                        tick_secs,
                        fast,
                    },
                )
                .await
            }
            Command::Migrate => migrate(config).await,
            Command::Consent {
                command: ConsentCommand::Verify,
            } => verify_ledger(config).await,
            Command::Catalog {
                command: CatalogCommand::Import { file },
            } => import_catalog(config, &file).await,
            Command::Apps {
                command:
                    AppsCommand::Create {
                        partner,
                        name,
                        redirect_uris,
                        scopes,
                    },
            } => ops::create_app(&config, &partner, &name, &redirect_uris, &scopes).await,
            Command::Keys {
                command: KeysCommand::Rotate,
            } => ops::rotate_keys(&config).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), RunError> {
    let app = Application::build(config).await?;
    tracing::info!(port = app.port(), url = %app.base_url(), "vdx gateway listening");
    println!("vdx listening on {} (port {})", app.base_url(), app.port());
    app.run_until_stopped().await.context("server failed")
}

async fn migrate(config: Config) -> Result<(), RunError> {
    let db = db::connect(config.database_url.expose(), 1).await?;
    db::migrate(&db).await?;
    println!(
        "migrations applied; database {} is current",
        config.database_url
    );
    Ok(())
}

async fn import_catalog(config: Config, file: &std::path::Path) -> Result<(), RunError> {
    let json = std::fs::read_to_string(file).context(format!("cannot read {}", file.display()))?;
    let db = db::connect(config.database_url.expose(), 1).await?;
    db::migrate(&db).await?;
    let now_ms = vdx_core::Clock::now_ms(&vdx_core::SystemClock);
    let summary = vdx_catalog::vss::import(&db, &json, now_ms, |done, total| {
        eprintln!("imported {done}/{total} nodes")
    })
    .await
    .context("nothing was imported")?;
    vdx_catalog::audit::record(&db, "cli", "catalog.import", "catalog", None, Some(serde_json::json!({
        "file": file.display().to_string(), "added": summary.added, "changed": summary.changed, "deprecated": summary.deprecated
    })), now_ms)
    .await
    .map_err(RunError::cause)?;
    println!(
        "catalog import done: {} added, {} changed, {} unchanged, {} deprecated",
        summary.added, summary.changed, summary.unchanged, summary.deprecated
    );
    Ok(())
}

async fn verify_ledger(config: Config) -> Result<(), RunError> {
    let db = db::connect(config.database_url.expose(), 1).await?;
    let report = vdx_consent::ledger::verify(&db)
        .await
        .map_err(RunError::cause)?;
    match report.first_broken {
        None => {
            println!(
                "consent ledger intact: {} entries, every consent matches its last entry",
                report.entries
            );
            Ok(())
        }
        Some((entry, why)) => Err(RunError::Failed {
            context: format!("consent ledger broken at entry {entry}"),
            source: why.into(),
        }),
    }
}
