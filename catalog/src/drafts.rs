//! Deleting a draft version. A draft has never been offered to anyone, so it
//! may go; a version that was ever published stays, for the record, and moves
//! on through its lifecycle instead (see [`crate::admin::transition`]). The
//! deletion and its audit record are one transaction.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;

use crate::admin::{product_or_404, version_row};
use crate::entity::product_version;
use crate::product::{Lifecycle, ProductVersion};
use crate::{CatalogError, audit};

/// Deletes a draft; anything else is a conflict. Returns what was deleted.
pub async fn delete_draft(
    db: &DatabaseConnection,
    actor: &str,
    slug: &str,
    version: &str,
    now_ms: i64,
) -> Result<ProductVersion, CatalogError> {
    let txn = vdx_core::db::begin_write(db).await?;
    let product = product_or_404(&txn, slug).await?;
    let row = version_row(&txn, &product, version).await?;
    if row.status != Lifecycle::Draft.as_str() {
        return Err(CatalogError::Conflict(format!(
            "version {version} of {slug} is {}; only a draft can be deleted (retire it instead)",
            row.status
        )));
    }
    let before = ProductVersion::from_rows(&product, row.clone())?;
    // The status condition makes a publish that won the race a conflict, not a lost version.
    let deleted = product_version::Entity::delete_many()
        .filter(product_version::Column::Id.eq(row.id))
        .filter(product_version::Column::Status.eq(Lifecycle::Draft.as_str()))
        .exec(&txn)
        .await?;
    if deleted.rows_affected != 1 {
        return Err(CatalogError::Conflict(format!(
            "version {version} of {slug} changed while it was being deleted; reload it"
        )));
    }
    let target = format!("product:{}@{}", product.slug, before.version);
    let change = audit::Change::Before(json!(before));
    audit::commit(txn, actor, now_ms, "version.delete", &target, change).await?;
    Ok(before)
}
