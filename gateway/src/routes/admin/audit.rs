//! Reading the audit trail.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use super::AdminCall;
use crate::problem::ApiError;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// At most this many records (default 100, max 1000).
    pub limit: Option<u64>,
}

/// The newest admin changes: who, when, what, before and after.
#[utoipa::path(tag = "admin", operation_id = "admin_audit",
    params(AuditQuery),
    responses((status = 200, description = "Audit records, newest first", body = Vec<vdx_catalog::audit::AuditRecord>)),
    security(("bearer" = ["admin"])))]
#[get("/admin/v1/audit")]
pub async fn list(
    call: AdminCall,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(100).min(1000);
    let rows = vdx_catalog::audit::recent(call.db(), limit).await?;
    Ok(HttpResponse::Ok().json(rows))
}
