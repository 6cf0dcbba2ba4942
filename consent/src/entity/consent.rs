use sea_orm::entity::prelude::*;
use vdx_core::{AppId, ConsentId, DriverId, ProductId, ProductVersionId, VehicleId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key)]
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

impl ActiveModelBehavior for ActiveModel {}
