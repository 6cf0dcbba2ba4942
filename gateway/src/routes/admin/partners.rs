//! Partner organisations (their apps are OAuth clients, managed with the apps endpoints).

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};

use super::AdminCall;
use crate::problem::ApiError;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartnerDto {
    pub id: i64,
    pub name: String,
}

/// Registers a partner organisation.
#[utoipa::path(tag = "admin", operation_id = "admin_create_partner",
    request_body = NewPartner,
    responses((status = 201, description = "Created", body = PartnerDto), (status = 409, description = "Name taken", body = crate::problem::Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/partners")]
pub async fn create(
    call: AdminCall,
    body: web::Json<NewPartner>,
) -> Result<HttpResponse, ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.len() > 128 {
        return Err(ApiError::bad_request(
            "INVALID_INPUT",
            "name must have 1 to 128 characters",
        ));
    }
    let (db, now) = (call.db(), call.now_ms());
    let partner = vdx_catalog::marketplace::register_partner(db, name, call.actor(), now).await?;
    Ok(HttpResponse::Created().json(PartnerDto {
        id: partner.id.0,
        name: partner.name,
    }))
}
