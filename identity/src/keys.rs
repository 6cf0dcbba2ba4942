//! Token signing keys: Ed25519, kept in the database so every replica signs
//! and verifies with the same set. Each key's `kid` is its RFC 7638 JWK
//! thumbprint. The newest key signs; every key whose `retired_at` is unset or
//! still ahead verifies and is published. [`rotate`] adds a key and retires
//! the others after a grace period long enough for the tokens they signed to
//! expire. This module stores and rotates keys; building JWTs with them is the
//! gateway's.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use crate::IdentityError;
use crate::entity::signing_key;

pub use crate::entity::signing_key::PrivateKey;

/// The JWS algorithm of every key.
pub const ALGORITHM: &str = "EdDSA";

/// A key in force, as stored (`Debug` leaves the private key out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub kid: String,
    /// PKCS#8 document of the private key.
    pub private_key: PrivateKey,
    /// Raw public key bytes.
    pub public_key: Vec<u8>,
    pub created_at: i64,
    /// After this instant the key neither signs nor verifies.
    pub retired_at: Option<i64>,
}

impl From<signing_key::Model> for SigningKey {
    fn from(m: signing_key::Model) -> Self {
        Self {
            kid: m.kid,
            private_key: m.private_key,
            public_key: m.public_key,
            created_at: m.created_at,
            retired_at: m.retired_at,
        }
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
pub async fn generate(db: &impl ConnectionTrait, now_ms: i64) -> Result<String, IdentityError> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|e| IdentityError::KeyGeneration(e.to_string()))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|e| IdentityError::KeyGeneration(e.to_string()))?;
    let public = pair.public_key().as_ref().to_vec();
    let kid = thumbprint(&public);
    signing_key::ActiveModel {
        kid: Set(kid.clone()),
        algorithm: Set(ALGORITHM.to_owned()),
        private_key: Set(PrivateKey(pkcs8.as_ref().to_vec())),
        public_key: Set(public),
        created_at: Set(now_ms),
        retired_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(kid)
}

/// Makes a new signing key and retires every other key `grace_ms` from now,
/// when the last token they signed has expired. Returns the new kid and the
/// kids retired.
pub async fn rotate(
    db: &DatabaseConnection,
    now_ms: i64,
    grace_ms: i64,
) -> Result<(String, Vec<String>), IdentityError> {
    let txn = vdx_core::db::begin_write(db).await?;
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
        .await?;
    // The new key is created a millisecond later, so it sorts first even
    // when an old key was created in the same millisecond.
    let kid = generate(&txn, now_ms.saturating_add(1)).await?;
    txn.commit().await?;
    Ok((kid, old))
}

/// The keys in force at `now_ms`, newest first (the first one signs),
/// creating the first key if there is none.
pub async fn in_force(
    db: &impl ConnectionTrait,
    now_ms: i64,
) -> Result<Vec<SigningKey>, IdentityError> {
    let mut rows = active_rows(db, now_ms).await?;
    if rows.is_empty() {
        generate(db, now_ms).await?;
        rows = active_rows(db, now_ms).await?;
    }
    if rows.is_empty() {
        return Err(IdentityError::NoSigningKey);
    }
    Ok(rows.into_iter().map(SigningKey::from).collect())
}

async fn active_rows(
    db: &impl ConnectionTrait,
    now_ms: i64,
) -> Result<Vec<signing_key::Model>, IdentityError> {
    Ok(signing_key::Entity::find()
        .filter(
            Condition::any()
                .add(signing_key::Column::RetiredAt.is_null())
                .add(signing_key::Column::RetiredAt.gt(now_ms)),
        )
        .order_by_desc(signing_key::Column::CreatedAt)
        .order_by_desc(signing_key::Column::Kid)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_signing_key_prints_without_its_private_key() {
        let key = super::SigningKey {
            kid: "k1".into(),
            private_key: super::PrivateKey(b"very-private-pkcs8".to_vec()),
            public_key: vec![1, 2, 3],
            created_at: 0,
            retired_at: None,
        };
        let printed = format!("{key:?}");
        assert!(
            printed.contains("[REDACTED]") && printed.contains("k1"),
            "{printed}"
        );
        // The bytes of "very" as a derived Debug would print them.
        assert!(!printed.contains("118, 101, 114, 121"), "{printed}");
    }
}
