//! RFC 9068 JWT access tokens: issued by `/oauth/token`, verified on every
//! request. Verification pins the algorithm (EdDSA), requires `typ: at+jwt`
//! and a known `kid`, and checks `iss`, `aud`, `exp` and `nbf` with a small
//! leeway. A token is never logged.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Header, Validation};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use vdx_core::{AppPrincipal, Principal, ScopeSet};

use super::keys::{self, KeyRing};

/// Leeway for clock skew on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;
/// A token with an unknown kid reloads the key set at most this often.
const RELOAD_INTERVAL: Duration = Duration::from_secs(1);

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub client_id: String,
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
}

/// An issued token.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
    pub scope: ScopeSet,
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
    /// {0}
    Rejected(String),
    /// the token's client no longer exists
    UnknownClient,
    /// the token could not be checked: {0}
    Internal(String),
}

/// Issues and verifies access tokens against the shared key set.
pub struct TokenService {
    db: DatabaseConnection,
    issuer: String,
    audience: String,
    ttl: Duration,
    keys: RwLock<Arc<KeyRing>>,
    last_reload: Mutex<Instant>,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl TokenService {
    pub async fn new(
        db: DatabaseConnection,
        issuer: String,
        ttl: Duration,
    ) -> Result<Self, String> {
        let ring = keys::load(&db, vdx_catalog::now_ms()).await?;
        Ok(Self {
            db,
            audience: issuer.clone(),
            issuer,
            ttl,
            keys: RwLock::new(Arc::new(ring)),
            last_reload: Mutex::new(Instant::now()),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    fn ring(&self) -> Arc<KeyRing> {
        match self.keys.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The public keys, as a JWKS document.
    pub fn jwks(&self) -> serde_json::Value {
        self.ring().jwks().clone()
    }

    /// Signs an access token for `client_id` with `scope`.
    pub fn issue(&self, client_id: &str, scope: ScopeSet) -> Result<Issued, String> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: client_id.to_owned(),
            client_id: client_id.to_owned(),
            scope: scope.to_string(),
            exp: now.saturating_add(ttl),
            iat: now,
            nbf: now,
            jti: uuid::Uuid::now_v7().to_string(),
        };
        let ring = self.ring();
        let (kid, key) = ring.signing();
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(kid.to_owned());
        let access_token = jsonwebtoken::encode(&header, &claims, key)
            .map_err(|e| format!("signing failed: {e}"))?;
        Ok(Issued {
            access_token,
            expires_in: self.ttl.as_secs(),
            scope,
        })
    }

    /// Verifies a token's form, signature and claims.
    pub async fn verify_claims(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if !header.typ.as_deref().is_some_and(|t| {
            t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
        }) {
            return Err(TokenError::WrongType);
        }
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::WrongAlgorithm);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let ring = match self.ring().verifying(&kid) {
            Some(_) => self.ring(),
            None => self.reload_for(&kid).await?,
        };
        let key = ring.verifying(&kid).ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|e| TokenError::Rejected(describe(&e)))?;
        Ok(data.claims)
    }

    /// Verifies a token and resolves its client to a [`Principal`].
    pub async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let claims = self.verify_claims(token).await?;
        let scopes =
            ScopeSet::parse(&claims.scope).map_err(|e| TokenError::Rejected(e.to_string()))?;
        let app = vdx_catalog::marketplace::find_app_by_client_id(&self.db, &claims.client_id)
            .await
            .map_err(|e| TokenError::Internal(e.to_string()))?
            .ok_or(TokenError::UnknownClient)?;
        Ok(Principal::App(AppPrincipal {
            app_id: app.id,
            partner_id: app.partner_id,
            client_id: claims.client_id,
            scopes,
            token_id: claims.jti,
        }))
    }

    /// Another replica may have created a key since we loaded ours: reload,
    /// at most once a second, before calling a kid unknown.
    async fn reload_for(&self, kid: &str) -> Result<Arc<KeyRing>, TokenError> {
        {
            let mut last = self
                .last_reload
                .lock()
                .map_err(|_| TokenError::Internal("key lock poisoned".into()))?;
            if last.elapsed() < RELOAD_INTERVAL {
                return Err(TokenError::UnknownKey);
            }
            *last = Instant::now();
        }
        let ring = Arc::new(
            keys::load(&self.db, vdx_catalog::now_ms())
                .await
                .map_err(TokenError::Internal)?,
        );
        if ring.verifying(kid).is_none() {
            return Err(TokenError::UnknownKey);
        }
        if let Ok(mut guard) = self.keys.write() {
            *guard = Arc::clone(&ring);
        }
        Ok(ring)
    }
}

fn describe(err: &jsonwebtoken::errors::Error) -> String {
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
