//! Drivers and vehicles, and who may act for which vehicle.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use vdx_core::{DriverId, VehicleId, Vin, secret};

use crate::ConsentError;
use crate::entity::{driver, vehicle, vehicle_driver};

/// A driver's relation to a vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// May grant consent.
    Owner,
    /// Added by the owner; may not grant.
    Additional,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Additional => "additional",
        }
    }
}

pub async fn create_driver(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
    display_name: &str,
    now_ms: i64,
) -> Result<driver::Model, ConsentError> {
    let hash = secret::hash(password).map_err(|e| ConsentError::Hashing(e.to_string()))?;
    Ok(driver::ActiveModel {
        username: Set(username.to_owned()),
        password_hash: Set(hash),
        display_name: Set(display_name.to_owned()),
        created_at: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn create_vehicle(
    db: &impl ConnectionTrait,
    vin: &Vin,
    model: &str,
    powertrain: &str,
    now_ms: i64,
) -> Result<vehicle::Model, ConsentError> {
    Ok(vehicle::ActiveModel {
        vin: Set(vin.to_string()),
        model: Set(model.to_owned()),
        powertrain: Set(powertrain.to_owned()),
        created_at: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn link(
    db: &impl ConnectionTrait,
    vehicle: VehicleId,
    driver: DriverId,
    role: Role,
) -> Result<(), ConsentError> {
    vehicle_driver::ActiveModel {
        vehicle_id: Set(vehicle),
        driver_id: Set(driver),
        role: Set(role.as_str().to_owned()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The vehicles a driver is linked to, with the driver's role.
pub async fn vehicles_of(
    db: &impl ConnectionTrait,
    driver: DriverId,
) -> Result<Vec<(vehicle::Model, String)>, ConsentError> {
    let links = vehicle_driver::Entity::find()
        .filter(vehicle_driver::Column::DriverId.eq(driver))
        .all(db)
        .await?;
    let ids: Vec<VehicleId> = links.iter().map(|l| l.vehicle_id).collect();
    let vehicles = vehicle::Entity::find()
        .filter(vehicle::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(vehicles
        .into_iter()
        .filter_map(|v| {
            links
                .iter()
                .find(|l| l.vehicle_id == v.id)
                .map(|l| (v, l.role.clone()))
        })
        .collect())
}
