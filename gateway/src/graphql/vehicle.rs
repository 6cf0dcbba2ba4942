//! Vehicle data for partners: `vehicle(vin, product, purpose) { latest(paths)
//! history(path, from, to, first, after) }`.
//! Resolving `vehicle` runs the consent decision; its fields hold the grant.

use std::sync::Arc;

use async_graphql::{Context, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use vdx_consent::{Grant, Read};
use vdx_core::Principal;

use super::gql_error;
use crate::partner;
use crate::problem::ApiError;
use crate::request_id::RequestId;
use crate::state::AppState;

#[derive(Default)]
pub struct VehicleQuery;

#[Object]
impl VehicleQuery {
    /// One vehicle's data under a consented product and purpose. An unknown
    /// VIN and a VIN without consent give the same `NO_CONSENT` error.
    async fn vehicle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Vehicle Identification Number")] vin: String,
        #[graphql(desc = "Data product slug, e.g. ev-charging")] product: String,
        #[graphql(desc = "Purpose of processing, e.g. smart_charging")] purpose: String,
    ) -> async_graphql::Result<VehicleData> {
        let principal = ctx
            .data_opt::<Principal>()
            .ok_or_else(|| gql_error(ApiError::Unauthenticated))?;
        let state = ctx.data::<Arc<AppState>>()?;
        let (vin, product, purpose) =
            partner::parse_target(&vin, &product, &purpose).map_err(gql_error)?;
        let grant =
            partner::decide::<vdx_consent::Read>(state, principal, &vin, &product, &purpose)
                .await
                .map_err(gql_error)?;
        super::cost::charge(ctx, &grant).await?;
        for (name, value) in partner::lifecycle_headers(grant.product()) {
            ctx.insert_http_header(name, value);
        }
        Ok(VehicleData { grant })
    }
}

pub struct VehicleData {
    grant: Grant<Read>,
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

impl From<vdx_telemetry::SignalValue> for SignalValue {
    fn from(v: vdx_telemetry::SignalValue) -> Self {
        Self {
            path: v.path.to_string(),
            value: Json(v.value),
            observed_at: DateTime::from_timestamp_millis(v.observed_at_ms).unwrap_or_default(),
        }
    }
}

#[Object]
impl VehicleData {
    async fn vin(&self) -> &str {
        self.grant.vin().as_str()
    }

    async fn product(&self) -> &str {
        self.grant.product().slug.as_str()
    }

    async fn purpose(&self) -> &str {
        self.grant.purpose().as_str()
    }

    /// The latest value of each consented signal; `paths` (VSS paths or
    /// branches) narrows the selection.
    async fn latest(
        &self,
        ctx: &Context<'_>,
        paths: Option<Vec<String>>,
    ) -> async_graphql::Result<Snapshot> {
        let state = ctx.data::<Arc<AppState>>()?;
        let request_id = ctx.data::<RequestId>()?;
        let paths = partner::parse_paths(paths).map_err(gql_error)?;
        let snapshot = partner::latest(state, self.grant.clone(), paths, &request_id.0)
            .await
            .map_err(gql_error)?;
        Ok(Snapshot {
            signals: snapshot.values.into_iter().map(SignalValue::from).collect(),
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
        let request_id = ctx.data::<RequestId>()?;
        let path = partner::parse_paths(Some(vec![path]))
            .map_err(gql_error)?
            .and_then(|mut p| p.pop())
            .ok_or_else(|| gql_error(ApiError::bad_request("INVALID_INPUT", "path is required")))?;
        let query = vdx_telemetry::history::HistoryQuery {
            path,
            from_ms: from.map(|t| t.timestamp_millis()),
            to_ms: to.map(|t| t.timestamp_millis()),
            after,
            first,
        };
        let history = partner::history(&state.db, self.grant.clone(), &query, &request_id.0)
            .await
            .map_err(gql_error)?;
        Ok(HistoryPage {
            values: history
                .page
                .values
                .into_iter()
                .map(SignalValue::from)
                .collect(),
            next_cursor: history.page.next_cursor,
            withheld: history.withheld.iter().map(ToString::to_string).collect(),
        })
    }
}
