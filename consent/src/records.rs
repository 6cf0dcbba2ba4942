//! Consent records and their statuses. Every change goes through this module
//! and is appended to the [`ledger`](crate::ledger) in the same transaction;
//! the `consents` row is the ledger's projection for fast decisions.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vdx_catalog::ProductVersion;
use vdx_core::{AppId, ConsentId, DriverId, Principal, Purpose, VehicleId};

use crate::entity::consent;
use crate::{ConsentError, ledger};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    Pending,
    Active,
    Rejected,
    Expired,
    RevokedByDriver,
    RevokedByPartner,
    RevokedByOem,
    EndedByOwnershipChange,
}

impl ConsentStatus {
    pub const ALL: [Self; 8] = [
        Self::Pending,
        Self::Active,
        Self::Rejected,
        Self::Expired,
        Self::RevokedByDriver,
        Self::RevokedByPartner,
        Self::RevokedByOem,
        Self::EndedByOwnershipChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::RevokedByDriver => "revoked_by_driver",
            Self::RevokedByPartner => "revoked_by_partner",
            Self::RevokedByOem => "revoked_by_oem",
            Self::EndedByOwnershipChange => "ended_by_ownership_change",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether a consent may move from `self` to `next`.
    pub fn can_become(self, next: Self) -> bool {
        use ConsentStatus as S;
        matches!(
            (self, next),
            (S::Pending, S::Active | S::Rejected)
                | (
                    S::Active,
                    S::Expired
                        | S::RevokedByDriver
                        | S::RevokedByPartner
                        | S::RevokedByOem
                        | S::EndedByOwnershipChange
                )
        )
    }
}

/// A consent to record.
#[derive(Debug, Clone)]
pub struct NewConsent<'a> {
    pub driver: DriverId,
    pub vehicle: VehicleId,
    pub app: AppId,
    pub product: &'a ProductVersion,
    pub purpose: Purpose,
    /// `read`, `command` or both, space-separated.
    pub scopes: &'a str,
    pub status: ConsentStatus,
    /// `portal` or `oauth`.
    pub source: &'a str,
    pub granted_at: i64,
    pub expires_at: i64,
}

fn terms(row: &consent::Model) -> serde_json::Value {
    json!({
        "driver": row.driver_id, "vehicle": row.vehicle_id, "app": row.app_id,
        "product": row.product_id, "product_version": row.product_version_id,
        "purpose": row.purpose, "scopes": row.scopes, "source": row.source,
        "granted_at": row.granted_at, "expires_at": row.expires_at,
    })
}

/// Records a consent and its first ledger entry, in one transaction. A purpose
/// the product does not allow, or scopes other than read/command, are refused.
pub async fn create(
    db: &impl TransactionTrait,
    new: NewConsent<'_>,
) -> Result<ConsentId, ConsentError> {
    if !new.product.allows_purpose(&new.purpose) {
        return Err(ConsentError::Invalid(format!(
            "product {} does not allow purpose {}",
            new.product.slug, new.purpose
        )));
    }
    if new
        .scopes
        .split_whitespace()
        .any(|s| s != "read" && s != "command")
        || new.scopes.trim().is_empty()
    {
        return Err(ConsentError::Invalid(
            "scopes must be read, command or both".into(),
        ));
    }
    if new.expires_at <= new.granted_at && new.status == ConsentStatus::Active {
        return Err(ConsentError::Invalid(
            "a consent must expire after it is granted".into(),
        ));
    }
    let txn = db.begin().await?;
    let row = consent::ActiveModel {
        driver_id: Set(new.driver),
        vehicle_id: Set(new.vehicle),
        app_id: Set(new.app),
        product_id: Set(new.product.product_id),
        product_version_id: Set(new.product.id),
        purpose: Set(new.purpose.to_string()),
        scopes: Set(new.scopes.to_owned()),
        status: Set(new.status.as_str().to_owned()),
        source: Set(new.source.to_owned()),
        granted_at: Set(new.granted_at),
        expires_at: Set(new.expires_at),
        updated_at: Set(new.granted_at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let actor = format!("driver:{}", new.driver);
    ledger::append(
        &txn,
        row.id,
        "created",
        new.status.as_str(),
        &actor,
        &terms(&row),
        new.granted_at,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// Moves a consent to a new status (revocation, expiry, end), appending to
/// the ledger. Refuses transitions the lifecycle does not allow.
pub async fn change_status(
    db: &impl TransactionTrait,
    id: ConsentId,
    next: ConsentStatus,
    actor: &str,
    now_ms: i64,
) -> Result<consent::Model, ConsentError> {
    let txn = db.begin().await?;
    let row = consent::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ConsentError::NotFound(format!("no consent {id}")))?;
    let current = ConsentStatus::parse(&row.status).ok_or_else(|| {
        ConsentError::Invalid(format!("consent {id} has unknown status {}", row.status))
    })?;
    if !current.can_become(next) {
        return Err(ConsentError::Conflict(format!(
            "consent {id} is {}; it cannot become {}",
            current.as_str(),
            next.as_str()
        )));
    }
    let event = match next {
        ConsentStatus::Active => "approved",
        ConsentStatus::Rejected => "rejected",
        ConsentStatus::Expired => "expired",
        ConsentStatus::EndedByOwnershipChange => "ended",
        _ => "revoked",
    };
    let mut active = row.into_active_model();
    active.status = Set(next.as_str().to_owned());
    active.updated_at = Set(now_ms);
    let updated = active.update(&txn).await?;
    ledger::append(
        &txn,
        id,
        event,
        next.as_str(),
        actor,
        &terms(&updated),
        now_ms,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// One consent by id.
pub async fn find(
    db: &impl ConnectionTrait,
    id: ConsentId,
) -> Result<Option<consent::Model>, ConsentError> {
    Ok(consent::Entity::find_by_id(id).one(db).await?)
}

/// A driver's consents, newest first.
pub async fn of_driver(
    db: &impl ConnectionTrait,
    driver: DriverId,
) -> Result<Vec<consent::Model>, ConsentError> {
    Ok(consent::Entity::find()
        .filter(consent::Column::DriverId.eq(driver))
        .order_by_desc(consent::Column::Id)
        .all(db)
        .await?)
}

/// The consents a partner principal may see: those given to its app and, for
/// a token a driver authorised, only that driver's. Every partner-facing
/// consent lookup goes through this filter, so no endpoint can forget the
/// driver binding.
fn of_principal_query(principal: &Principal) -> sea_orm::Select<consent::Entity> {
    let app = principal.app();
    let mut query = consent::Entity::find().filter(consent::Column::AppId.eq(app.app_id));
    if let Some(driver) = app.driver_id {
        query = query.filter(consent::Column::DriverId.eq(driver));
    }
    query
}

/// The consents `principal` may see, newest first, a page at a time: ids
/// below `before`; with `active_at`, only those that grant at that time
/// (status active and not past their expiry).
pub async fn of_principal(
    db: &impl ConnectionTrait,
    principal: &Principal,
    before: Option<i64>,
    limit: u64,
    active_at: Option<i64>,
) -> Result<Vec<consent::Model>, ConsentError> {
    let mut query = of_principal_query(principal)
        .order_by_desc(consent::Column::Id)
        .limit(limit);
    if let Some(before) = before {
        query = query.filter(consent::Column::Id.lt(before));
    }
    if let Some(now_ms) = active_at {
        query = query
            .filter(consent::Column::Status.eq(ConsentStatus::Active.as_str()))
            .filter(consent::Column::ExpiresAt.gt(now_ms));
    }
    Ok(query.all(db).await?)
}

/// One consent `principal` may see; `None` for any other id (another app's,
/// another driver's, or none), alike.
pub async fn find_of_principal(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: ConsentId,
) -> Result<Option<consent::Model>, ConsentError> {
    Ok(of_principal_query(principal)
        .filter(consent::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// Ends every active consent given by `driver` for `vehicle` (ownership change).
pub async fn end_for_previous_owner(
    db: &(impl TransactionTrait + ConnectionTrait),
    vehicle: VehicleId,
    driver: DriverId,
    actor: &str,
    now_ms: i64,
) -> Result<usize, ConsentError> {
    let active = consent::Entity::find()
        .filter(consent::Column::VehicleId.eq(vehicle))
        .filter(consent::Column::DriverId.eq(driver))
        .filter(consent::Column::Status.eq(ConsentStatus::Active.as_str()))
        .all(db)
        .await?;
    for row in &active {
        change_status(
            db,
            row.id,
            ConsentStatus::EndedByOwnershipChange,
            actor,
            now_ms,
        )
        .await?;
    }
    Ok(active.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_consents_can_be_revoked_and_terminal_states_stay_terminal() {
        use ConsentStatus as S;
        assert!(S::Active.can_become(S::RevokedByDriver));
        assert!(S::Pending.can_become(S::Active));
        for terminal in [
            S::Rejected,
            S::Expired,
            S::RevokedByDriver,
            S::RevokedByPartner,
            S::RevokedByOem,
            S::EndedByOwnershipChange,
        ] {
            for next in S::ALL {
                assert!(!terminal.can_become(next), "{terminal:?} -> {next:?}");
            }
        }
    }
}
