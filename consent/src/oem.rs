//! What the OEM does to consents as the operator, each change together with
//! its audit record in one transaction, so neither can exist without the
//! other. Knows nothing of HTTP; the admin handlers call these.

use sea_orm::{TransactionSession, TransactionTrait};
use serde_json::json;
use vdx_core::ConsentId;

use crate::records::{self, ConsentStatus};
use crate::{ConsentError, ConsentRecord};

/// Revokes a consent as the OEM (status `revoked_by_oem`, by `oem:<actor>`)
/// and records `consent.revoke` in the audit trail.
#[tracing::instrument(skip_all, fields(consent = %id))]
pub async fn revoke_consent(
    db: &impl TransactionTrait,
    id: ConsentId,
    actor: &str,
    now_ms: i64,
) -> Result<ConsentRecord, ConsentError> {
    let txn = vdx_core::db::begin_write(db).await?;
    let updated = records::change_status(
        &txn,
        id,
        ConsentStatus::RevokedByOem,
        &format!("oem:{actor}"),
        now_ms,
    )
    .await?;
    vdx_catalog::audit::record(
        &txn,
        actor,
        "consent.revoke",
        &format!("consent:{id}"),
        None,
        Some(json!({"status": updated.status})),
        now_ms,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
