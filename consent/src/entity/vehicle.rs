use sea_orm::entity::prelude::*;
use vdx_core::VehicleId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vehicles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: VehicleId,
    #[sea_orm(unique)]
    pub vin: String,
    pub model: String,
    /// `ev` or `ice`.
    pub powertrain: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
