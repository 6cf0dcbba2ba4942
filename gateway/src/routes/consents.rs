//! The partner side of consent: list the consents given to the calling app
//! (paged), end one (`revoked_by_partner`), download a receipt. A consent of
//! another app is answered exactly like one that does not exist.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use vdx_consent::records::{self, ConsentStatus};
use vdx_consent::views::{self, ConsentView};
use vdx_core::ConsentId;

use crate::auth::Authenticated;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

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

/// The consents drivers have given the calling app, newest first.
#[utoipa::path(get, path = "/v1/consents", tag = "consents", operation_id = "list_consents",
    params(Page), responses((status = 200, description = "A page of consents", body = ConsentPage)), security(("bearer" = [])))]
pub async fn list(
    Authenticated(p): Authenticated,
    page: web::Query<Page>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let limit = page.limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let rows = records::of_app(&state.db, p.app().app_id, page.cursor, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    let rows: Vec<_> = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(50))
        .collect();
    let next = if more {
        rows.last().map(|r| r.id.0)
    } else {
        None
    };
    let consents = views::consents(&state.db, rows, vdx_catalog::now_ms()).await?;
    Ok(HttpResponse::Ok().json(ConsentPage { consents, next }))
}

async fn own(
    p: &vdx_core::Principal,
    state: &AppState,
    id: i64,
) -> Result<vdx_consent::entity::consent::Model, ApiError> {
    records::find(&state.db, ConsentId(id))
        .await?
        .filter(|c| c.app_id == p.app().app_id)
        .ok_or_else(|| ApiError::NotFound(format!("no consent {id} for this app")))
}

/// Ends a consent from the partner's side (status `revoked_by_partner`).
#[utoipa::path(post, path = "/v1/consents/{id}/revoke", tag = "consents", operation_id = "revoke_consent",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Revoked", body = ConsentView), (status = 404, description = "No such consent for this app", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not active", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn revoke(
    Authenticated(p): Authenticated,
    id: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let consent = own(&p, &state, *id).await?;
    let actor = format!("partner:{}", p.app().client_id);
    let now = vdx_catalog::now_ms();
    let updated = records::change_status(
        &state.db,
        consent.id,
        ConsentStatus::RevokedByPartner,
        &actor,
        now,
    )
    .await?;
    let view = views::consents(&state.db, vec![updated], now)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("consent vanished"))?;
    Ok(HttpResponse::Ok().json(view))
}

/// The consent receipt (ISO/IEC TS 27560 style) of one of the app's consents.
#[utoipa::path(get, path = "/v1/consents/{id}/receipt", tag = "consents", operation_id = "consent_receipt",
    params(("id" = i64, Path)), responses((status = 200, description = "Receipt", body = serde_json::Value)), security(("bearer" = [])))]
pub async fn receipt(
    Authenticated(p): Authenticated,
    id: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let consent = own(&p, &state, *id).await?;
    Ok(HttpResponse::Ok().json(vdx_consent::receipt::receipt(&state.db, &consent).await?))
}
