//! Token signing keys: Ed25519, kept in the database so every replica signs
//! and verifies with the same set. Each key's `kid` is its RFC 7638 JWK
//! thumbprint. The newest key signs; all unretired keys verify and are
//! published in the JWKS.

use std::collections::HashMap;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::{Value, json};

use super::entity::signing_key;

pub const ALGORITHM: &str = "EdDSA";

/// The keys in force.
pub struct KeyRing {
    signing_kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    jwks: Value,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("signing_kid", &self.signing_kid)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    pub fn signing(&self) -> (&str, &EncodingKey) {
        (&self.signing_kid, &self.signing)
    }

    pub fn verifying(&self, kid: &str) -> Option<&DecodingKey> {
        self.verifying.get(kid)
    }

    pub fn jwks(&self) -> &Value {
        &self.jwks
    }
}

fn thumbprint(public_key: &[u8]) -> String {
    // RFC 7638: members in lexicographic order, no whitespace.
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(public_key)
    );
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        canonical.as_bytes(),
    ))
}

/// Generates and stores a new signing key; returns its kid.
pub async fn generate(db: &impl ConnectionTrait, now_ms: i64) -> Result<String, String> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|e| format!("key generation failed: {e}"))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|e| format!("key generation failed: {e}"))?;
    let public = pair.public_key().as_ref().to_vec();
    let kid = thumbprint(&public);
    signing_key::ActiveModel {
        kid: Set(kid.clone()),
        algorithm: Set(ALGORITHM.to_owned()),
        private_key: Set(pkcs8.as_ref().to_vec()),
        public_key: Set(public),
        created_at: Set(now_ms),
        retired_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| format!("cannot store signing key: {e}"))?;
    Ok(kid)
}

/// Loads the unretired keys, creating the first one if there is none.
pub async fn load(db: &impl ConnectionTrait, now_ms: i64) -> Result<KeyRing, String> {
    let mut rows = active_rows(db).await?;
    if rows.is_empty() {
        generate(db, now_ms).await?;
        rows = active_rows(db).await?;
    }
    let newest = rows.first().ok_or("no signing key could be created")?;
    let signing_kid = newest.kid.clone();
    let signing = EncodingKey::from_ed_der(&newest.private_key);
    let verifying = rows
        .iter()
        .map(|r| (r.kid.clone(), DecodingKey::from_ed_der(&r.public_key)))
        .collect();
    let keys: Vec<Value> = rows
        .iter()
        .map(|r| json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(&r.public_key), "kid": r.kid, "alg": ALGORITHM, "use": "sig"}))
        .collect();
    Ok(KeyRing {
        signing_kid,
        signing,
        verifying,
        jwks: json!({ "keys": keys }),
    })
}

async fn active_rows(db: &impl ConnectionTrait) -> Result<Vec<signing_key::Model>, String> {
    signing_key::Entity::find()
        .filter(signing_key::Column::RetiredAt.is_null())
        .order_by_desc(signing_key::Column::CreatedAt)
        .order_by_desc(signing_key::Column::Kid)
        .all(db)
        .await
        .map_err(|e| format!("cannot load signing keys: {e}"))
}
