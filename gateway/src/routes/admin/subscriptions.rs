//! Approving, rejecting, suspending, resuming and ending subscriptions.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use vdx_catalog::subscriptions::{self, Decision, SubscriptionView};
use vdx_core::SubscriptionId;

use super::AdminCall;
use crate::problem::{ApiError, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// pending, active, rejected, suspended or ended.
    pub status: Option<String>,
}

/// Subscriptions, newest first.
#[utoipa::path(tag = "admin", operation_id = "admin_list_subscriptions",
    params(ListQuery), responses((status = 200, description = "Subscriptions", body = Vec<SubscriptionView>)), security(("bearer" = ["admin"])))]
#[get("/admin/v1/subscriptions")]
pub async fn list(call: AdminCall, query: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let status = query.status.as_deref();
    Ok(HttpResponse::Ok().json(subscriptions::list(call.db(), None, status).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub decision: Decision,
    /// Required to reject, suspend or end.
    pub reason: Option<String>,
}

/// Decides on a subscription: approve or reject a pending one; suspend, resume or end an approved one.
#[utoipa::path(tag = "admin", operation_id = "admin_decide_subscription",
    params(("id" = i64, Path)), request_body = DecisionBody,
    responses((status = 200, description = "Decided", body = SubscriptionView), (status = 409, description = "Not allowed from the current status", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/subscriptions/{id}/decision")]
pub async fn decide(
    call: AdminCall,
    id: web::Path<i64>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let (DecisionBody { decision, reason }, id) = (body.into_inner(), SubscriptionId(*id));
    let (db, actor, now) = (call.db(), call.actor(), call.now_ms());
    let view = subscriptions::decide(db, actor, id, decision, reason, now).await?;
    Ok(HttpResponse::Ok().json(view))
}
