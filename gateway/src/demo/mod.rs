//! `vdx demo`: a gateway on a freshly seeded world, a simulated fleet whose
//! values move, and a printed quickstart whose commands work as pasted.

mod quickstart;
pub mod world;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use vdx_core::{Clock, SystemClock};
use vdx_telemetry::simulator::{self, SimVehicle};

pub use quickstart::quickstart;
pub use world::{Credentials, World, seed_world};

use crate::config::{Config, DEFAULT_DATABASE_URL};
use crate::db;
use crate::run_error::{Context, RunError};
use crate::startup::Application;

/// Where the demo keeps its world unless told otherwise; wiped at each start.
pub const DEMO_DATABASE_URL: &str = "sqlite://vdx-data/demo.db?mode=rwc";

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub credentials_out: Option<PathBuf>,
    pub vehicles: u32,
    pub tick_secs: u64,
}

/// A started demo: the bound application, its credentials, and the fleet.
#[derive(Debug)]
pub struct Demo {
    pub app: Application,
    pub credentials: Credentials,
    pub fleet: Vec<SimVehicle>,
    pub db: DatabaseConnection,
}

/// Seeds the world and binds the gateway, without serving yet. The fleet has
/// reported once, so every car has values from the start.
pub async fn start(mut config: Config, vehicles: u32) -> Result<Demo, RunError> {
    if config.database_url.expose() == DEFAULT_DATABASE_URL {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("vdx-data/demo.db{suffix}"));
        }
        config.database_url = DEMO_DATABASE_URL.into();
    }
    let db = db::connect(
        config.database_url.expose(),
        config.database_max_connections,
    )
    .await?;
    db::migrate(&db).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let World {
        mut credentials,
        mut fleet,
    } = seed_world(&db, vehicles, clock.now_ms()).await?;
    let example_vin =
        vdx_core::Vin::parse(&credentials.examples.consented.vin).map_err(RunError::cause)?;
    let example = vdx_consent::people::vehicle_by_vin(&db, &example_vin)
        .await
        .map_err(RunError::cause)?;
    if let Some(car) = example.and_then(|v| fleet.iter_mut().find(|c| c.id == v.id)) {
        car.park_at_home(24.0 * 3600.0);
    }
    // Before the gateway (and its cache) exists: nothing is cached yet.
    let uncached = vdx_telemetry::latest::LatestCache::new(&db, 1);
    simulator::tick(&db, &uncached, &mut fleet, 1.0, clock.now_ms())
        .await
        .context("simulator failed")?;
    let app = Application::build_with_clock(config, db.clone(), clock).await?;
    app.base_url().clone_into(&mut credentials.base_url);
    Ok(Demo {
        app,
        credentials,
        fleet,
        db,
    })
}

/// `vdx demo`: start, print the quickstart, simulate until stopped.
pub async fn run(config: Config, options: DemoOptions) -> Result<(), RunError> {
    let Demo {
        app,
        credentials,
        mut fleet,
        db,
    } = start(config, options.vehicles).await?;
    if let Some(path) = &options.credentials_out {
        let json = serde_json::to_string_pretty(&credentials).map_err(RunError::cause)?;
        std::fs::write(path, json + "\n").context(format!("cannot write {}", path.display()))?;
    }
    println!(
        "{}",
        quickstart(&credentials, app.port(), options.credentials_out.as_deref())?
    );
    let tick = Duration::from_secs(options.tick_secs);
    let clock = Arc::clone(&app.state().clock);
    let latest = app.state().gate.latest_cache().clone();
    let simulation = tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        interval.tick().await;
        loop {
            interval.tick().await;
            let now = clock.now_ms();
            if let Err(e) = simulator::tick(&db, &latest, &mut fleet, tick.as_secs_f64(), now).await
            {
                tracing::warn!(error = %e, "simulator tick failed");
            }
        }
    });
    let served = app.run_until_stopped().await;
    simulation.abort();
    served.context("server failed")
}
