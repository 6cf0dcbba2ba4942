//! Consent records and their statuses.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use vdx_catalog::ProductVersion;
use vdx_core::{AppId, ConsentId, DriverId, Purpose, VehicleId};

use crate::ConsentError;
use crate::entity::consent;

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
    pub source: &'a str,
    pub granted_at: i64,
    pub expires_at: i64,
}

/// Records a consent. A purpose the product does not allow is refused.
pub async fn create(
    db: &impl ConnectionTrait,
    new: NewConsent<'_>,
) -> Result<ConsentId, ConsentError> {
    if !new.product.allows_purpose(&new.purpose) {
        return Err(ConsentError::Invalid(format!(
            "product {} does not allow purpose {}",
            new.product.slug, new.purpose
        )));
    }
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
    .insert(db)
    .await?;
    Ok(row.id)
}
