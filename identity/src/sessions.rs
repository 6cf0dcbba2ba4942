//! Driver portal sessions: a random token (the gateway puts it in a cookie),
//! stored only as its SHA-256, with a per-session CSRF token that every
//! state-changing form must echo. A session lasts [`TTL_MS`]. Cookies and
//! redirects are the gateway's; this module keeps the rows.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use vdx_consent::Driver;
use vdx_core::{DriverId, secret};

use crate::digest::{find_by_secret, sha256_hex};
use crate::entity::portal_session;
use crate::{IdentityError, drivers};

/// A session lasts 12 hours.
pub const TTL_MS: i64 = 12 * 3600 * 1000;

/// A signed-in driver and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub driver: Driver,
    pub csrf: String,
}

/// Starts a session for `driver`; returns its token, which only the driver's
/// browser keeps (the database holds its hash).
pub async fn start(
    db: &impl ConnectionTrait,
    driver: DriverId,
    now_ms: i64,
) -> Result<String, IdentityError> {
    let token = secret::generate("");
    portal_session::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        driver_id: Set(driver),
        csrf: Set(secret::generate("")),
        created_at: Set(now_ms),
        expires_at: Set(now_ms.saturating_add(TTL_MS)),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The driver signed in with session `token`, if the session is live and the
/// driver still exists.
pub async fn find(
    db: &impl ConnectionTrait,
    token: &str,
    now_ms: i64,
) -> Result<Option<SignedIn>, IdentityError> {
    let Some(session) = find_by_secret::<portal_session::Entity>(token)
        .filter(portal_session::Column::ExpiresAt.gt(now_ms))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(drivers::by_id(db, session.driver_id)
        .await?
        .map(|driver| SignedIn {
            driver,
            csrf: session.csrf,
        }))
}

/// Ends session `token` (nothing if there is none).
pub async fn end(db: &impl ConnectionTrait, token: &str) -> Result<(), IdentityError> {
    portal_session::Entity::delete_by_id(sha256_hex(token))
        .exec(db)
        .await?;
    Ok(())
}
