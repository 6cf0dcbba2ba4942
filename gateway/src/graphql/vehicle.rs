//! Vehicle data for partners: `vehicle(vin, product, purpose) { latest(paths)
//! history(path, from, to, first, after) }`.
//! `vehicle` takes the grant the partner gate admitted for the request (see
//! `admission`); its fields serve through the gate. `vehicles` lists the
//! consented vehicles.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use vdx_consent::Read;
use vdx_telemetry::gate::Charged;

use super::{admission, app_of, gql_error, request_id_of};
use crate::partner;
use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Default)]
pub struct VehicleQuery;

/// A vehicle the app may read or command: an active consent's vehicle,
/// product and purpose.
#[derive(SimpleObject)]
pub struct ConsentedVehicle {
    vin: String,
    product: String,
    purpose: String,
    /// `read`, `command` or both.
    scopes: String,
    /// When the consent ends.
    expires_at: DateTime<Utc>,
    /// The consent this rests on (as in `GET /v1/consents`).
    consent_id: ID,
}

/// A page of consented vehicles, newest consent first.
#[derive(SimpleObject)]
pub struct ConsentedVehicles {
    nodes: Vec<ConsentedVehicle>,
    /// Pass as `after` for the next page; null on the last page.
    next_cursor: Option<String>,
}

#[Object]
impl VehicleQuery {
    /// One vehicle's data under a consented product and purpose. An unknown
    /// VIN and a VIN without consent give the same `NO_CONSENT` error.
    #[tracing::instrument(skip_all, fields(
        request_id = request_id_of(ctx), app = app_of(ctx), vehicle = %vin, product = %product,
    ))]
    async fn vehicle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Vehicle Identification Number")] vin: String,
        #[graphql(desc = "Data product slug, e.g. ev-charging")] product: String,
        #[graphql(desc = "Purpose of processing, e.g. smart_charging")] purpose: String,
    ) -> async_graphql::Result<VehicleData> {
        admission::request(ctx)?;
        let target = partner::parse_target(&vin, &product, &purpose).map_err(gql_error)?;
        let charged = admission::of(ctx)?
            .read(&target)
            .map_err(|r| gql_error(r.into()))?
            .clone();
        for (name, value) in partner::lifecycle_headers(charged.product()) {
            ctx.insert_http_header(name, value);
        }
        Ok(VehicleData { charged })
    }

    /// The vehicles drivers have consented to share with this app (active
    /// consents; for a token a driver authorised, only that driver's), newest
    /// first. `first` is 1 to 100.
    #[tracing::instrument(skip_all, fields(request_id = request_id_of(ctx), app = app_of(ctx)))]
    async fn vehicles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100", default = 50)] first: u64,
        #[graphql(desc = "nextCursor of the previous page")] after: Option<String>,
    ) -> async_graphql::Result<ConsentedVehicles> {
        let request = admission::request(ctx)?;
        let state = ctx.data::<Arc<AppState>>()?;
        if !(1..=100).contains(&first) {
            return Err(gql_error(ApiError::bad_request(
                "INVALID_INPUT",
                "first must be between 1 and 100",
            )));
        }
        let cursor = after
            .map(|c| {
                c.parse::<i64>().map_err(|_| {
                    gql_error(ApiError::bad_request(
                        "INVALID_INPUT",
                        format!("{c:?} is not a cursor of this query"),
                    ))
                })
            })
            .transpose()?;
        let page = state
            .gate
            .consents(request, cursor, first, true)
            .await
            .map_err(|e| gql_error(e.into()))?;
        Ok(ConsentedVehicles {
            nodes: page
                .consents
                .into_iter()
                .map(|c| {
                    Ok(ConsentedVehicle {
                        expires_at: partner::stored_time(c.expires_at, "consent expiry")
                            .map_err(gql_error)?,
                        vin: c.vin,
                        product: c.product,
                        purpose: c.purpose,
                        scopes: c.scopes,
                        consent_id: ID(c.id.to_string()),
                    })
                })
                .collect::<async_graphql::Result<_>>()?,
            next_cursor: page.next.map(|n| n.to_string()),
        })
    }
}

pub struct VehicleData {
    charged: Charged<Read>,
}

/// One signal's latest value.
#[derive(SimpleObject)]
pub struct SignalValue {
    /// VSS path.
    path: String,
    /// The value, typed as in the VSS catalog.
    value: Json<serde_json::Value>,
    /// When the car observed it.
    observed_at: DateTime<Utc>,
}

/// Latest values, and the requested paths that were withheld.
#[derive(SimpleObject)]
pub struct Snapshot {
    signals: Vec<SignalValue>,
    /// Requested paths the consented product does not cover; not returned.
    withheld: Vec<String>,
}

/// A page of one signal's history, oldest first.
#[derive(SimpleObject)]
pub struct HistoryPage {
    values: Vec<SignalValue>,
    /// Pass as `after` for the next page; null on the last page.
    next_cursor: Option<String>,
    /// The path, if the consented product does not cover it (then `values` is empty).
    withheld: Vec<String>,
}

impl SignalValue {
    /// A stored value; a time out of range is a corrupt row, an `INTERNAL` error.
    fn of(v: vdx_telemetry::SignalValue) -> async_graphql::Result<Self> {
        Ok(Self {
            observed_at: partner::stored_time(v.observed_at_ms, "observation time")
                .map_err(gql_error)?,
            path: v.path.to_string(),
            value: Json(v.value),
        })
    }
}

#[Object]
impl VehicleData {
    async fn vin(&self) -> &str {
        self.charged.vin().as_str()
    }

    async fn product(&self) -> &str {
        self.charged.product().slug.as_str()
    }

    async fn purpose(&self) -> &str {
        self.charged.purpose().as_str()
    }

    /// The latest value of each consented signal; `paths` (VSS paths or
    /// branches) narrows the selection.
    async fn latest(
        &self,
        ctx: &Context<'_>,
        paths: Option<Vec<String>>,
    ) -> async_graphql::Result<Snapshot> {
        let state = ctx.data::<Arc<AppState>>()?;
        let request = admission::request(ctx)?;
        let paths = partner::parse_paths(paths).map_err(gql_error)?;
        let snapshot = state
            .gate
            .latest(request, &self.charged, paths)
            .await
            .map_err(|e| gql_error(e.into()))?;
        Ok(Snapshot {
            signals: snapshot
                .values
                .into_iter()
                .map(SignalValue::of)
                .collect::<async_graphql::Result<_>>()?,
            withheld: snapshot.withheld.iter().map(ToString::to_string).collect(),
        })
    }

    /// Past values of one consented signal, oldest first, never from before
    /// the consent or the product's history window; `first` is 1 to 500.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "One VSS signal path")] path: String,
        #[graphql(desc = "Observed at or after")] from: Option<DateTime<Utc>>,
        #[graphql(desc = "Observed before")] to: Option<DateTime<Utc>>,
        #[graphql(desc = "Page size, 1 to 500", default = 100)] first: u64,
        #[graphql(desc = "nextCursor of the previous page")] after: Option<String>,
    ) -> async_graphql::Result<HistoryPage> {
        let state = ctx.data::<Arc<AppState>>()?;
        let request = admission::request(ctx)?;
        let path = partner::parse_path(&path).map_err(gql_error)?;
        let query = vdx_telemetry::history::HistoryQuery {
            path,
            from_ms: from.map(|t| t.timestamp_millis()),
            to_ms: to.map(|t| t.timestamp_millis()),
            after,
            first,
        };
        let history = state
            .gate
            .history(request, &self.charged, &query)
            .await
            .map_err(|e| gql_error(e.into()))?;
        Ok(HistoryPage {
            values: history
                .page
                .values
                .into_iter()
                .map(SignalValue::of)
                .collect::<async_graphql::Result<_>>()?,
            next_cursor: history.page.next_cursor,
            withheld: history.withheld.iter().map(ToString::to_string).collect(),
        })
    }
}
