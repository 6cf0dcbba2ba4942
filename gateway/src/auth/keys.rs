//! The key ring: the signing keys in force ([`vdx_identity::keys`] stores and
//! rotates them), turned into JWT keys. The newest key signs; every key whose
//! `retired_at` is unset or still ahead verifies and is published in the JWKS.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use vdx_identity::IdentityError;

pub use vdx_identity::keys::ALGORITHM;

/// The keys in force.
pub struct KeyRing {
    signing_kid: String,
    signing: EncodingKey,
    /// kid → (key, retired_at in epoch ms).
    verifying: HashMap<String, (DecodingKey, Option<i64>)>,
    public: Vec<(String, Vec<u8>, Option<i64>)>,
}

debug_showing!(KeyRing { signing_kid });

impl KeyRing {
    pub fn signing(&self) -> (&str, &EncodingKey) {
        (&self.signing_kid, &self.signing)
    }

    /// The key `kid`, if it is known and not retired at `now_ms`, with its
    /// retirement time.
    pub fn verifying(&self, kid: &str, now_ms: i64) -> Option<(&DecodingKey, Option<i64>)> {
        self.verifying
            .get(kid)
            .filter(|(_, retired)| retired.is_none_or(|at| at > now_ms))
            .map(|(key, retired)| (key, *retired))
    }

    /// Whether `kid` is in this ring at all, retired or not.
    pub fn knows(&self, kid: &str) -> bool {
        self.verifying.contains_key(kid)
    }

    /// The JWKS of the keys still in force at `now_ms`.
    pub fn jwks(&self, now_ms: i64) -> Value {
        let keys: Vec<Value> = self
            .public
            .iter()
            .filter(|(_, _, retired)| retired.is_none_or(|at| at > now_ms))
            .map(|(kid, x, _)| json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(x), "kid": kid, "alg": ALGORITHM, "use": "sig"}))
            .collect();
        json!({ "keys": keys })
    }
}

/// Loads the keys in force at `now_ms`, creating the first one if there is none.
pub async fn load(db: &impl ConnectionTrait, now_ms: i64) -> Result<KeyRing, IdentityError> {
    let rows = vdx_identity::keys::in_force(db, now_ms).await?;
    let newest = rows.first().ok_or(IdentityError::NoSigningKey)?;
    let signing_kid = newest.kid.clone();
    let signing = EncodingKey::from_ed_der(&newest.private_key.0);
    let verifying = rows
        .iter()
        .map(|r| {
            (
                r.kid.clone(),
                (DecodingKey::from_ed_der(&r.public_key), r.retired_at),
            )
        })
        .collect();
    let public = rows
        .into_iter()
        .map(|r| (r.kid, r.public_key, r.retired_at))
        .collect();
    Ok(KeyRing {
        signing_kid,
        signing,
        verifying,
        public,
    })
}
