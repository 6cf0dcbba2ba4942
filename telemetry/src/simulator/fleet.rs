//! The fleet side of the simulator: one tick advances every car, uploads
//! what the online ones report through the ingest, and lets them pick up,
//! carry out and report partner commands.

use rand::Rng;
use sea_orm::DatabaseConnection;
use vdx_core::VehicleId;

use super::SimVehicle;
use crate::TelemetryError;
use crate::commands;
use crate::ingest::{self, IngestSummary, Sample};
use crate::latest::LatestCache;

/// What one tick of the fleet did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Cars online that uploaded.
    pub reported: usize,
    pub stored: IngestSummary,
    /// Command outcomes (executed or failed) reported.
    pub executed: usize,
}

/// Advances every car by `dt_s`, then uploads the samples of those online
/// (with what they buffered while offline) through the ingest.
pub async fn tick(
    db: &DatabaseConnection,
    latest: &LatestCache,
    fleet: &mut [SimVehicle],
    dt_s: f64,
    now_ms: i64,
) -> Result<TickReport, TelemetryError> {
    let batches = {
        let mut rng = rand::rng();
        fleet
            .iter_mut()
            .filter_map(|car| {
                car.step(dt_s, &mut rng);
                car.report(now_ms).map(|samples| (car.id, samples))
            })
            .collect::<Vec<_>>()
    };
    let stored = upload(db, latest, &batches, now_ms).await?;
    let executed = run_commands(db, fleet, now_ms).await?;
    Ok(TickReport {
        reported: batches.len(),
        stored,
        executed,
    })
}

/// Online cars pick up their queued commands and, after a short delay, carry
/// them out (or fail) and report the outcome. Returns outcomes reported.
async fn run_commands(
    db: &DatabaseConnection,
    fleet: &mut [SimVehicle],
    now_ms: i64,
) -> Result<usize, TelemetryError> {
    let online: Vec<VehicleId> = fleet.iter().filter(|c| c.online()).map(|c| c.id).collect();
    let delivered = commands::deliver(db, &online, now_ms).await?;
    let outcomes = {
        let mut rng = rand::rng();
        for command in delivered {
            if let Some(car) = fleet.iter_mut().find(|c| c.id == command.vehicle_id) {
                let delay_ms = rng.random_range(1_000..5_000);
                car.pending.push((command, now_ms + delay_ms));
            }
        }
        let mut outcomes = Vec::new();
        for car in fleet.iter_mut().filter(|c| c.online()) {
            let (due, later): (Vec<_>, Vec<_>) =
                car.pending.drain(..).partition(|(_, at)| *at <= now_ms);
            car.pending = later;
            for (command, _) in due {
                let outcome = if rng.random_bool(car.fault_rate.clamp(0.0, 1.0)) {
                    Err("the car reported a fault (simulated)".to_owned())
                } else {
                    car.apply(&command.actuator, &command.value)
                };
                outcomes.push((command.id, outcome));
            }
        }
        outcomes
    };
    let mut reported = 0;
    for (id, outcome) in outcomes {
        if commands::complete(db, id, outcome, now_ms).await? {
            reported += 1;
        }
    }
    Ok(reported)
}

/// Uploads per-vehicle samples in batches the ingest accepts.
pub async fn upload(
    db: &DatabaseConnection,
    latest: &LatestCache,
    batches: &[(VehicleId, Vec<Sample>)],
    now_ms: i64,
) -> Result<IngestSummary, TelemetryError> {
    let mut total = IngestSummary::default();
    let mut start = 0;
    while start < batches.len() {
        let mut end = start;
        let mut samples = 0;
        while end < batches.len() && samples + batches[end].1.len() <= ingest::MAX_BATCH_SAMPLES {
            samples += batches[end].1.len();
            end += 1;
        }
        let end = end.max(start + 1);
        let summary = ingest::ingest_vehicles(db, latest, &batches[start..end], now_ms).await?;
        total.accepted += summary.accepted;
        total.duplicates += summary.duplicates;
        start = end;
    }
    Ok(total)
}
