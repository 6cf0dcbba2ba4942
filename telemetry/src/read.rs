//! Partner reads. Every function here takes `&AuthorizedFields`, returns only
//! the signals it allows, applies the product's terms (location precision),
//! and records the access before returning.

use sea_orm::ConnectionTrait;
use serde_json::Value;
use vdx_core::SignalPath;

use vdx_consent::access_log::AccessLogWriter;

use crate::{AuthorizedFields, TelemetryError, location};

/// One signal's latest value.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalValue {
    pub path: SignalPath,
    pub value: Value,
    pub observed_at_ms: i64,
}

/// Every latest value of one vehicle as (path, value JSON, observed at), in
/// path order. The database folds them into one JSON array, so the driver
/// hands over one row instead of one per signal (with sqlx's SQLite driver
/// each row is a round trip to its worker thread).
async fn latest_rows(
    db: &impl ConnectionTrait,
    vehicle: vdx_core::VehicleId,
) -> Result<Vec<(String, String, i64)>, TelemetryError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT COALESCE(json_agg(json_build_array(path, value, observed_at) ORDER BY path), '[]')::text \
             FROM signal_latest WHERE vehicle_id = $1"
        }
        _ => {
            "SELECT COALESCE(json_group_array(json_array(path, value, observed_at)), '[]') \
             FROM (SELECT path, value, observed_at FROM signal_latest WHERE vehicle_id = ? ORDER BY path)"
        }
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [vehicle.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(Vec::new());
    };
    let folded: String = row.try_get_by_index(0)?;
    serde_json::from_str(&folded)
        .map_err(|e| TelemetryError::Corrupt(format!("vehicle {vehicle}"), e.to_string()))
}

/// The latest value of every authorised signal of the granted vehicle, with
/// the product's terms applied to the stored values (location precision is
/// sized by the stored latitude, whatever the request named). Records the
/// access before returning. Reached only through the partner gate.
#[tracing::instrument(skip_all, fields(vehicle = %fields.grant().vehicle_id()))]
pub(crate) async fn latest(
    db: &impl ConnectionTrait,
    log: &AccessLogWriter,
    fields: &AuthorizedFields,
    request_id: &str,
    now_ms: i64,
) -> Result<Vec<SignalValue>, TelemetryError> {
    let rows = latest_rows(db, fields.grant().vehicle_id()).await?;
    let stored_latitude = rows
        .iter()
        .find(|(path, _, _)| path == location::LATITUDE)
        .and_then(|(_, value, _)| serde_json::from_str::<Value>(value).ok())
        .and_then(|v| v.as_f64());
    let precision = fields.grant().product().terms.location_precision_km;
    let mut allowed = Vec::with_capacity(rows.len());
    for (raw_path, raw_value, observed_at_ms) in rows {
        let Ok(path) = SignalPath::parse(&raw_path) else {
            continue;
        };
        if !fields.allows(&path) {
            continue;
        }
        let mut value: Value = serde_json::from_str(&raw_value)
            .map_err(|e| TelemetryError::Corrupt(raw_path.clone(), e.to_string()))?;
        if let Some(km) = precision {
            match location::coarsen(&raw_path, value, stored_latitude, km) {
                Some(coarse) => value = coarse,
                None => continue,
            }
        }
        allowed.push(SignalValue {
            path,
            value,
            observed_at_ms,
        });
    }
    let returned: Vec<SignalPath> = allowed.iter().map(|v| v.path.clone()).collect();
    log.record(fields.grant(), request_id, &returned, now_ms)
        .await?;
    Ok(allowed)
}
