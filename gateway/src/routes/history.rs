//! `GET /v1/vehicles/{vin}/history`: the REST twin of the GraphQL
//! `vehicle { history }` query. One signal, a time range, cursor pages.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vdx_consent::Read;
use vdx_telemetry::gate::Charged;
use vdx_telemetry::history::HistoryQuery;

use crate::partner;
use crate::problem::{ApiError, Problem};
use crate::routes::PartnerCall;
use crate::routes::responses::VehicleReadErrors;
use crate::routes::vehicles::{SignalValueDto, serve_read, values, withheld};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// The data product the consent was given for, e.g. `ev-charging`.
    pub product: String,
    /// The purpose of processing, e.g. `smart_charging`.
    pub purpose: String,
    /// One VSS signal path.
    pub path: String,
    /// Observed at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Observed before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// `next_cursor` of the previous page.
    pub after: Option<String>,
    /// Page size, 1 to 500; 100 if absent.
    pub first: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryResponse {
    pub vin: String,
    pub product: String,
    pub purpose: String,
    /// Oldest first; nothing from before the consent or the product's history window.
    pub values: Vec<SignalValueDto>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The path, if the consented product does not cover it (then `values` is empty).
    pub withheld: Vec<String>,
}

/// Past values of one consented signal of one vehicle.
#[utoipa::path(tag = "vehicles", operation_id = "vehicle_history",
    params(("vin" = String, Path, description = "Vehicle Identification Number"), HistoryParams),
    responses(
        (status = 200, description = "A page of history", body = HistoryResponse),
        (status = 400, description = "Malformed VIN, product, purpose, path, cursor or page size", body = Problem, content_type = "application/problem+json"),
        VehicleReadErrors,
    ),
    security(("bearer" = [])))]
#[get("/v1/vehicles/{vin}/history")]
#[tracing::instrument(skip_all, fields(request_id = %call.ctx().request_id(), app = %call.ctx().principal().app().client_id))]
pub async fn history(
    call: PartnerCall,
    vin: web::Path<String>,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let target = partner::parse_target(&vin, &params.product, &params.purpose)?;
    let query = HistoryQuery {
        path: partner::parse_path(&params.path)?,
        from_ms: params.from.map(|t| t.timestamp_millis()),
        to_ms: params.to.map(|t| t.timestamp_millis()),
        after: params.after.clone(),
        first: params.first.unwrap_or(100),
    };
    vdx_telemetry::history::check(&query).map_err(|e| ApiError::bad_request("INVALID_INPUT", e))?;
    let read = async |charged: &Charged<Read>| {
        Ok(call.gate().history(call.ctx(), charged, &query).await?)
    };
    serve_read(&call, target, read, |s, history| {
        Ok(HistoryResponse {
            vin: s.vin,
            product: s.product,
            purpose: s.purpose,
            values: values(history.page.values)?,
            next_cursor: history.page.next_cursor,
            withheld: withheld(&history.withheld),
        })
    })
    .await
}
