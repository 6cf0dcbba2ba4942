//! Verifying a presented access token: its form, signature and claims
//! (pinned to EdDSA, `typ: at+jwt`, a known unretired `kid`, `iss`, `aud`,
//! `exp`, `nbf`), cached until it expires ([`super::super::cache`]), then
//! revocation, checked on every request (skipped only for a token found
//! unrevoked at the same policy epoch), and the [`Principal`] it stands for.
//! It must not issue tokens or change the key set beyond reloading it.

use jsonwebtoken::{Algorithm, Validation};
use vdx_core::{AppPrincipal, Principal, ScopeSet};

use vdx_identity::revocation;

use super::claims::{check_times, describe};
use super::{Checked, Claims, TokenError, TokenService};
use crate::auth::cache::{self, Verified};

/// A token's `jti` and family `sid`.
pub(super) type TokenIds = (String, Option<String>);

/// Most unrevoked token ids remembered per epoch.
const UNREVOKED_CAPACITY: usize = 100_000;

impl TokenService {
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

    /// [`verify`](Self::verify) for a request: also takes the policy epoch,
    /// once, from the watch (no round trip where it is pushed or inline), and answers it with the principal for the request's consent
    /// decisions. The revocation check then costs no statement of its own when
    /// this token was found unrevoked at the same epoch.
    pub async fn verify_request(&self, token: &str) -> Result<(Principal, i64), TokenError> {
        let verified = self.verified(token).await?;
        let epoch = self
            .policy
            .current(&self.db)
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
}
