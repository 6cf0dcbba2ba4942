//! RFC 9068 JWT access tokens: issued by `/oauth/token`, verified on every
//! request. This module owns the [`TokenService`] and its key set (loaded
//! from `vdx_identity`'s signing keys, refreshed every few seconds and on an
//! unknown `kid`) and issues tokens; [`claims`] holds what a token says and
//! why one is refused, [`verify`] how a presented token is checked. A token
//! is never logged; this module holds no table.

mod claims;
mod verify;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Header};
use sea_orm::DatabaseConnection;
use vdx_core::Clock;

use vdx_identity::IdentityError;

use super::cache::VerifiedCache;
use super::keys::{self, KeyRing};

pub use claims::{AccessGrant, Checked, Claims, DRIVER_SUBJECT_PREFIX, Issued, TokenError};
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
    unrevoked: Mutex<(i64, std::collections::HashSet<verify::TokenIds>)>,
    /// Where a request reads the policy epoch (the partner gate's watch).
    policy: vdx_consent::PolicyWatch,
}

debug_showing!(TokenService { issuer });

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
        policy: vdx_consent::PolicyWatch,
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
            policy,
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
