//! RFC 9068 JWT access tokens: issued by `/oauth/token`, verified on every
//! request. Verification pins the algorithm (EdDSA), requires `typ: at+jwt`
//! and a known, unretired `kid`, and checks `iss`, `aud`, `exp` and `nbf` with
//! a small leeway, against the injected [`Clock`]. A verified token is cached until it expires
//! ([`super::cache`]); revocation is checked on every request, cached or not
//! ([`super::revocation`]). A token is never logged.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Header, Validation};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use vdx_core::{AppPrincipal, Clock, DriverId, Principal, ScopeSet};

use vdx_identity::{IdentityError, revocation};

use super::cache::{self, Verified, VerifiedCache};
use super::keys::{self, KeyRing};

/// Leeway for clock skew on `exp` and `nbf`.
pub use vdx_identity::LEEWAY_SECS;
/// A token with an unknown kid reloads the key set at most this often.
const UNKNOWN_KID_RELOAD: Duration = Duration::from_secs(1);
/// The key set is re-read this often, so a rotation or retirement made by
/// `vdx keys rotate` or another replica takes effect within it.
const REFRESH_INTERVAL: Duration = Duration::from_secs(2);
/// After `vdx keys rotate`, old keys verify for the access token lifetime
/// plus this margin (leeway and key-set refresh included).
pub const ROTATION_MARGIN_SECS: u64 = 60;
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

/// Issues and verifies access tokens against the shared key set.
pub struct TokenService {
    db: DatabaseConnection,
    issuer: String,
    audience: String,
    ttl: Duration,
    /// Wall-clock time for issuing, expiry and key retirement (a
    /// `ManualClock` in tests).
    clock: Arc<dyn Clock>,
    keys: RwLock<Arc<KeyRing>>,
    loaded_at: Mutex<Instant>,
    reloading: AtomicBool,
    last_unknown_reload: Mutex<Instant>,
    cache: VerifiedCache,
    /// Token ids (`jti`, and `sid` if any) found unrevoked, with the policy
    /// epoch they were checked at; the database raises the epoch whenever
    /// `revocations` changes, so an entry is only trusted at that epoch.
    unrevoked: Mutex<(i64, std::collections::HashSet<TokenIds>)>,
}

/// A token's `jti` and family `sid`.
type TokenIds = (String, Option<String>);

/// Most unrevoked token ids remembered per epoch.
const UNREVOKED_CAPACITY: usize = 100_000;

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// Clears the reloading flag however the reload ends (even if cancelled).
struct ReloadGuard<'a>(&'a AtomicBool);

impl Drop for ReloadGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl TokenService {
    pub async fn new(
        db: DatabaseConnection,
        issuer: String,
        ttl: Duration,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, IdentityError> {
        let ring = keys::load(&db, clock.now_ms()).await?;
        Ok(Self {
            db,
            audience: issuer.clone(),
            issuer,
            ttl,
            clock,
            keys: RwLock::new(Arc::new(ring)),
            loaded_at: Mutex::new(Instant::now()),
            reloading: AtomicBool::new(false),
            last_unknown_reload: Mutex::new(Instant::now()),
            cache: VerifiedCache::default(),
            unrevoked: Mutex::new((i64::MIN, std::collections::HashSet::new())),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Milliseconds since the Unix epoch, by the service's clock (the
    /// gateway's: a `ManualClock` in tests).
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    fn ring(&self) -> Arc<KeyRing> {
        match self.keys.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn store_ring(&self, ring: Arc<KeyRing>) {
        if let Ok(mut guard) = self.keys.write() {
            *guard = ring;
        }
        if let Ok(mut at) = self.loaded_at.lock() {
            *at = Instant::now();
        }
    }

    /// The key set, re-read from the database when older than [`REFRESH_INTERVAL`].
    async fn fresh_ring(&self) -> Arc<KeyRing> {
        let stale = self
            .loaded_at
            .lock()
            .map(|at| at.elapsed() >= REFRESH_INTERVAL)
            .unwrap_or(true);
        if stale && !self.reloading.swap(true, Ordering::AcqRel) {
            let _guard = ReloadGuard(&self.reloading);
            match keys::load(&self.db, self.clock.now_ms()).await {
                Ok(ring) => self.store_ring(Arc::new(ring)),
                Err(e) => tracing::warn!(error = %e, "cannot refresh the signing keys"),
            }
        }
        self.ring()
    }

    /// The public keys, as a JWKS document.
    pub async fn jwks(&self) -> serde_json::Value {
        self.fresh_ring().await.jwks(self.clock.now_ms())
    }

    /// Signs an access token.
    pub async fn issue(
        &self,
        grant: AccessGrant<'_>,
    ) -> Result<Issued, jsonwebtoken::errors::Error> {
        let now = self.clock.now_ms().div_euclid(1000);
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: match grant.driver {
                Some(driver) => format!("{DRIVER_SUBJECT_PREFIX}{driver}"),
                None => grant.client_id.to_owned(),
            },
            client_id: grant.client_id.to_owned(),
            scope: grant.scope.to_string(),
            exp: now.saturating_add(ttl),
            iat: now,
            nbf: now,
            jti: uuid::Uuid::now_v7().to_string(),
            sid: grant.family.map(str::to_owned),
        };
        let ring = self.fresh_ring().await;
        let (kid, key) = ring.signing();
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(kid.to_owned());
        let access_token = jsonwebtoken::encode(&header, &claims, key)?;
        Ok(Issued {
            access_token,
            expires_in: self.ttl.as_secs(),
            scope: grant.scope,
        })
    }

    /// Verifies a token's form, signature and claims (not revocation).
    pub async fn verify_claims(&self, token: &str) -> Result<Checked, TokenError> {
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
        let now_ms = self.clock.now_ms();
        let mut ring = self.fresh_ring().await;
        if !ring.knows(&kid) {
            ring = self.reload_for(&kid).await?;
        }
        let (key, retired_at) = ring.verifying(&kid, now_ms).ok_or(TokenError::RetiredKey)?;
        // `exp` and `nbf` are checked below against our clock, not the
        // library's; their presence is still required here.
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|e| TokenError::Rejected(describe(&e)))?;
        check_times(&data.claims, now_ms.div_euclid(1000))?;
        Ok(Checked {
            claims: data.claims,
            kid,
            key_retired_at: retired_at,
        })
    }

    /// [`verify`](Self::verify) for a request: also reads the policy epoch,
    /// once, and answers it with the principal for the request's consent
    /// decisions. The revocation check then costs no statement of its own when
    /// this token was found unrevoked at the same epoch.
    pub async fn verify_request(&self, token: &str) -> Result<(Principal, i64), TokenError> {
        let verified = self.verified(token).await?;
        let epoch = vdx_consent::policy_epoch(&self.db)
            .await
            .map_err(|e| TokenError::Internal(e.to_string()))?;
        let id = (
            verified.principal.app().token_id.clone(),
            verified.sid.clone(),
        );
        let known = {
            let mut unrevoked = self.unrevoked.lock().unwrap_or_else(|e| e.into_inner());
            if epoch < unrevoked.0 {
                // The counter went back (a restore, a failover): forget everything.
                unrevoked.1.clear();
                unrevoked.0 = epoch;
            }
            unrevoked.0 == epoch && unrevoked.1.contains(&id)
        };
        if !known {
            self.check_revocation(&verified).await?;
            let mut unrevoked = self.unrevoked.lock().unwrap_or_else(|e| e.into_inner());
            if epoch > unrevoked.0 || unrevoked.1.len() >= UNREVOKED_CAPACITY {
                unrevoked.1.clear();
                unrevoked.0 = unrevoked.0.max(epoch);
            }
            if unrevoked.0 == epoch {
                unrevoked.1.insert(id);
            }
        }
        Ok((verified.principal, epoch))
    }

    /// Verifies a token fully: signature and claims (cached until the token
    /// expires), then revocation (every time), and resolves its [`Principal`].
    pub async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let verified = self.verified(token).await?;
        self.check_revocation(&verified).await?;
        Ok(verified.principal)
    }

    /// Signature and claims, from the verified-token cache when possible.
    async fn verified(&self, token: &str) -> Result<Verified, TokenError> {
        let now_ms = self.clock.now_ms();
        let key = cache::key_of(token);
        let ring = self.fresh_ring().await;
        let cached = self
            .cache
            .get(&key, now_ms)
            .filter(|v| ring.verifying(&v.kid, now_ms).is_some());
        Ok(match cached {
            Some(verified) => verified,
            None => {
                let verified = self.verify_signature(token).await?;
                self.cache.insert(key, verified.clone(), now_ms);
                verified
            }
        })
    }

    /// [`verify`](Self::verify) without the cache: what every request would
    /// cost without it. For the benchmark.
    pub async fn verify_uncached(&self, token: &str) -> Result<Principal, TokenError> {
        let verified = self.verify_signature(token).await?;
        self.check_revocation(&verified).await?;
        Ok(verified.principal)
    }

    /// Whether the token with these claims has been revoked.
    pub async fn is_revoked(&self, claims: &Claims) -> Result<bool, TokenError> {
        revocation::is_revoked(&self.db, &claims.jti, claims.sid.as_deref())
            .await
            .map_err(|e| TokenError::Internal(e.to_string()))
    }

    async fn check_revocation(&self, verified: &Verified) -> Result<(), TokenError> {
        let revoked = revocation::is_revoked(
            &self.db,
            &verified.principal.app().token_id,
            verified.sid.as_deref(),
        )
        .await
        .map_err(|e| TokenError::Internal(e.to_string()))?;
        if revoked {
            return Err(TokenError::Revoked);
        }
        Ok(())
    }

    async fn verify_signature(&self, token: &str) -> Result<Verified, TokenError> {
        let Checked {
            claims,
            kid,
            key_retired_at,
        } = self.verify_claims(token).await?;
        let scopes =
            ScopeSet::parse(&claims.scope).map_err(|e| TokenError::Rejected(e.to_string()))?;
        let driver_id = claims.driver()?;
        let app = vdx_catalog::marketplace::find_app_by_client_id(&self.db, &claims.client_id)
            .await
            .map_err(|e| TokenError::Internal(e.to_string()))?
            .ok_or(TokenError::UnknownClient)?;
        let expires_ms = claims
            .exp
            .saturating_mul(1000)
            .saturating_add(vdx_identity::LEEWAY_MS);
        Ok(Verified {
            principal: Principal::App(AppPrincipal {
                app_id: app.id,
                partner_id: app.partner_id,
                client_id: claims.client_id,
                scopes,
                token_id: claims.jti,
                driver_id,
            }),
            kid,
            sid: claims.sid,
            valid_until_ms: key_retired_at.map_or(expires_ms, |at| at.min(expires_ms)),
        })
    }

    /// Another replica may have created a key since we loaded ours: reload,
    /// at most once a second, before calling a kid unknown.
    async fn reload_for(&self, kid: &str) -> Result<Arc<KeyRing>, TokenError> {
        {
            let mut last = self
                .last_unknown_reload
                .lock()
                .map_err(|_| TokenError::Internal("key lock poisoned".into()))?;
            if last.elapsed() < UNKNOWN_KID_RELOAD {
                return Err(TokenError::UnknownKey);
            }
            *last = Instant::now();
        }
        let ring = Arc::new(
            keys::load(&self.db, self.clock.now_ms())
                .await
                .map_err(|e| TokenError::Internal(e.to_string()))?,
        );
        self.store_ring(Arc::clone(&ring));
        if !ring.knows(kid) {
            return Err(TokenError::UnknownKey);
        }
        Ok(ring)
    }
}

/// `exp` and `nbf` against `now` (epoch seconds), with [`LEEWAY_SECS`] either
/// way: the checks `jsonwebtoken` would make against the system clock.
fn check_times(claims: &Claims, now: i64) -> Result<(), TokenError> {
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
