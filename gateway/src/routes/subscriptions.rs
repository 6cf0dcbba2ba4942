//! The partner side of subscriptions: request one, list your own, and fetch
//! your own monthly statement. Any valid app token will do; scopes come later,
//! from the subscriptions an admin approves.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use vdx_catalog::subscriptions::{self, SubscriptionView};
use vdx_consent::statements::{self, Statement};

use crate::auth::Authenticated;
use crate::problem::{ApiError, Problem};
use crate::routes::statement_dto::{StatementQuery, render};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRequest {
    /// Product slug.
    pub product: String,
    /// A published version of it.
    pub version: String,
    /// One of the product's plans.
    pub plan: String,
}

/// Requests a subscription for the calling app; it waits for an admin's decision.
#[utoipa::path(tag = "subscriptions", operation_id = "request_subscription",
    request_body = SubscriptionRequest,
    responses(
        (status = 201, description = "Requested (status pending)", body = SubscriptionView),
        (status = 404, description = "No such product, version or plan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already subscribed, or the version takes no new subscriptions", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[post("/v1/subscriptions")]
pub async fn request(
    Authenticated(p): Authenticated,
    body: web::Json<SubscriptionRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = subscriptions::request(
        state.db_bypassing_gate(),
        p.app().app_id,
        &body.product,
        &body.version,
        &body.plan,
        state.now_ms(),
    )
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The calling app's subscriptions, newest first.
#[utoipa::path(tag = "subscriptions", operation_id = "list_subscriptions",
    responses((status = 200, description = "Subscriptions", body = Vec<SubscriptionView>)), security(("bearer" = [])))]
#[get("/v1/subscriptions")]
pub async fn list(
    Authenticated(p): Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(subscriptions::list(state.db_bypassing_gate(), Some(p.app().app_id), None).await?))
}

/// The calling app's statement for a month, as JSON or CSV.
#[utoipa::path(tag = "subscriptions", operation_id = "statements",
    params(StatementQuery),
    responses((status = 200, description = "Statement as JSON, or CSV (format=csv or Accept: text/csv)", content((Statement = "application/json"), (String = "text/csv")))),
    security(("bearer" = [])))]
#[get("/v1/statements")]
pub async fn statement(
    Authenticated(p): Authenticated,
    req: HttpRequest,
    query: web::Query<StatementQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let month = query.month()?;
    let statement =
        statements::statement(state.db_bypassing_gate(), &month, Some(p.app().app_id)).await?;
    render(&req, query.format.as_deref(), &statement)
}
