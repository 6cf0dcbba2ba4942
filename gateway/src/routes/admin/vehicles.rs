//! OEM actions on vehicles and consents: transferring ownership (which ends
//! every consent of the previous owner for that vehicle) and revoking a
//! consent as the OEM.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use vdx_consent::people;
use vdx_core::{ConsentId, Vin};

use super::AdminCall;
use crate::problem::{ApiError, Problem};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The new owner's username.
    pub new_owner: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferResult {
    pub vin: String,
    pub new_owner: String,
    /// Consents of the previous owner that were ended.
    pub consents_ended: usize,
}

/// Transfers a vehicle to a new owner; every consent the previous owner gave for it ends.
#[utoipa::path(tag = "admin", operation_id = "admin_transfer_vehicle",
    params(("vin" = String, Path)), request_body = Transfer,
    responses((status = 200, description = "Transferred", body = TransferResult), (status = 404, description = "Unknown vehicle or driver", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/vehicles/{vin}/owner")]
pub async fn transfer(
    call: AdminCall,
    vin: web::Path<String>,
    body: web::Json<Transfer>,
) -> Result<HttpResponse, ApiError> {
    let vin =
        Vin::parse(&vin).map_err(|e| ApiError::bad_request("INVALID_INPUT", e.to_string()))?;
    let (db, owner) = (call.db(), &body.new_owner);
    let done = people::transfer_ownership(db, &vin, owner, call.actor(), call.now_ms()).await?;
    Ok(HttpResponse::Ok().json(TransferResult {
        vin: done.vin.to_string(),
        new_owner: done.new_owner,
        consents_ended: done.consents_ended,
    }))
}

/// Revokes a consent as the OEM (status `revoked_by_oem`).
#[utoipa::path(tag = "admin", operation_id = "admin_revoke_consent",
    params(("id" = i64, Path)), responses((status = 200, description = "Revoked"), (status = 409, description = "Not active", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/consents/{id}/revoke")]
pub async fn revoke_consent(call: AdminCall, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let (db, id) = (call.db(), ConsentId(*id));
    let updated = vdx_consent::oem::revoke_consent(db, id, call.actor(), call.now_ms()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"id": updated.id, "status": updated.status})))
}
