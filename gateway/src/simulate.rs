//! `vdx simulate`: drives a simulated fleet against the configured database
//! through the ingest write path (validation, dedupe, history, latest), and
//! shows progress. Uses the registered vehicles first and registers simulated
//! ones (VINs `VDXS…`) when there are fewer than asked for; a database
//! without a signal catalog gets the seed VSS subset first.

use std::time::{Duration, Instant};

use rand::Rng;
use sea_orm::DatabaseConnection;
use vdx_core::{Clock, SystemClock, Vin};
use vdx_telemetry::simulator::{self, Powertrain, SimVehicle};

use crate::config::Config;
use crate::db;
use crate::run_error::{Context, RunError};

/// Options of `vdx simulate`.
#[derive(Debug, Clone)]
pub struct SimulateOptions {
    pub vehicles: u32,
    /// Ticks to run; 0 runs until interrupted.
    pub ticks: u64,
    /// Simulated seconds per tick.
    pub tick_secs: u64,
    /// Do not wait between ticks; timestamps are backdated so the last tick is now.
    pub fast: bool,
}

/// Loads or registers `count` vehicles (registered at `now_ms`) and builds
/// their simulated cars.
pub async fn fleet(
    db: &DatabaseConnection,
    count: u32,
    now_ms: i64,
) -> Result<Vec<SimVehicle>, RunError> {
    let mut rows = vdx_consent::people::all_vehicles(db)
        .await
        .map_err(RunError::cause)?;
    rows.truncate(count as usize);
    let mut rng = rand::rng();
    let mut serial = rows.len();
    while rows.len() < count as usize {
        serial += 1;
        let electric = rng.random_bool(0.6);
        let vin = Vin::parse(&format!(
            "VDXS{}{serial:012}",
            if electric { 'E' } else { 'C' }
        ))
        .map_err(RunError::cause)?;
        let (model, kind) = if electric {
            ("Volta e-Hatch", "ev")
        } else {
            ("Volta Tourer", "ice")
        };
        match vdx_consent::people::create_vehicle(db, &vin, model, kind, now_ms).await {
            Ok(row) => rows.push(row),
            // Registered by an earlier run: pick it up instead.
            Err(_) => {
                if let Some(row) = vdx_consent::people::vehicle_by_vin(db, &vin)
                    .await
                    .map_err(RunError::cause)?
                {
                    rows.push(row);
                }
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let powertrain = if row.powertrain == "ev" {
                Powertrain::Electric
            } else {
                Powertrain::Combustion
            };
            SimVehicle::new(row.id, powertrain, &mut rng)
        })
        .collect())
}

/// Runs the simulation and prints one progress line per tick (to stderr).
pub async fn run(config: Config, options: SimulateOptions) -> Result<(), RunError> {
    if options.fast && options.ticks == 0 {
        return Err(RunError::usage("--fast needs --ticks"));
    }
    let db = db::connect(
        config.database_url.expose(),
        config.database_max_connections,
    )
    .await?;
    db::migrate(&db).await?;
    let clock = SystemClock;
    // Values are validated against the catalog: a fresh database gets the seed VSS subset.
    let has_catalog = vdx_catalog::vss::has_signals(&db)
        .await
        .map_err(RunError::cause)?;
    if !has_catalog {
        vdx_catalog::vss::import(&db, vdx_catalog::seed::SEED_VSS, clock.now_ms(), |_, _| {})
            .await
            .context("cannot import the seed catalog")?;
    }
    let mut cars = fleet(&db, options.vehicles, clock.now_ms()).await?;
    // This process serves no reads: a cache that holds nothing. Its ingest
    // still tells serving processes which vehicles changed.
    let latest = vdx_telemetry::latest::LatestCache::new(&db, 1);
    let tick_ms = options.tick_secs.saturating_mul(1000) as i64;
    let started = Instant::now();
    let start_ms = if options.fast {
        clock.now_ms() - tick_ms.saturating_mul(options.ticks as i64)
    } else {
        clock.now_ms()
    };
    let (mut stored, mut duplicates) = (0_u64, 0_u64);
    let mut n = 0_u64;
    while options.ticks == 0 || n < options.ticks {
        n += 1;
        let now = if options.fast {
            start_ms + tick_ms.saturating_mul(n as i64)
        } else {
            tokio::time::sleep(Duration::from_secs(options.tick_secs)).await;
            clock.now_ms()
        };
        let report = simulator::tick(&db, &latest, &mut cars, options.tick_secs as f64, now)
            .await
            .context(format!("tick {n} failed"))?;
        stored += report.stored.accepted;
        duplicates += report.stored.duplicates;
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        eprintln!(
            "tick {n}{}: {}/{} cars reported, {} values stored ({stored} total, {duplicates} duplicates), {:.0} values/s",
            if options.ticks > 0 {
                format!("/{}", options.ticks)
            } else {
                String::new()
            },
            report.reported,
            cars.len(),
            report.stored.accepted,
            stored as f64 / secs,
        );
    }
    println!(
        "simulated {} vehicles for {n} ticks: {stored} values stored in {:.2} s ({:.0} values/s)",
        cars.len(),
        started.elapsed().as_secs_f64(),
        stored as f64 / started.elapsed().as_secs_f64().max(1e-9)
    );
    Ok(())
}
