//! Token families and refresh tokens. A family is one grant: the tokens that
//! descend from one authorization code. Refresh tokens are opaque random
//! strings, stored as SHA-256; each use rotates the token (the old one is
//! marked rotated and a new one issued in the same transaction). Presenting a
//! rotated token again is reuse: the whole family is revoked, its refresh
//! tokens stop working and every access token it issued (they carry the family
//! id as `sid`) is refused on its next request.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};
use secrecy::SecretString;
use vdx_core::{AppId, DriverId, ScopeSet, secret};

use crate::digest::{row_by_secret, sha256_hex};
use crate::entity::{refresh_token, token_family};
use crate::{IdentityError, LEEWAY_MS, revocation};

/// Lifetimes that decide when grant state expires.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub access_ms: i64,
    pub refresh_ms: i64,
}

impl Lifetimes {
    /// How long a family's revocation must be remembered: until the last
    /// access token it issued has expired.
    fn revocation_horizon(&self, now_ms: i64) -> i64 {
        now_ms
            .saturating_add(self.access_ms)
            .saturating_add(LEEWAY_MS)
    }
}

/// A token family (one grant), as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFamily {
    pub id: String,
    pub app_id: AppId,
    pub driver_id: Option<DriverId>,
    /// The scopes the grant approved.
    pub scope: ScopeSet,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
}

impl TryFrom<token_family::Model> for TokenFamily {
    type Error = IdentityError;

    fn try_from(m: token_family::Model) -> Result<Self, IdentityError> {
        let scope = ScopeSet::parse(&m.scope)
            .map_err(|e| IdentityError::Corrupt(format!("token family {}: scope: {e}", m.id)))?;
        Ok(Self {
            id: m.id,
            app_id: m.app_id,
            driver_id: m.driver_id,
            scope,
            created_at: m.created_at,
            revoked_at: m.revoked_at,
            revoked_reason: m.revoked_reason,
        })
    }
}

/// A refresh token as stored (without its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub family_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// Set when the token was exchanged for its successor; a second use is reuse.
    pub rotated_at: Option<i64>,
}

impl From<&refresh_token::Model> for RefreshToken {
    fn from(m: &refresh_token::Model) -> Self {
        Self {
            family_id: m.family_id.clone(),
            created_at: m.created_at,
            expires_at: m.expires_at,
            rotated_at: m.rotated_at,
        }
    }
}

/// A rotated refresh token's family and its successor (`Debug` leaves the token out).
#[derive(Clone, Debug)]
pub struct Rotated {
    pub family: TokenFamily,
    pub refresh_token: SecretString,
}

/// Starts a token family for `app` (and the driver who authorised it).
pub async fn start_family(
    db: &impl ConnectionTrait,
    id: &str,
    app: AppId,
    driver: Option<DriverId>,
    scope: &ScopeSet,
    now_ms: i64,
) -> Result<(), IdentityError> {
    token_family::ActiveModel {
        id: Set(id.to_owned()),
        app_id: Set(app),
        driver_id: Set(driver),
        scope: Set(scope.to_string()),
        created_at: Set(now_ms),
        revoked_at: Set(None),
        revoked_reason: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Issues a refresh token in `family`; returns the token (only its hash is stored).
pub async fn new_refresh_token(
    db: &impl ConnectionTrait,
    family: &str,
    now_ms: i64,
    lifetimes: Lifetimes,
) -> Result<String, IdentityError> {
    let token = secret::generate("vdxr_");
    refresh_token::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        family_id: Set(family.to_owned()),
        created_at: Set(now_ms),
        expires_at: Set(now_ms.saturating_add(lifetimes.refresh_ms)),
        rotated_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

async fn find_rows(
    db: &impl ConnectionTrait,
    presented: &str,
) -> Result<Option<(refresh_token::Model, TokenFamily)>, IdentityError> {
    let Some(row) = row_by_secret::<refresh_token::Entity>(db, presented).await? else {
        return Ok(None);
    };
    let family = token_family::Entity::find_by_id(row.family_id.clone())
        .one(db)
        .await?
        .map(TokenFamily::try_from)
        .transpose()?;
    Ok(family.map(|f| (row, f)))
}

/// Finds a refresh token and its family by the token's text.
pub async fn find_refresh_token(
    db: &impl ConnectionTrait,
    presented: &str,
) -> Result<Option<(RefreshToken, TokenFamily)>, IdentityError> {
    Ok(find_rows(db, presented)
        .await?
        .map(|(row, family)| (RefreshToken::from(&row), family)))
}

/// Exchanges a refresh token for its successor, detecting reuse.
pub async fn rotate(
    db: &DatabaseConnection,
    presented: &str,
    app: AppId,
    now_ms: i64,
    lifetimes: Lifetimes,
) -> Result<Rotated, IdentityError> {
    let Some((row, family)) = find_rows(db, presented).await? else {
        return Err(IdentityError::InvalidGrant("the refresh token is unknown"));
    };
    if family.app_id != app {
        return Err(IdentityError::InvalidGrant(
            "the refresh token was issued to another client",
        ));
    }
    if family.revoked_at.is_some() {
        return Err(IdentityError::InvalidGrant(
            "the refresh token has been revoked",
        ));
    }
    let reused = IdentityError::InvalidGrant(
        "the refresh token was already used; every token of its grant is now revoked",
    );
    if row.rotated_at.is_some() {
        revoke_family(db, &family.id, "refresh_token_reuse", now_ms, lifetimes).await?;
        return Err(reused);
    }
    if row.expires_at <= now_ms {
        return Err(IdentityError::InvalidGrant("the refresh token has expired"));
    }
    let used = SingleUse::<refresh_token::Entity> {
        used_at: refresh_token::Column::RotatedAt,
        hash: refresh_token::Column::TokenHash,
        family: &family.id,
        reuse: "refresh_token_reuse",
    };
    let Some(txn) = used.take(db, &row.token_hash, now_ms, lifetimes).await? else {
        return Err(reused);
    };
    let refresh_token = new_refresh_token(&txn, &family.id, now_ms, lifetimes).await?;
    txn.commit().await?;
    Ok(Rotated {
        family,
        refresh_token: refresh_token.into(),
    })
}

/// A single-use secret's row (an authorization code, a refresh token): the
/// column that marks it used, the column of its hash, the token family it
/// belongs to and the reason recorded when it is used twice.
pub(crate) struct SingleUse<'a, E: EntityTrait> {
    pub used_at: E::Column,
    pub hash: E::Column,
    pub family: &'a str,
    pub reuse: &'a str,
}

impl<E: EntityTrait> SingleUse<'_, E> {
    /// Marks the row of `hash` used, in a transaction handed back for the
    /// caller's next writes. `None` when another request marked it a moment
    /// ago: the secret was presented twice, so its whole family is revoked.
    pub(crate) async fn take(
        &self,
        db: &DatabaseConnection,
        hash: &str,
        now_ms: i64,
        lifetimes: Lifetimes,
    ) -> Result<Option<sea_orm::DatabaseTransaction>, IdentityError> {
        let txn = vdx_core::db::begin_write(db).await?;
        let marked = E::update_many()
            .col_expr(self.used_at, Expr::value(now_ms))
            .filter(self.hash.eq(hash))
            .filter(self.used_at.is_null())
            .exec(&txn)
            .await?;
        if marked.rows_affected == 1 {
            return Ok(Some(txn));
        }
        txn.rollback().await?;
        revoke_family(db, self.family, self.reuse, now_ms, lifetimes).await?;
        Ok(None)
    }
}

/// Revokes a family: its refresh tokens stop working and its access tokens
/// are refused on their next request, on every replica.
pub async fn revoke_family(
    db: &DatabaseConnection,
    family: &str,
    reason: &str,
    now_ms: i64,
    lifetimes: Lifetimes,
) -> Result<(), IdentityError> {
    let txn = vdx_core::db::begin_write(db).await?;
    token_family::Entity::update_many()
        .col_expr(token_family::Column::RevokedAt, Expr::value(now_ms))
        .col_expr(token_family::Column::RevokedReason, Expr::value(reason))
        .filter(token_family::Column::Id.eq(family))
        .filter(token_family::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    revocation::revoke(&txn, family, now_ms, lifetimes.revocation_horizon(now_ms)).await?;
    txn.commit().await?;
    tracing::warn!(family = %family, reason = %reason, "token family revoked");
    Ok(())
}
