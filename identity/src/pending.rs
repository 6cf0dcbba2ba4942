//! Pending authorization requests: what `GET /oauth/authorize` validated,
//! kept in the database (so any replica can continue the flow) for
//! [`REQUEST_TTL_MS`] while the driver signs in to the portal and decides.
//! The id is a 256-bit random secret. The first signed-in driver to open the
//! request claims it; nobody else can see or decide it. The decision consumes
//! it, so it cannot be approved twice.

use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use vdx_core::{AppId, DriverId, ScopeSet, secret};

use crate::IdentityError;
use crate::entity::authorize_request;

/// How long a driver has to sign in and decide.
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
    /// `params.scope`, parsed.
    pub scope: ScopeSet,
    pub driver_id: Option<DriverId>,
}

/// Stores a request; returns its id.
pub async fn create(
    db: &impl ConnectionTrait,
    app: AppId,
    params: &AuthorizeParams,
    now_ms: i64,
) -> Result<String, IdentityError> {
    crate::digest::purge_expired(db, authorize_request::Column::ExpiresAt, now_ms).await?;
    let id = secret::generate("");
    authorize_request::ActiveModel {
        id: Set(id.clone()),
        app_id: Set(app),
        params: Set(serde_json::to_string(params)
            .map_err(|e| IdentityError::Corrupt(format!("an authorization request: {e}")))?),
        driver_id: Set(None),
        created_at: Set(now_ms),
        expires_at: Set(now_ms.saturating_add(REQUEST_TTL_MS)),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Loads request `id` for `driver`: claims it if nobody has, and answers
/// `None` if it does not exist, has expired, or another driver claimed it.
pub async fn claim(
    db: &impl ConnectionTrait,
    id: &str,
    driver: DriverId,
    now_ms: i64,
) -> Result<Option<Pending>, IdentityError> {
    authorize_request::Entity::update_many()
        .col_expr(authorize_request::Column::DriverId, Expr::value(driver.0))
        .filter(authorize_request::Column::Id.eq(id))
        .filter(authorize_request::Column::DriverId.is_null())
        .exec(db)
        .await?;
    let Some(row) = authorize_request::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.expires_at <= now_ms || row.driver_id != Some(driver) {
        return Ok(None);
    }
    let corrupt = |e: &dyn std::fmt::Display| {
        IdentityError::Corrupt(format!("a stored authorization request: {e}"))
    };
    let params: AuthorizeParams = serde_json::from_str(&row.params).map_err(|e| corrupt(&e))?;
    let scope = ScopeSet::parse(&params.scope).map_err(|e| corrupt(&e))?;
    Ok(Some(Pending {
        id: row.id,
        app_id: row.app_id,
        params,
        scope,
        driver_id: row.driver_id,
    }))
}

/// Consumes request `id`; false if another decision consumed it first.
pub async fn take(db: &impl ConnectionTrait, id: &str) -> Result<bool, IdentityError> {
    let deleted = authorize_request::Entity::delete_many()
        .filter(authorize_request::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected == 1)
}
