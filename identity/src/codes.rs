//! Authorization codes (RFC 6749 §4.1) with PKCE S256 (RFC 7636). A code is a
//! random one-time string, stored as SHA-256 and bound to the client, the
//! exact redirect URI, the PKCE challenge, the driver and the approved scope.
//! It lives [`CODE_TTL_MS`]. Redeeming it marks it used and starts a token
//! family in one transaction; a second redemption revokes that family
//! (RFC 6749 §4.1.2).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection};
use secrecy::SecretString;
use vdx_core::{AppId, DriverId, ScopeSet, secret};

use crate::IdentityError;
use crate::digest::{row_by_secret, same_secret, sha256_hex};
use crate::entity::authorization_code;
use crate::grants::{self, Lifetimes};

/// How long an authorization code may wait to be exchanged.
pub const CODE_TTL_MS: i64 = 60_000;

/// A code to issue.
#[derive(Debug, Clone)]
pub struct NewCode<'a> {
    pub app: AppId,
    pub driver: DriverId,
    pub redirect_uri: &'a str,
    pub scope: &'a ScopeSet,
    pub code_challenge: &'a str,
}

/// What redeeming a code yields: a new token family with its first refresh
/// token (`Debug` leaves the token out).
#[derive(Clone, Debug)]
pub struct Redeemed {
    pub family_id: String,
    pub driver: DriverId,
    /// The scopes the driver approved.
    pub scope: ScopeSet,
    pub refresh_token: SecretString,
}

/// True for a well-formed S256 challenge: 43 base64url characters (a SHA-256).
pub fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && URL_SAFE_NO_PAD
            .decode(challenge)
            .is_ok_and(|bytes| bytes.len() == 32)
}

/// True for a well-formed verifier (RFC 7636 §4.1): 43–128 unreserved characters.
pub fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
}

/// The S256 challenge of a verifier.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        verifier.as_bytes(),
    ))
}

/// Issues a code; returns it (only its hash is stored).
pub async fn issue(
    db: &impl ConnectionTrait,
    new: NewCode<'_>,
    now_ms: i64,
) -> Result<String, IdentityError> {
    let code = secret::generate("vdxa_");
    authorization_code::ActiveModel {
        code_hash: Set(sha256_hex(&code)),
        app_id: Set(new.app),
        driver_id: Set(new.driver),
        redirect_uri: Set(new.redirect_uri.to_owned()),
        scope: Set(new.scope.to_string()),
        code_challenge: Set(new.code_challenge.to_owned()),
        family_id: Set(uuid::Uuid::new_v4().to_string()),
        created_at: Set(now_ms),
        expires_at: Set(now_ms.saturating_add(CODE_TTL_MS)),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(code)
}

/// Redeems a code for `app`, checking redirect URI and PKCE verifier.
pub async fn redeem(
    db: &DatabaseConnection,
    code: &str,
    app: AppId,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    now_ms: i64,
    lifetimes: Lifetimes,
) -> Result<Redeemed, IdentityError> {
    let Some(row) = row_by_secret::<authorization_code::Entity>(db, code).await? else {
        return Err(IdentityError::InvalidGrant(
            "the authorization code is unknown",
        ));
    };
    if row.app_id != app {
        return Err(IdentityError::InvalidGrant(
            "the authorization code was issued to another client",
        ));
    }
    let replayed = IdentityError::InvalidGrant(
        "the authorization code was already used; the tokens issued for it are revoked",
    );
    if row.used_at.is_some() {
        grants::revoke_family(db, &row.family_id, "code_reuse", now_ms, lifetimes).await?;
        return Err(replayed);
    }
    if row.expires_at <= now_ms {
        return Err(IdentityError::InvalidGrant(
            "the authorization code has expired",
        ));
    }
    if redirect_uri != Some(row.redirect_uri.as_str()) {
        return Err(IdentityError::InvalidGrant(
            "redirect_uri does not match the one of the authorization request",
        ));
    }
    let Some(verifier) = verifier.filter(|v| valid_verifier(v)) else {
        return Err(IdentityError::InvalidGrant(
            "a code_verifier of 43 to 128 unreserved characters is required (PKCE)",
        ));
    };
    if !same_secret(&s256(verifier), &row.code_challenge) {
        return Err(IdentityError::InvalidGrant(
            "the code_verifier does not match the code_challenge (PKCE)",
        ));
    }
    let used = grants::SingleUse::<authorization_code::Entity> {
        used_at: authorization_code::Column::UsedAt,
        hash: authorization_code::Column::CodeHash,
        family: &row.family_id,
        reuse: "code_reuse",
    };
    let Some(txn) = used.take(db, &row.code_hash, now_ms, lifetimes).await? else {
        return Err(replayed);
    };
    let scope = ScopeSet::parse(&row.scope)
        .map_err(|e| IdentityError::Corrupt(format!("an authorization code's scope: {e}")))?;
    grants::start_family(
        &txn,
        &row.family_id,
        app,
        Some(row.driver_id),
        &scope,
        now_ms,
    )
    .await?;
    let refresh_token = grants::new_refresh_token(&txn, &row.family_id, now_ms, lifetimes).await?;
    txn.commit().await?;
    Ok(Redeemed {
        family_id: row.family_id,
        driver: row.driver_id,
        scope,
        refresh_token: refresh_token.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc7636_example() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!valid_challenge("plain-challenge"));
        assert!(!valid_verifier("short"));
    }
}
