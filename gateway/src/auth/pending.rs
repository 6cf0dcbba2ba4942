//! Pending authorization requests: what `GET /oauth/authorize` validated,
//! kept in the database (so any replica can continue the flow) for
//! [`REQUEST_TTL_MS`] while the driver logs in and decides. Each request is
//! bound to the browser's CSRF token (stored as SHA-256) and consumed by the
//! decision, so it cannot be approved twice.

use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use serde::{Deserialize, Serialize};
use vdx_core::{AppId, DriverId, secret};

use super::digest::{same_secret, sha256_hex};
use super::entity::authorize_request;

/// How long a driver has to log in and decide.
pub const REQUEST_TTL_MS: i64 = 10 * 60_000;

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeParams {
    pub redirect_uri: String,
    /// The scopes to approve: requested ∩ allowed, product scopes only.
    pub scope: String,
    pub state: Option<String>,
    pub code_challenge: String,
    /// Product slug → the purpose the consent will name.
    pub purposes: BTreeMap<String, String>,
}

/// A pending request as loaded.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: String,
    pub app_id: AppId,
    pub params: AuthorizeParams,
    pub driver_id: Option<DriverId>,
}

/// Stores a request bound to `csrf_token`; returns its id.
pub async fn create(
    db: &impl ConnectionTrait,
    app: AppId,
    csrf_token: &str,
    params: &AuthorizeParams,
    now_ms: i64,
) -> Result<String, DbErr> {
    authorize_request::Entity::delete_many()
        .filter(authorize_request::Column::ExpiresAt.lt(now_ms))
        .exec(db)
        .await?;
    let id = secret::generate("");
    authorize_request::ActiveModel {
        id: Set(id.clone()),
        csrf_hash: Set(sha256_hex(csrf_token)),
        app_id: Set(app),
        params: Set(serde_json::to_string(params).map_err(|e| DbErr::Custom(e.to_string()))?),
        driver_id: Set(None),
        created_at: Set(now_ms),
        expires_at: Set(now_ms.saturating_add(REQUEST_TTL_MS)),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Loads request `id` if it exists, has not expired and belongs to the
/// browser holding `csrf_token`.
pub async fn find(
    db: &impl ConnectionTrait,
    id: &str,
    csrf_token: &str,
    now_ms: i64,
) -> Result<Option<Pending>, DbErr> {
    let Some(row) = authorize_request::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.expires_at <= now_ms || !same_secret(&sha256_hex(csrf_token), &row.csrf_hash) {
        return Ok(None);
    }
    let params = serde_json::from_str(&row.params).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(Some(Pending {
        id: row.id,
        app_id: row.app_id,
        params,
        driver_id: row.driver_id,
    }))
}

/// Records that `driver` logged in for request `id`.
pub async fn attach_driver(
    db: &impl ConnectionTrait,
    id: &str,
    driver: DriverId,
) -> Result<(), DbErr> {
    authorize_request::Entity::update_many()
        .col_expr(authorize_request::Column::DriverId, Expr::value(driver.0))
        .filter(authorize_request::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Consumes request `id`; false if another decision consumed it first.
pub async fn take(db: &impl ConnectionTrait, id: &str) -> Result<bool, DbErr> {
    let deleted = authorize_request::Entity::delete_many()
        .filter(authorize_request::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected == 1)
}
