//! What an access token says and why one is refused: the RFC 9068 claims,
//! what a token is issued for, the issued token (whose `Debug` hides it) and
//! [`TokenError`], whose text is the client's `error_description`. Also the
//! time checks of `exp` and `nbf` against the injected clock. Pure: no
//! storage, no keys.

use serde::{Deserialize, Serialize};
use vdx_core::{DriverId, ScopeSet};

use super::LEEWAY_SECS;

/// Subjects of tokens a driver authorised are `driver:<id>`.
pub const DRIVER_SUBJECT_PREFIX: &str = "driver:";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The client id (client_credentials) or `driver:<id>` (authorization code).
    pub sub: String,
    pub client_id: String,
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    /// The token family (the grant) for tokens from the authorization code flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl Claims {
    /// The driver behind the token, if a driver authorised it.
    pub fn driver(&self) -> Result<Option<DriverId>, TokenError> {
        match self.sub.strip_prefix(DRIVER_SUBJECT_PREFIX) {
            None => Ok(None),
            Some(id) => id
                .parse()
                .map(|id| Some(DriverId(id)))
                .map_err(|_| TokenError::Rejected("the token's subject is malformed".into())),
        }
    }
}

/// A token whose signature and claims verified.
#[derive(Debug, Clone)]
pub struct Checked {
    pub claims: Claims,
    pub kid: String,
    /// When the signing key retires (epoch ms), if it is scheduled to.
    pub key_retired_at: Option<i64>,
}

/// What an access token is issued for.
#[derive(Debug, Clone)]
pub struct AccessGrant<'a> {
    pub client_id: &'a str,
    /// The driver who authorised the client; `None` for client_credentials.
    pub driver: Option<DriverId>,
    pub scope: ScopeSet,
    /// The token family, for tokens that come with a refresh token.
    pub family: Option<&'a str>,
}

/// An issued token (`Debug` leaves the token out).
#[derive(Clone)]
pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
    pub scope: ScopeSet,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("access_token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Why a token was refused. Shown to the client as `error_description`.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum TokenError {
    /// the token is not a well-formed JWT
    Malformed,
    /// the token type must be at+jwt
    WrongType,
    /// the token must be signed with EdDSA
    WrongAlgorithm,
    /// the token's signing key is unknown
    UnknownKey,
    /// the token's signing key has been retired
    RetiredKey,
    /// {0}
    Rejected(String),
    /// the token has been revoked
    Revoked,
    /// the token's client no longer exists
    UnknownClient,
    /// the token could not be checked: {0}
    Internal(String),
}

/// `exp` and `nbf` against `now` (epoch seconds), with [`LEEWAY_SECS`] either
/// way: the checks `jsonwebtoken` would make against the system clock.
pub(super) fn check_times(claims: &Claims, now: i64) -> Result<(), TokenError> {
    use jsonwebtoken::errors::ErrorKind;
    let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(i64::MAX);
    if claims.exp < now.saturating_sub(leeway) {
        return Err(TokenError::Rejected(describe(
            &ErrorKind::ExpiredSignature.into(),
        )));
    }
    if claims.nbf > now.saturating_add(leeway) {
        return Err(TokenError::Rejected(describe(
            &ErrorKind::ImmatureSignature.into(),
        )));
    }
    Ok(())
}

pub(super) fn describe(err: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match err.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet".into(),
        ErrorKind::InvalidIssuer => "the token was issued by someone else".into(),
        ErrorKind::InvalidAudience => "the token is meant for another audience".into(),
        ErrorKind::InvalidSignature => "the token's signature does not verify".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token lacks the {claim} claim"),
        ErrorKind::InvalidAlgorithm => "the token must be signed with EdDSA".into(),
        _ => "the token is invalid".into(),
    }
}
