//! Drivers and vehicles, and who may act for which vehicle.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use vdx_core::{DriverId, VehicleId, Vin, secret};

use crate::entity::{driver, vehicle, vehicle_driver};
use crate::{ConsentError, Driver, Vehicle};

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
) -> Result<Driver, ConsentError> {
    let hash = secret::hash(password).map_err(|e| ConsentError::Hashing(e.to_string()))?;
    Ok(driver::ActiveModel {
        username: Set(username.to_owned()),
        password_hash: Set(hash),
        display_name: Set(display_name.to_owned()),
        created_at: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?
    .into())
}

pub async fn create_vehicle(
    db: &impl ConnectionTrait,
    vin: &Vin,
    model: &str,
    powertrain: &str,
    now_ms: i64,
) -> Result<Vehicle, ConsentError> {
    Ok(vehicle::ActiveModel {
        vin: Set(vin.to_string()),
        model: Set(model.to_owned()),
        powertrain: Set(powertrain.to_owned()),
        created_at: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?
    .into())
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
) -> Result<Vec<(Vehicle, String)>, ConsentError> {
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
                .map(|l| (v.into(), l.role.clone()))
        })
        .collect())
}

/// A driver by username (as typed: surrounding space ignored).
pub async fn driver_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<Driver>, ConsentError> {
    crate::rows::one(
        db,
        driver::Entity::find().filter(driver::Column::Username.eq(username.trim())),
    )
    .await
}

/// A driver by id.
pub async fn driver_by_id(
    db: &impl ConnectionTrait,
    id: DriverId,
) -> Result<Option<Driver>, ConsentError> {
    crate::rows::one(db, driver::Entity::find_by_id(id)).await
}

/// A vehicle by VIN.
pub async fn vehicle_by_vin(
    db: &impl ConnectionTrait,
    vin: &Vin,
) -> Result<Option<Vehicle>, ConsentError> {
    crate::rows::one(
        db,
        vehicle::Entity::find().filter(vehicle::Column::Vin.eq(vin.as_str())),
    )
    .await
}

/// Every vehicle, in id order (the fleet simulator drives them).
pub async fn all_vehicles(db: &impl ConnectionTrait) -> Result<Vec<Vehicle>, ConsentError> {
    use sea_orm::QueryOrder;
    crate::rows::all(
        db,
        vehicle::Entity::find().order_by_asc(vehicle::Column::Id),
    )
    .await
}

/// What an ownership transfer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transferred {
    pub vin: Vin,
    pub new_owner: String,
    /// Consents of the previous owner that were ended.
    pub consents_ended: usize,
}

/// Transfers `vin` to the driver `new_owner`, in one transaction with its
/// audit record: every consent the previous owner gave for it ends
/// (`ended_by_ownership_change`), the old owner and the drivers they added
/// lose the car, and the new owner owns it. `NotFound` for an unknown
/// vehicle or driver.
pub async fn transfer_ownership(
    db: &sea_orm::DatabaseConnection,
    vin: &Vin,
    new_owner: &str,
    actor: &str,
    now_ms: i64,
) -> Result<Transferred, ConsentError> {
    use sea_orm::ModelTrait;
    let txn = vdx_core::db::begin_write(db).await?;
    let car = vehicle_by_vin(&txn, vin)
        .await?
        .ok_or_else(|| ConsentError::NotFound(format!("no vehicle {vin}")))?;
    let owner = driver_by_username(&txn, new_owner)
        .await?
        .ok_or_else(|| ConsentError::NotFound(format!("no driver {new_owner:?}")))?;
    let links = vehicle_driver::Entity::find()
        .filter(vehicle_driver::Column::VehicleId.eq(car.id))
        .all(&txn)
        .await?;
    let mut ended = 0;
    for link in links {
        if link.role == Role::Owner.as_str() && link.driver_id != owner.id {
            ended += crate::records::end_for_previous_owner(
                &txn,
                car.id,
                link.driver_id,
                &format!("oem:{actor}"),
                now_ms,
            )
            .await?;
        }
        link.delete(&txn).await?;
    }
    link(&txn, car.id, owner.id, Role::Owner).await?;
    vdx_catalog::audit::record(
        &txn,
        actor,
        "vehicle.transfer",
        &format!("vehicle:{vin}"),
        None,
        Some(serde_json::json!({"new_owner": owner.username, "consents_ended": ended})),
        now_ms,
    )
    .await?;
    txn.commit().await?;
    Ok(Transferred {
        vin: vin.clone(),
        new_owner: owner.username,
        consents_ended: ended,
    })
}

/// The row ids of the registered vehicles among `vins`, by VIN.
pub async fn vehicle_ids(
    db: &impl ConnectionTrait,
    vins: impl IntoIterator<Item = String>,
) -> Result<std::collections::HashMap<String, VehicleId>, ConsentError> {
    Ok(vehicle::Entity::find()
        .filter(vehicle::Column::Vin.is_in(vins))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.vin, v.id))
        .collect())
}
