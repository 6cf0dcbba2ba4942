//! The `vdx` command line. Every flag names its `VDX_*` environment variable;
//! `vdx --help` and `vdx <command> --help` are the reference. The operator
//! operations besides serving are in [`ops`]. Used by the binary only:
//! nothing on the request path imports this module (nor `demo` or
//! `simulate`), which a test in the crate root checks.

pub mod ops;

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{LogFormat, Overrides};

/// vdx: the vehicle data exchange. Partners reach connected-car data and send
/// commands only where a driver has consented.
#[derive(Debug, Parser)]
#[command(name = "vdx", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML configuration file; its keys are the snake_case names of the VDX_* variables.
    #[arg(long, global = true, env = "VDX_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH?mode=rwc (default sqlite://vdx-data/vdx.db?mode=rwc) or postgres://USER:PASS@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "VDX_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<crate::db::DatabaseUrl>,
    /// Log line format.
    #[arg(long, global = true, env = "VDX_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. info or vdx_gateway=debug,info.
    #[arg(long, global = true, env = "VDX_LOG_LEVEL", value_name = "FILTER")]
    pub log_level: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Address to listen on.
    #[arg(long, env = "VDX_HOST")]
    pub host: Option<IpAddr>,
    /// Port to listen on; 0 picks a free port and prints it.
    #[arg(long, env = "VDX_PORT")]
    pub port: Option<u16>,
    /// The URL partners use to reach this gateway (token issuer); defaults to http://HOST:PORT.
    #[arg(long, env = "VDX_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway: migrate the database, then serve HTTP until SIGTERM or SIGINT.
    Serve {
        #[command(flatten)]
        listen: ListenArgs,
    },
    /// Start a gateway on a freshly seeded demo world and print a quickstart.
    Demo {
        #[command(flatten)]
        listen: ListenArgs,
        /// Write the demo credentials (partners, drivers, admin) as JSON to this file.
        #[arg(long, env = "VDX_DEMO_CREDENTIALS_OUT", value_name = "FILE")]
        credentials_out: Option<PathBuf>,
        /// How many simulated vehicles to create (at least 50).
        #[arg(long, env = "VDX_DEMO_VEHICLES", default_value_t = 60, value_parser = clap::value_parser!(u32).range(50..=10_000))]
        vehicles: u32,
        /// Seconds between simulated telemetry updates.
        #[arg(long, env = "VDX_DEMO_TICK_SECS", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=3600))]
        tick_secs: u64,
    },
    /// Drive a simulated fleet (trips, charging, sleeping, offline periods with
    /// late uploads) through the ingest path of the configured database, with progress.
    Simulate {
        /// How many vehicles; registered ones first, simulated VINs (VDXS…) added if needed.
        #[arg(long, env = "VDX_SIMULATE_VEHICLES", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        vehicles: u32,
        /// Ticks to run; 0 runs until interrupted.
        #[arg(long, default_value_t = 0)]
        ticks: u64,
        /// Simulated seconds per tick.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=3600))]
        tick_secs: u64,
        /// Do not wait between ticks: backdate the timestamps so the last tick is now (needs --ticks).
        #[arg(long)]
        fast: bool,
    },
    /// Apply pending database migrations and exit. Running it again is harmless.
    Migrate,
    /// Manage the signal catalog.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Inspect the consent ledger.
    Consent {
        #[command(subcommand)]
        command: ConsentCommand,
    },
    /// Manage apps (OAuth clients).
    Apps {
        #[command(subcommand)]
        command: AppsCommand,
    },
    /// Manage the token signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Check the hash chain of the consent ledger and that every consent's
    /// status matches its last entry. Names the first broken entry; exits 1 if any.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Import a vss-tools JSON export (COVESA VSS). All or nothing: an invalid
    /// node aborts the import and names the node. Signals missing from the file
    /// are kept and marked deprecated.
    Import {
        /// The JSON file, e.g. made by `vspec export json`.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Create an app (and its partner, when missing) and print its client id
    /// and secret. The secret is shown only this once.
    Create {
        /// The partner's name.
        #[arg(long, value_name = "NAME")]
        partner: String,
        /// The app's name, shown to drivers when they authorise it.
        #[arg(long, value_name = "APP")]
        name: String,
        /// An exact redirect URI for the authorization code flow (https, or http on localhost); repeatable.
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// An OEM scope granted directly, `admin` (admin API and console) or `ingest`; repeatable.
        /// Partner apps get product scopes only through approved subscriptions.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new signing key. Older keys stay published and keep verifying
    /// until the access tokens they signed have expired (access token
    /// lifetime plus 60 s), then are refused.
    Rotate,
}

impl Cli {
    /// The command-line layer of the configuration.
    pub fn overrides(&self) -> Overrides {
        let listen = match &self.command {
            Command::Serve { listen } | Command::Demo { listen, .. } => Some(listen),
            Command::Migrate
            | Command::Catalog { .. }
            | Command::Consent { .. }
            | Command::Apps { .. }
            | Command::Keys { .. }
            | Command::Simulate { .. } => None,
        };
        Overrides {
            database_url: self.global.database_url.clone(),
            host: listen.and_then(|l| l.host),
            port: listen.and_then(|l| l.port),
            public_url: listen.and_then(|l| l.public_url.clone()),
            log_format: self.global.log_format,
            log_level: self.global.log_level.clone(),
        }
    }
}
