//! The rows this crate hands out: plain data, copied out of the entity
//! models. They are not the models themselves on purpose: a SeaORM model
//! names its entity (`<Model as ModelTrait>::Entity`), so handing one out
//! would hand out `Entity::find()` on the table, and the tables are this
//! crate's alone.

use sea_orm::{ConnectionTrait, EntityTrait, Select};
use secrecy::SecretString;
use vdx_core::{
    AppId, ConsentId, DriverId, PartnerId, ProductId, ProductVersionId, SubscriptionId, VehicleId,
};

use crate::ConsentError;
use crate::entity::{access_log, consent, driver, vehicle};

/// The one row `select` finds, copied out of its model: every read of this
/// crate hands out rows, never models.
pub(crate) async fn one<E, R>(
    db: &impl ConnectionTrait,
    select: Select<E>,
) -> Result<Option<R>, ConsentError>
where
    E: EntityTrait,
    R: From<E::Model>,
{
    Ok(select.one(db).await?.map(R::from))
}

/// Every row `select` finds, in its order, copied out of their models.
pub(crate) async fn all<E, R>(
    db: &impl ConnectionTrait,
    select: Select<E>,
) -> Result<Vec<R>, ConsentError>
where
    E: EntityTrait,
    R: From<E::Model>,
{
    Ok(select.all(db).await?.into_iter().map(R::from).collect())
}

/// A driver account of the portal.
#[derive(Clone, Debug)]
pub struct Driver {
    pub id: DriverId,
    pub username: String,
    /// Argon2id PHC string, for sign-in only (`Debug` leaves it out).
    pub password_hash: SecretString,
    pub display_name: String,
    pub created_at: i64,
}

impl From<driver::Model> for Driver {
    fn from(m: driver::Model) -> Self {
        Self {
            id: m.id,
            username: m.username,
            password_hash: m.password_hash.into(),
            display_name: m.display_name,
            created_at: m.created_at,
        }
    }
}

/// A vehicle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vehicle {
    pub id: VehicleId,
    pub vin: String,
    pub model: String,
    /// `ev` or `ice`.
    pub powertrain: String,
    pub created_at: i64,
}

impl From<vehicle::Model> for Vehicle {
    fn from(m: vehicle::Model) -> Self {
        Self {
            id: m.id,
            vin: m.vin,
            model: m.model,
            powertrain: m.powertrain,
            created_at: m.created_at,
        }
    }
}

/// One consent: a driver's permission for one app, product version and
/// purpose on one vehicle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: ConsentId,
    pub driver_id: DriverId,
    pub vehicle_id: VehicleId,
    pub app_id: AppId,
    pub product_id: ProductId,
    pub product_version_id: ProductVersionId,
    pub purpose: String,
    /// Space-separated: `read`, `command`.
    pub scopes: String,
    pub status: String,
    /// `portal` or `oauth`.
    pub source: String,
    pub granted_at: i64,
    pub expires_at: i64,
    pub updated_at: i64,
}

impl From<consent::Model> for ConsentRecord {
    fn from(m: consent::Model) -> Self {
        Self {
            id: m.id,
            driver_id: m.driver_id,
            vehicle_id: m.vehicle_id,
            app_id: m.app_id,
            product_id: m.product_id,
            product_version_id: m.product_version_id,
            purpose: m.purpose,
            scopes: m.scopes,
            status: m.status,
            source: m.source,
            granted_at: m.granted_at,
            expires_at: m.expires_at,
            updated_at: m.updated_at,
        }
    }
}

/// One partner access, as the access log holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRecord {
    pub id: i64,
    pub request_id: String,
    pub partner_id: PartnerId,
    pub app_id: AppId,
    pub vehicle_id: VehicleId,
    pub product_id: ProductId,
    pub purpose: String,
    /// JSON array of the signal paths returned.
    pub fields: String,
    pub at: i64,
    /// The subscription the call is metered against.
    pub subscription_id: Option<SubscriptionId>,
    /// `read` or `command`.
    pub kind: String,
}

impl From<access_log::Model> for AccessRecord {
    fn from(m: access_log::Model) -> Self {
        Self {
            id: m.id,
            request_id: m.request_id,
            partner_id: m.partner_id,
            app_id: m.app_id,
            vehicle_id: m.vehicle_id,
            product_id: m.product_id,
            purpose: m.purpose,
            fields: m.fields,
            at: m.at,
            subscription_id: m.subscription_id,
            kind: m.kind,
        }
    }
}
