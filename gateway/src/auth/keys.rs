//! Token signing keys: Ed25519, kept in the database so every replica signs
//! and verifies with the same set. Each key's `kid` is its RFC 7638 JWK
//! thumbprint. The newest key signs; every key whose `retired_at` is unset or
//! still ahead verifies and is published in the JWKS. [`rotate`] adds a key
//! and retires the others after a grace period long enough for the tokens
//! they signed to expire.

use std::collections::HashMap;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::{Value, json};

use super::entity::signing_key;

pub const ALGORITHM: &str = "EdDSA";

/// The keys in force.
pub struct KeyRing {
    signing_kid: String,
    signing: EncodingKey,
    /// kid → (key, retired_at in epoch ms).
    verifying: HashMap<String, (DecodingKey, Option<i64>)>,
    public: Vec<(String, Vec<u8>, Option<i64>)>,
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
        private_key: Set(signing_key::PrivateKey(pkcs8.as_ref().to_vec())),
        public_key: Set(public),
        created_at: Set(now_ms),
        retired_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| format!("cannot store signing key: {e}"))?;
    Ok(kid)
}

/// Makes a new signing key and retires every other key `grace_ms` from now,
/// when the last token they signed has expired. Returns the new kid and the
/// kids retired.
pub async fn rotate(
    db: &DatabaseConnection,
    now_ms: i64,
    grace_ms: i64,
) -> Result<(String, Vec<String>), String> {
    let txn = db
        .begin()
        .await
        .map_err(|e| format!("cannot rotate keys: {e}"))?;
    let old: Vec<String> = active_rows(&txn, now_ms)
        .await?
        .into_iter()
        .map(|r| r.kid)
        .collect();
    let retire_at = now_ms.saturating_add(grace_ms);
    signing_key::Entity::update_many()
        .col_expr(signing_key::Column::RetiredAt, Expr::value(retire_at))
        .filter(signing_key::Column::Kid.is_in(old.clone()))
        .filter(
            Condition::any()
                .add(signing_key::Column::RetiredAt.is_null())
                .add(signing_key::Column::RetiredAt.gt(retire_at)),
        )
        .exec(&txn)
        .await
        .map_err(|e| format!("cannot retire keys: {e}"))?;
    // The new key is created a millisecond later, so it sorts first even
    // when an old key was created in the same millisecond.
    let kid = generate(&txn, now_ms.saturating_add(1)).await?;
    txn.commit()
        .await
        .map_err(|e| format!("cannot rotate keys: {e}"))?;
    Ok((kid, old))
}

/// Loads the keys in force at `now_ms`, creating the first one if there is none.
pub async fn load(db: &impl ConnectionTrait, now_ms: i64) -> Result<KeyRing, String> {
    let mut rows = active_rows(db, now_ms).await?;
    if rows.is_empty() {
        generate(db, now_ms).await?;
        rows = active_rows(db, now_ms).await?;
    }
    let newest = rows.first().ok_or("no signing key could be created")?;
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

async fn active_rows(
    db: &impl ConnectionTrait,
    now_ms: i64,
) -> Result<Vec<signing_key::Model>, String> {
    signing_key::Entity::find()
        .filter(
            Condition::any()
                .add(signing_key::Column::RetiredAt.is_null())
                .add(signing_key::Column::RetiredAt.gt(now_ms)),
        )
        .order_by_desc(signing_key::Column::CreatedAt)
        .order_by_desc(signing_key::Column::Kid)
        .all(db)
        .await
        .map_err(|e| format!("cannot load signing keys: {e}"))
}
