//! Importing the COVESA VSS catalog and browsing its signals.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use super::AdminCall;
use crate::problem::{ApiError, Problem};

/// Largest VSS export accepted (the full VSS tree is about 1 MB).
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Signals the file no longer has; kept, and marked deprecated.
    pub deprecated: usize,
}

/// Imports a vss-tools JSON export, all or nothing.
#[utoipa::path(tag = "admin", operation_id = "admin_catalog_import",
    request_body(content = serde_json::Value, description = "A vss-tools JSON export", content_type = "application/json"),
    responses(
        (status = 200, description = "Imported", body = ImportSummary),
        (status = 422, description = "Invalid file; the error names the node and nothing was imported", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])))]
#[post("/import")]
pub async fn import(call: AdminCall, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("INVALID_INPUT", "the body must be UTF-8 JSON"))?;
    let summary = vdx_catalog::vss::import_as(call.db(), call.actor(), text, call.now_ms()).await?;
    Ok(HttpResponse::Ok().json(ImportSummary {
        added: summary.added,
        changed: summary.changed,
        unchanged: summary.unchanged,
        deprecated: summary.deprecated,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignalQuery {
    /// Only signals under this VSS path prefix.
    pub prefix: Option<String>,
    /// At most this many (default 200, max 2000).
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignalDto {
    pub path: String,
    /// branch, sensor, actuator or attribute.
    pub node_type: String,
    pub datatype: Option<String>,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub description: String,
    pub deprecated: bool,
}

/// Lists catalog signals by path.
#[utoipa::path(tag = "admin", operation_id = "admin_catalog_signals",
    params(SignalQuery),
    responses((status = 200, description = "Signals", body = Vec<SignalDto>)),
    security(("bearer" = ["admin"])))]
#[get("/signals")]
pub async fn signals(
    call: AdminCall,
    query: web::Query<SignalQuery>,
) -> Result<HttpResponse, ApiError> {
    let prefix = query.prefix.as_deref().filter(|p| !p.is_empty());
    let limit = query.limit.unwrap_or(200).min(2000);
    let rows = vdx_catalog::vss::list_signals(call.db(), prefix, limit).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|s| SignalDto {
                deprecated: s.deprecated_at.is_some(),
                path: s.path,
                node_type: s.node_type,
                datatype: s.datatype,
                unit: s.unit,
                min: s.min,
                max: s.max,
                description: s.description,
            })
            .collect::<Vec<_>>(),
    ))
}
