//! Revocation, exact across replicas: a revoked access token's `jti`, or a
//! revoked token family's id (the `sid` of every access token it issued), is
//! a row in `revocations`, and every request looks its token up there by
//! primary key, cached verification or not. Rows are dropped once every
//! token they could match has expired.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::IdentityError;
use crate::entity::revocation;

/// The family id of every access token issued to `app` by client_credentials
/// under its current secret: derived from the secret's hash, so rotating the
/// secret starts a new family, and revoking the old one ends every token the
/// old secret obtained.
pub fn credential_family(client_secret_hash: &str) -> String {
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, client_secret_hash.as_bytes());
    format!("cc-{}", hex::encode(&digest.as_ref()[..12]))
}

/// Whether the token with `jti` (and family `sid`) has been revoked.
pub async fn is_revoked(
    db: &impl ConnectionTrait,
    jti: &str,
    sid: Option<&str>,
) -> Result<bool, IdentityError> {
    let mut ids = vec![jti.to_owned()];
    ids.extend(sid.map(str::to_owned));
    Ok(revocation::Entity::find()
        .select_only()
        .column(revocation::Column::Id)
        .filter(revocation::Column::Id.is_in(ids))
        .into_tuple::<String>()
        .one(db)
        .await?
        .is_some())
}

/// Records the revocation of `id` (a `jti` or a family id) until `expires_at_ms`.
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: &str,
    now_ms: i64,
    expires_at_ms: i64,
) -> Result<(), IdentityError> {
    crate::digest::purge_expired(db, revocation::Column::ExpiresAt, now_ms).await?;
    revocation::Entity::insert(revocation::ActiveModel {
        id: sea_orm::ActiveValue::Set(id.to_owned()),
        revoked_at: sea_orm::ActiveValue::Set(now_ms),
        expires_at: sea_orm::ActiveValue::Set(expires_at_ms),
    })
    .on_conflict(
        OnConflict::column(revocation::Column::Id)
            .update_column(revocation::Column::ExpiresAt)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
