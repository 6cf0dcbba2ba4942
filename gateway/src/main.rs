//! The `vdx` binary: parse flags, load configuration, run a subcommand.
//! Every failure ends in a one-line message and a nonzero exit, never a panic.

use std::process::ExitCode;

use clap::Parser;
use vdx_gateway::cli::{AppsCommand, Cli, Command, KeysCommand};
use vdx_gateway::config::Config;
use vdx_gateway::{commands, db, demo, logging, startup::Application};

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
            Command::Migrate => migrate(config).await,
            Command::Apps {
                command:
                    AppsCommand::Create {
                        partner,
                        name,
                        redirect_uris,
                    },
            } => commands::create_app(&config, &partner, &name, &redirect_uris).await,
            Command::Keys {
                command: KeysCommand::Rotate,
            } => commands::rotate_keys(&config).await,
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

async fn serve(config: Config) -> Result<(), String> {
    let app = Application::build(config).await?;
    tracing::info!(port = app.port(), url = %app.base_url(), "vdx gateway listening");
    println!("vdx listening on {} (port {})", app.base_url(), app.port());
    app.run_until_stopped()
        .await
        .map_err(|e| format!("server failed: {e}"))
}

async fn migrate(config: Config) -> Result<(), String> {
    let db = db::connect(&config.database_url, 1).await?;
    db::migrate(&db).await?;
    println!(
        "migrations applied; database {} is current",
        db::mask_password(&config.database_url)
    );
    Ok(())
}
