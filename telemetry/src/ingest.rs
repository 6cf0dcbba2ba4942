//! The OEM-side ingest: batches of VSS signal values per vehicle, with the
//! time each was observed. The one write path for telemetry; the fleet
//! simulator uses it too.
//!
//! Rules: the whole batch is validated first (VINs known, paths in the
//! catalog, values of the declared datatype, within min/max and the allowed
//! values, times not in the future) and every bad sample is named; then
//! everything is written in one transaction, so a batch is all or nothing.
//! Late and out-of-order samples are welcome: history is keyed by vehicle,
//! path and time, a sample already stored is a duplicate and ignored, and the
//! latest value only moves forward in time.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait};
use serde_json::Value;
use vdx_core::{SignalPath, VehicleId, Vin};

use crate::TelemetryError;
use crate::entity::{signal_history, signal_latest};
use crate::latest::{LatestCache, Stored};
use crate::validate::Rule;

/// The most samples one batch may hold.
pub const MAX_BATCH_SAMPLES: usize = 10_000;
/// How far ahead of the server clock an observation time may be (clock skew).
pub const MAX_FUTURE_SKEW_MS: i64 = 5 * 60 * 1000;
/// The most errors a rejection lists.
const MAX_LISTED_ERRORS: usize = 50;
/// Rows per INSERT statement (5 binds each: well under SQLite's and PostgreSQL's bind limits).
const CHUNK_ROWS: usize = 1_000;

/// One observed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub path: String,
    pub value: Value,
    pub observed_at_ms: i64,
}

/// What one vehicle uploads, identified by VIN (the OEM's ingest API).
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub vin: String,
    pub samples: Vec<Sample>,
}

/// What a stored batch changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestSummary {
    /// Samples stored in the history.
    pub accepted: u64,
    /// Samples already stored (same vehicle, path and time), ignored.
    pub duplicates: u64,
}

/// Validates and stores a batch of uploads by VIN, all or nothing.
#[tracing::instrument(skip_all, fields(vehicles = uploads.len()))]
pub async fn ingest(
    db: &DatabaseConnection,
    latest: &LatestCache,
    uploads: &[Upload],
    now_ms: i64,
) -> Result<IngestSummary, TelemetryError> {
    check_size(uploads.iter().map(|u| u.samples.len()).sum())?;
    let mut errors = Vec::new();
    let mut vins = Vec::with_capacity(uploads.len());
    for (i, upload) in uploads.iter().enumerate() {
        match Vin::parse(&upload.vin) {
            Ok(vin) => vins.push(Some(vin)),
            Err(e) => {
                errors.push(format!("vehicles[{i}].vin: {e}"));
                vins.push(None);
            }
        }
    }
    let wanted: BTreeSet<String> = vins.iter().flatten().map(ToString::to_string).collect();
    let known: HashMap<String, VehicleId> = vdx_consent::people::vehicle_ids(db, wanted).await?;
    let mut batches = Vec::with_capacity(uploads.len());
    for (i, (upload, vin)) in uploads.iter().zip(&vins).enumerate() {
        let Some(vin) = vin else { continue };
        match known.get(vin.as_str()) {
            Some(id) => batches.push((*id, upload.samples.as_slice(), i)),
            None => errors.push(format!("vehicles[{i}].vin: no vehicle {vin} is registered")),
        }
    }
    store(db, latest, &batches, errors, now_ms).await
}

/// Validates and stores samples of vehicles already resolved (the simulator).
pub async fn ingest_vehicles(
    db: &DatabaseConnection,
    latest: &LatestCache,
    batches: &[(VehicleId, Vec<Sample>)],
    now_ms: i64,
) -> Result<IngestSummary, TelemetryError> {
    check_size(batches.iter().map(|b| b.1.len()).sum())?;
    let batches: Vec<_> = batches
        .iter()
        .enumerate()
        .map(|(i, (id, samples))| (*id, samples.as_slice(), i))
        .collect();
    store(db, latest, &batches, Vec::new(), now_ms).await
}

fn check_size(actual: usize) -> Result<(), TelemetryError> {
    if actual > MAX_BATCH_SAMPLES {
        return Err(TelemetryError::BatchTooLarge {
            limit: MAX_BATCH_SAMPLES,
            actual,
        });
    }
    Ok(())
}

/// A validated sample, ready to write.
struct Row<'a> {
    vehicle: VehicleId,
    path: &'a str,
    json: &'a Value,
    value: String,
    observed_at_ms: i64,
}

async fn store(
    db: &DatabaseConnection,
    latest: &LatestCache,
    batches: &[(VehicleId, &[Sample], usize)],
    mut errors: Vec<String>,
    now_ms: i64,
) -> Result<IngestSummary, TelemetryError> {
    let paths: BTreeSet<&str> = batches
        .iter()
        .flat_map(|b| b.1.iter().map(|s| s.path.as_str()))
        .collect();
    let rules: HashMap<String, Option<Rule>> =
        vdx_catalog::vss::signals_at(db, paths.iter().copied())
            .await?
            .into_iter()
            .map(|row| (row.path.clone(), Rule::of(&row)))
            .collect();
    // Deduplicated within the batch; the last of equal keys wins, as a re-send would.
    let mut rows: BTreeMap<(VehicleId, &str, i64), Row> = BTreeMap::new();
    for (vehicle, samples, i) in batches {
        for (j, s) in samples.iter().enumerate() {
            let at = format!("vehicles[{i}].samples[{j}] {}", s.path);
            let verdict = match (SignalPath::parse(&s.path), rules.get(&s.path)) {
                (Err(e), _) => Err(e.to_string()),
                (Ok(_), None) => Err("not a signal of the catalog".to_owned()),
                (Ok(_), Some(None)) => Err("a branch, not a signal".to_owned()),
                (Ok(_), Some(Some(rule))) => rule.check(&s.value),
            }
            .and_then(|()| match s.observed_at_ms {
                t if t < 0 => Err("observed before 1970".to_owned()),
                t if t > now_ms + MAX_FUTURE_SKEW_MS => Err("observed in the future".to_owned()),
                _ => Ok(()),
            });
            match verdict {
                Err(why) => errors.push(format!("{at}: {why}")),
                Ok(()) => {
                    rows.insert(
                        (*vehicle, s.path.as_str(), s.observed_at_ms),
                        Row {
                            vehicle: *vehicle,
                            path: &s.path,
                            json: &s.value,
                            value: s.value.to_string(),
                            observed_at_ms: s.observed_at_ms,
                        },
                    );
                }
            }
        }
    }
    if !errors.is_empty() {
        let summary = format!(
            "{} sample(s) rejected, nothing stored; first: {}",
            errors.len(),
            errors[0]
        );
        errors.truncate(MAX_LISTED_ERRORS);
        return Err(TelemetryError::Rejected { summary, errors });
    }
    let rows: Vec<Row> = rows.into_values().collect();
    let txn = vdx_core::db::begin_write(db).await?;
    let mut accepted = 0;
    for chunk in rows.chunks(CHUNK_ROWS) {
        accepted += insert_history(&txn, chunk, now_ms).await?;
    }
    // The newest sample per (vehicle, path) moves the latest value, if newer.
    let mut newest: BTreeMap<(VehicleId, &str), &Row> = BTreeMap::new();
    for row in &rows {
        newest
            .entry((row.vehicle, row.path))
            .and_modify(|r| {
                if row.observed_at_ms > r.observed_at_ms {
                    *r = row;
                }
            })
            .or_insert(row);
    }
    let newest: Vec<&Row> = newest.into_values().collect();
    for chunk in newest.chunks(CHUNK_ROWS) {
        upsert_latest(&txn, chunk).await?;
    }
    let seq = announce(&txn, latest, &newest).await?;
    txn.commit().await?;
    // Acknowledged only once the cache holds what the table holds.
    let mut changes: Vec<(VehicleId, Vec<Stored>)> = Vec::new();
    for row in &newest {
        let stored = Stored {
            path: SignalPath::parse(row.path)
                .map_err(|e| TelemetryError::Invalid(e.to_string()))?,
            value: row.json.clone(),
            observed_at_ms: row.observed_at_ms,
        };
        match changes.last_mut() {
            Some((vehicle, values)) if *vehicle == row.vehicle => values.push(stored),
            _ => changes.push((row.vehicle, vec![stored])),
        }
    }
    latest.apply(&changes, seq);
    Ok(IngestSummary {
        accepted,
        duplicates: rows.len() as u64 - accepted,
    })
}

/// Tells other processes which vehicles this transaction changes: on
/// SQLite it raises `ingest_seq` (answered, for [`LatestCache::apply`]); on
/// PostgreSQL it notifies [`crate::latest::CHANNEL`] with the vehicle ids,
/// delivered at commit.
async fn announce(
    txn: &impl ConnectionTrait,
    latest: &LatestCache,
    newest: &[&Row<'_>],
) -> Result<Option<u64>, TelemetryError> {
    let backend = txn.get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        let vehicles: BTreeSet<VehicleId> = newest.iter().map(|r| r.vehicle).collect();
        let prefix = format!("{}:", latest.instance());
        let mut payload = prefix.clone();
        for (i, vehicle) in vehicles.iter().enumerate() {
            if payload.len() > prefix.len() {
                payload.push(',');
            }
            payload.push_str(&vehicle.0.to_string());
            // PostgreSQL's payload limit is 8000 bytes.
            if payload.len() > 7_000 || i + 1 == vehicles.len() {
                txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                    backend,
                    "SELECT pg_notify($1, $2)",
                    [crate::latest::CHANNEL.into(), payload.clone().into()],
                ))
                .await?;
                payload.clone_from(&prefix);
            }
        }
        return Ok(None);
    }
    let row = txn
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "UPDATE ingest_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq",
        ))
        .await?
        .ok_or_else(|| TelemetryError::Corrupt("ingest_seq".into(), "the row is missing".into()))?;
    let seq: i64 = row.try_get_by_index(0)?;
    Ok(u64::try_from(seq).ok())
}

async fn insert_history(
    db: &impl ConnectionTrait,
    rows: &[Row<'_>],
    now_ms: i64,
) -> Result<u64, TelemetryError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let models = rows.iter().map(|r| signal_history::ActiveModel {
        vehicle_id: Set(r.vehicle),
        path: Set(r.path.to_owned()),
        observed_at: Set(r.observed_at_ms),
        value: Set(r.value.clone()),
        received_at: Set(now_ms),
    });
    let inserted = signal_history::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([
                signal_history::Column::VehicleId,
                signal_history::Column::Path,
                signal_history::Column::ObservedAt,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted)
}

async fn upsert_latest(db: &impl ConnectionTrait, rows: &[&Row<'_>]) -> Result<(), TelemetryError> {
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows.iter().map(|r| signal_latest::ActiveModel {
        vehicle_id: Set(r.vehicle),
        path: Set(r.path.to_owned()),
        value: Set(r.value.clone()),
        observed_at: Set(r.observed_at_ms),
    });
    signal_latest::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([
                signal_latest::Column::VehicleId,
                signal_latest::Column::Path,
            ])
            .update_columns([
                signal_latest::Column::Value,
                signal_latest::Column::ObservedAt,
            ])
            .action_and_where(
                Expr::col((signal_latest::Entity, signal_latest::Column::ObservedAt)).lt(
                    Expr::col((Alias::new("excluded"), signal_latest::Column::ObservedAt)),
                ),
            )
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
