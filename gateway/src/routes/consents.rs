//! The partner side of consent: list the consents given to the calling app
//! (paged), end one (`revoked_by_partner`), download a receipt. A consent of
//! another app is answered exactly like one that does not exist.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use vdx_consent::views::ConsentView;

use crate::problem::{ApiError, Problem};
use crate::routes::PartnerCall;

const MAX_PAGE: u64 = 100;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// The `next` cursor of the previous page.
    pub cursor: Option<i64>,
    /// Page size, at most 100 (default 50).
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentPage {
    pub consents: Vec<ConsentView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next: Option<i64>,
}

/// The consents drivers have given the calling app, newest first (for a
/// token a driver authorised, only that driver's).
#[utoipa::path(tag = "consents", operation_id = "list_consents",
    params(Page), responses((status = 200, description = "A page of consents", body = ConsentPage)), security(("bearer" = [])))]
#[get("/v1/consents")]
#[tracing::instrument(skip_all, fields(request_id = %call.ctx().request_id(), app = %call.ctx().principal().app().client_id))]
pub async fn list(call: PartnerCall, page: web::Query<Page>) -> Result<HttpResponse, ApiError> {
    let limit = page.limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let page = call
        .gate()
        .consents(call.ctx(), page.cursor, limit, false)
        .await?;
    Ok(HttpResponse::Ok().json(ConsentPage {
        consents: page.consents,
        next: page.next,
    }))
}

/// 200 with what the gate answered for the app's consent `id`; 404 when
/// the app has no such consent (another app's is answered the same).
fn found<T: Serialize>(id: i64, answer: Option<T>) -> Result<HttpResponse, ApiError> {
    let answer =
        answer.ok_or_else(|| ApiError::NotFound(format!("no consent {id} for this app")))?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Ends a consent from the partner's side (status `revoked_by_partner`).
#[utoipa::path(tag = "consents", operation_id = "revoke_consent",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Revoked", body = ConsentView), (status = 404, description = "No such consent for this app", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not active", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/v1/consents/{id}/revoke")]
#[tracing::instrument(skip_all, fields(request_id = %call.ctx().request_id(), app = %call.ctx().principal().app().client_id, consent = *id))]
pub async fn revoke(call: PartnerCall, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    found(*id, call.gate().revoke_consent(call.ctx(), *id).await?)
}

/// The consent receipt (ISO/IEC TS 27560 style) of one of the app's consents.
#[utoipa::path(tag = "consents", operation_id = "consent_receipt",
    params(("id" = i64, Path)), responses((status = 200, description = "Receipt", body = serde_json::Value)), security(("bearer" = [])))]
#[get("/v1/consents/{id}/receipt")]
#[tracing::instrument(skip_all, fields(request_id = %call.ctx().request_id(), app = %call.ctx().principal().app().client_id, consent = *id))]
pub async fn receipt(call: PartnerCall, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    found(*id, call.gate().consent_receipt(call.ctx(), *id).await?)
}
