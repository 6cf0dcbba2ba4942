//! Partner reads. Every function here takes `&AuthorizedFields`, returns only
//! the signals it allows, applies the product's terms (location precision),
//! and records the access before returning.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use vdx_core::SignalPath;

use vdx_consent::access_log::AccessLogWriter;

use crate::entity::signal_latest;
use crate::{AuthorizedFields, TelemetryError, location};

/// One signal's latest value.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalValue {
    pub path: SignalPath,
    pub value: Value,
    pub observed_at_ms: i64,
}

/// The latest value of every authorised signal of the granted vehicle.
#[tracing::instrument(skip_all, fields(vehicle = %fields.grant().vehicle_id()))]
pub async fn latest(
    db: &impl ConnectionTrait,
    log: &AccessLogWriter,
    fields: &AuthorizedFields,
    request_id: &str,
    now_ms: i64,
) -> Result<Vec<SignalValue>, TelemetryError> {
    let rows = signal_latest::Entity::find()
        .filter(signal_latest::Column::VehicleId.eq(fields.grant().vehicle_id()))
        .order_by_asc(signal_latest::Column::Path)
        .all(db)
        .await?;
    let mut allowed = Vec::with_capacity(rows.len());
    for row in rows {
        let Ok(path) = SignalPath::parse(&row.path) else {
            continue;
        };
        if !fields.allows(&path) {
            continue;
        }
        let value: Value = serde_json::from_str(&row.value)
            .map_err(|e| TelemetryError::Corrupt(row.path.clone(), e.to_string()))?;
        allowed.push((path, value, row.observed_at));
    }
    if let Some(km) = fields.grant().product().terms.location_precision_km {
        let mut pairs: Vec<(String, Value)> = allowed
            .iter()
            .map(|(p, v, _)| (p.to_string(), v.clone()))
            .collect();
        location::coarsen(&mut pairs, km);
        for (slot, (_, coarse)) in allowed.iter_mut().zip(pairs) {
            slot.1 = coarse;
        }
    }
    let returned: Vec<SignalPath> = allowed.iter().map(|(p, _, _)| p.clone()).collect();
    log.record(fields.grant(), request_id, &returned, now_ms)
        .await?;
    Ok(allowed
        .into_iter()
        .map(|(path, value, observed_at_ms)| SignalValue {
            path,
            value,
            observed_at_ms,
        })
        .collect())
}
