//! Federated sign-in's storage: the attempts in flight (state as SHA-256,
//! nonce, PKCE verifier and the page to return to, for [`ATTEMPT_TTL_MS`],
//! single use) and the accounts at the OEM's identity provider linked to
//! drivers, the pair (issuer, subject). The OIDC protocol itself (discovery,
//! code exchange, ID token verification) is the gateway's client; it hands
//! the verified claims here.
//!
//! An account is linked the first time to the driver whose username the
//! provider names; afterwards the link alone counts. An account that matches
//! no driver signs nobody in: drivers come from the OEM's records.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use secrecy::{ExposeSecret, SecretString};
use vdx_consent::Driver;

use crate::digest::{purge_expired, row_by_secret, sha256_hex};
use crate::entity::{driver_identity, login_attempt};
use crate::{IdentityError, drivers};

/// How long a driver has to sign in at the provider.
pub const ATTEMPT_TTL_MS: i64 = 10 * 60_000;

/// A sign-in attempt in flight (`Debug` leaves the secrets out).
#[derive(Clone, Debug)]
pub struct Attempt {
    pub nonce: SecretString,
    pub pkce_verifier: SecretString,
    /// The portal page to return to.
    pub next: Option<String>,
}

/// Records an attempt under its `state` (dropping expired ones).
pub async fn begin(
    db: &impl ConnectionTrait,
    state: &str,
    attempt: Attempt,
    now_ms: i64,
) -> Result<(), IdentityError> {
    purge_expired(db, login_attempt::Column::ExpiresAt, now_ms).await?;
    login_attempt::ActiveModel {
        state_hash: Set(sha256_hex(state)),
        nonce: Set(attempt.nonce.expose_secret().to_owned()),
        pkce_verifier: Set(attempt.pkce_verifier.expose_secret().to_owned()),
        next: Set(attempt.next),
        expires_at: Set(now_ms.saturating_add(ATTEMPT_TTL_MS)),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Uses up the attempt of `state`: `None` if there is none, another request
/// took it first, or it has expired.
pub async fn take(
    db: &impl ConnectionTrait,
    state: &str,
    now_ms: i64,
) -> Result<Option<Attempt>, IdentityError> {
    let Some(row) = row_by_secret::<login_attempt::Entity>(db, state).await? else {
        return Ok(None);
    };
    let taken = login_attempt::Entity::delete_by_id(row.state_hash.clone())
        .exec(db)
        .await?;
    if taken.rows_affected != 1 || row.expires_at <= now_ms {
        return Ok(None);
    }
    Ok(Some(Attempt {
        nonce: row.nonce.into(),
        pkce_verifier: row.pkce_verifier.into(),
        next: row.next,
    }))
}

/// The driver of the account (`issuer`, `subject`): the linked one, or, the
/// first time, the driver named `username` (then linked). `None` when the
/// account matches no driver.
pub async fn driver_for(
    db: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
    username: Option<&str>,
    now_ms: i64,
) -> Result<Option<Driver>, IdentityError> {
    let linked = driver_identity::Entity::find_by_id((issuer.to_owned(), subject.to_owned()))
        .one(db)
        .await?;
    if let Some(link) = linked {
        return drivers::by_id(db, link.driver_id).await;
    }
    let Some(username) = username else {
        return Ok(None);
    };
    let Some(driver) = drivers::by_username(db, username).await? else {
        return Ok(None);
    };
    driver_identity::ActiveModel {
        issuer: Set(issuer.to_owned()),
        subject: Set(subject.to_owned()),
        driver_id: Set(driver.id),
        linked_at: Set(now_ms),
    }
    .insert(db)
    .await?;
    tracing::info!(driver = %driver.id, "federated account linked");
    Ok(Some(driver))
}
