//! Partner reads. Every function here takes `&AuthorizedFields`, returns only
//! the signals it allows, applies the product's terms (location precision),
//! and records the access before returning. The latest values come from the
//! [`LatestCache`].

use sea_orm::ConnectionTrait;
use serde_json::Value;
use vdx_core::SignalPath;

use vdx_consent::access_log::AccessLogWriter;

use crate::latest::LatestCache;
use crate::{AuthorizedFields, TelemetryError, location};

/// One signal's latest value.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalValue {
    pub path: SignalPath,
    pub value: Value,
    pub observed_at_ms: i64,
}

/// The latest value of every authorised signal of the granted vehicle, with
/// the product's terms applied to the stored values (location precision is
/// sized by the stored latitude, whatever the request named). Records the
/// access before returning. Reached only through the partner gate.
#[tracing::instrument(skip_all, fields(vehicle = %fields.grant().vehicle_id()))]
pub(crate) async fn latest(
    db: &impl ConnectionTrait,
    cache: &LatestCache,
    log: &AccessLogWriter,
    fields: &AuthorizedFields,
    request_id: &str,
    now_ms: i64,
) -> Result<Vec<SignalValue>, TelemetryError> {
    let snapshot = cache.get(db, fields.grant().vehicle_id()).await?;
    let stored_latitude = snapshot
        .values
        .iter()
        .find(|v| v.path.as_str() == location::LATITUDE)
        .and_then(|v| v.value.as_f64());
    let precision = fields.grant().product().terms.location_precision_km;
    let mut allowed = Vec::with_capacity(snapshot.values.len());
    for stored in &snapshot.values {
        if !fields.allows(&stored.path) {
            continue;
        }
        let mut value = stored.value.clone();
        if let Some(km) = precision {
            match location::coarsen(stored.path.as_str(), value, stored_latitude, km) {
                Some(coarse) => value = coarse,
                None => continue,
            }
        }
        allowed.push(SignalValue {
            path: stored.path.clone(),
            value,
            observed_at_ms: stored.observed_at_ms,
        });
    }
    let returned: Vec<SignalPath> = allowed.iter().map(|v| v.path.clone()).collect();
    log.record(fields.grant(), request_id, &returned, now_ms)
        .await?;
    Ok(allowed)
}
