//! Driver sign-in: the one place a driver is found by username, and the one
//! place a password is checked. Drivers themselves (their rows, vehicles and
//! consents) belong to `vdx_consent`; this module only asks it.

use sea_orm::ConnectionTrait;
use secrecy::ExposeSecret;
use vdx_consent::Driver;
use vdx_core::{DriverId, secret};

use crate::IdentityError;

/// A driver by username (as typed: surrounding space ignored).
pub async fn by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<Driver>, IdentityError> {
    Ok(vdx_consent::people::driver_by_username(db, username).await?)
}

/// A driver by id.
pub async fn by_id(
    db: &impl ConnectionTrait,
    id: DriverId,
) -> Result<Option<Driver>, IdentityError> {
    Ok(vdx_consent::people::driver_by_id(db, id).await?)
}

/// The driver `username` names, if `password` is theirs. An unknown username
/// is checked against a decoy hash, so both refusals take the same time.
pub async fn sign_in(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
) -> Result<Option<Driver>, IdentityError> {
    let found = by_username(db, username).await?;
    let hash = found
        .as_ref()
        .map_or(secret::decoy_hash(), |d| d.password_hash.expose_secret());
    let ok = secret::verify(password, hash);
    Ok(found.filter(|_| ok))
}
