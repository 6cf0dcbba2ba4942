use sea_orm::entity::prelude::*;
use vdx_core::{DriverId, VehicleId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vehicle_drivers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub vehicle_id: VehicleId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub driver_id: DriverId,
    /// `owner` or `additional`.
    pub role: String,
}

impl ActiveModelBehavior for ActiveModel {}
