//! `POST /v1/ingest`: the OEM's telemetry ingest (scope `ingest`). Batches of
//! VSS signal values per vehicle; all or nothing, duplicates ignored, late and
//! out-of-order samples accepted. The rules live in `vdx_telemetry::ingest`.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vdx_core::Scope;
use vdx_telemetry::ingest::{Sample, Upload};

use crate::auth::Authenticated;
use crate::problem::{ApiError, Problem};
use crate::routes::responses::Unauthenticated;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestRequest {
    /// Uploads, one per vehicle (a vehicle may appear more than once).
    pub vehicles: Vec<VehicleUpload>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VehicleUpload {
    /// Vehicle Identification Number of a registered vehicle.
    pub vin: String,
    pub samples: Vec<SampleDto>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleDto {
    /// VSS path of a sensor, actuator or attribute in the catalog.
    pub path: String,
    /// The value, of the signal's datatype.
    pub value: serde_json::Value,
    /// When the car observed it (RFC 3339).
    pub observed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IngestResponse {
    /// Samples stored.
    pub accepted: u64,
    /// Samples already stored (same vehicle, path and time), ignored.
    pub duplicates: u64,
}

/// Stores a batch of signal values, all or nothing.
#[utoipa::path(tag = "ingest", operation_id = "ingest",
    request_body = IngestRequest,
    responses(
        (status = 200, description = "Stored; duplicates ignored", body = IngestResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        Unauthenticated,
        (status = 403, description = "The token lacks the `ingest` scope", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Too many samples or too large a body", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid samples, each named in `errors`; nothing stored", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ingest"])))]
#[post("/v1/ingest")]
#[tracing::instrument(skip_all, fields(vehicles = body.vehicles.len()))]
pub async fn ingest(
    Authenticated(principal): Authenticated,
    body: web::Json<IngestRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !principal.has_scope(&Scope::Ingest) {
        return Err(ApiError::Denied(vdx_consent::Denial::InsufficientScope(
            Scope::Ingest,
        )));
    }
    let uploads: Vec<Upload> = body
        .into_inner()
        .vehicles
        .into_iter()
        .map(|v| Upload {
            vin: v.vin,
            samples: v
                .samples
                .into_iter()
                .map(|s| Sample {
                    path: s.path,
                    value: s.value,
                    observed_at_ms: s.observed_at.timestamp_millis(),
                })
                .collect(),
        })
        .collect();
    let summary = vdx_telemetry::ingest::ingest(
        state.db_bypassing_gate(),
        state.gate.latest_cache(),
        &uploads,
        state.now_ms(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(IngestResponse {
        accepted: summary.accepted,
        duplicates: summary.duplicates,
    }))
}
