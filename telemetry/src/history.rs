//! History: partner reads of past values of one signal, and the retention
//! that prunes them.
//!
//! A read takes `&AuthorizedFields`, like every partner read, and is bounded
//! three ways: by the requested time range, by the consent (nothing observed
//! before the driver consented), and by the product's `history_days` (0 means
//! latest values only). Pages are ordered by observation time; the cursor is
//! the last time returned. Location values are rounded as in latest reads
//! (a longitude is rounded at the latitude observed with it, and withheld
//! when there is none). The access log is written before returning.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;
use vdx_core::SignalPath;

use crate::entity::signal_history;
use crate::location::{self, LATITUDE, LONGITUDE};
use crate::{AuthorizedFields, SignalValue, TelemetryError};

/// The largest page a partner may ask for.
pub const MAX_PAGE_SIZE: u64 = 500;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Which part of a signal's history to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub path: SignalPath,
    /// Inclusive lower bound, epoch ms.
    pub from_ms: Option<i64>,
    /// Exclusive upper bound, epoch ms.
    pub to_ms: Option<i64>,
    /// The cursor of the previous page.
    pub after: Option<String>,
    /// Page size, at most [`MAX_PAGE_SIZE`].
    pub first: u64,
}

/// One page of a signal's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    pub values: Vec<SignalValue>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Why a history request is not acceptable (bad input, not a denial).
pub fn check(query: &HistoryQuery) -> Result<Option<i64>, String> {
    if query.first == 0 || query.first > MAX_PAGE_SIZE {
        return Err(format!("first must be between 1 and {MAX_PAGE_SIZE}"));
    }
    query
        .after
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| format!("{c:?} is not a cursor of this query"))
        })
        .transpose()
}

/// One page of the history of one authorised signal; `None` if the fields do not allow it.
#[tracing::instrument(skip_all, fields(vehicle = %fields.grant().vehicle_id(), path = %query.path))]
pub(crate) async fn history(
    db: &impl ConnectionTrait,
    log: &vdx_consent::access_log::AccessLogWriter,
    fields: &AuthorizedFields,
    query: &HistoryQuery,
    request_id: &str,
    now_ms: i64,
) -> Result<Option<HistoryPage>, TelemetryError> {
    let after = check(query).map_err(TelemetryError::Invalid)?;
    let grant = fields.grant();
    if !fields.allows(&query.path) {
        log.record(grant, request_id, &[], now_ms).await?;
        return Ok(None);
    }
    let terms = &grant.product().terms;
    let window_start = now_ms.saturating_sub(i64::from(terms.history_days) * DAY_MS);
    let mut lower = grant.consented_since_ms().max(window_start);
    if terms.history_days == 0 {
        lower = i64::MAX;
    }
    if let Some(from) = query.from_ms {
        lower = lower.max(from);
    }
    let mut select = signal_history::Entity::find()
        .filter(signal_history::Column::VehicleId.eq(grant.vehicle_id()))
        .filter(signal_history::Column::Path.eq(query.path.as_str()))
        .filter(signal_history::Column::ObservedAt.gte(lower));
    if let Some(to) = query.to_ms {
        select = select.filter(signal_history::Column::ObservedAt.lt(to));
    }
    if let Some(after) = after {
        select = select.filter(signal_history::Column::ObservedAt.gt(after));
    }
    let mut rows = select
        .order_by_asc(signal_history::Column::ObservedAt)
        .limit(query.first + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > query.first;
    rows.truncate(query.first as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| r.observed_at.to_string()))
        .flatten();
    let mut values = Vec::with_capacity(rows.len());
    for row in rows {
        let value: Value = serde_json::from_str(&row.value)
            .map_err(|e| TelemetryError::Corrupt(row.path.clone(), e.to_string()))?;
        values.push(SignalValue {
            path: query.path.clone(),
            value,
            observed_at_ms: row.observed_at,
        });
    }
    if let Some(km) = terms.location_precision_km {
        values = coarsen(db, fields, values, km).await?;
    }
    log.record(grant, request_id, std::slice::from_ref(&query.path), now_ms)
        .await?;
    Ok(Some(HistoryPage {
        values,
        next_cursor,
    }))
}

/// Rounds location history; a longitude needs the latitude observed with it
/// (read from storage, whatever the request named) and is withheld without one.
async fn coarsen(
    db: &impl ConnectionTrait,
    fields: &AuthorizedFields,
    values: Vec<SignalValue>,
    km: f64,
) -> Result<Vec<SignalValue>, TelemetryError> {
    let latitudes: std::collections::HashMap<i64, f64> =
        if values.first().is_some_and(|v| v.path.as_str() == LONGITUDE) {
            let times: Vec<i64> = values.iter().map(|v| v.observed_at_ms).collect();
            signal_history::Entity::find()
                .filter(signal_history::Column::VehicleId.eq(fields.grant().vehicle_id()))
                .filter(signal_history::Column::Path.eq(LATITUDE))
                .filter(signal_history::Column::ObservedAt.is_in(times))
                .all(db)
                .await?
                .into_iter()
                .filter_map(|r| {
                    let lat = serde_json::from_str::<Value>(&r.value).ok()?.as_f64()?;
                    Some((r.observed_at, lat))
                })
                .collect()
        } else {
            std::collections::HashMap::new()
        };
    Ok(values
        .into_iter()
        .filter_map(|mut v| {
            let lat = latitudes.get(&v.observed_at_ms).copied();
            v.value = location::coarsen(v.path.as_str(), v.value, lat, km)?;
            Some(v)
        })
        .collect())
}

/// Deletes history older than the longest `history_days` of any product
/// version still serving: nothing older can be read by anyone. Returns rows deleted.
pub async fn prune(db: &impl ConnectionTrait, now_ms: i64) -> Result<u64, TelemetryError> {
    let keep_days = i64::from(vdx_catalog::product::longest_serving_history_days(db).await?);
    let cutoff = now_ms.saturating_sub(keep_days * DAY_MS);
    let deleted = signal_history::Entity::delete_many()
        .filter(signal_history::Column::ObservedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
