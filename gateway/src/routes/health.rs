//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when healthy.
    pub status: &'static str,
}

/// Liveness: the process is up and serving HTTP.
#[utoipa::path(tag = "operations", operation_id = "healthz",
    responses((status = 200, description = "The process is alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: the database answers and every migration has been applied.
#[utoipa::path(tag = "operations", operation_id = "readyz",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "Database unreachable or migrations pending", body = crate::problem::Problem, content_type = "application/problem+json"),
    ))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db_bypassing_gate()
        .ping()
        .await
        .map_err(|_| ApiError::Unavailable("the database does not answer".into()))?;
    let current = crate::db::migrations_current(state.db_bypassing_gate())
        .await
        .map_err(|_| ApiError::Unavailable("cannot read the migration state".into()))?;
    if !current {
        return Err(ApiError::Unavailable(
            "database migrations are pending; run `vdx migrate`".into(),
        ));
    }
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}
