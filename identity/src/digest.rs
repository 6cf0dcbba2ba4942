//! Hashing high-entropy secrets (authorization codes, refresh tokens, portal
//! session tokens, OIDC states) for storage and lookup: SHA-256, hex. Unlike
//! passwords and client secrets they are 256-bit random values, so a fast
//! hash is enough. The one SHA-256-hex of the house; the consent ledger
//! chains its records with its own canonical hashing. Also the two chores
//! every table of such secrets shares: lookup by hash and purging the expired.

/// The SHA-256 of `secret`, lowercase hex.
pub fn sha256_hex(secret: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes());
    hex::encode(digest.as_ref())
}

/// The lookup of the row a table keeps under the hash of a presented secret
/// (its primary key): the tables never hold the secret itself.
pub(crate) fn find_by_secret<E>(presented: &str) -> sea_orm::Select<E>
where
    E: sea_orm::EntityTrait,
    String: Into<<E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType>,
{
    E::find_by_id(sha256_hex(presented))
}

/// The row a table keeps under the hash of `presented`, if there is one.
pub(crate) async fn row_by_secret<E>(
    db: &impl sea_orm::ConnectionTrait,
    presented: &str,
) -> Result<Option<E::Model>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    String: Into<<E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType>,
{
    find_by_secret::<E>(presented).one(db).await
}

/// Deletes the rows of a table of short-lived secrets whose `expires_at`
/// column says they expired before `now_ms`: the tables clean up as they
/// take new rows.
pub(crate) async fn purge_expired<C>(
    db: &impl sea_orm::ConnectionTrait,
    expires_at: C,
    now_ms: i64,
) -> Result<(), sea_orm::DbErr>
where
    C: sea_orm::ColumnTrait,
    C::EntityName: sea_orm::EntityTrait,
{
    use sea_orm::{EntityTrait, QueryFilter};
    C::EntityName::delete_many()
        .filter(expires_at.lt(now_ms))
        .exec(db)
        .await?;
    Ok(())
}

/// Compares two secrets in constant time (a length difference shows).
pub fn same_secret(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_as_lowercase_hex() {
        assert_eq!(
            super::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(super::same_secret("x", "x"));
        assert!(!super::same_secret("x", "y"));
        assert!(!super::same_secret("x", "xx"));
    }
}
