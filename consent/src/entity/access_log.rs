use sea_orm::entity::prelude::*;
use vdx_core::{AppId, PartnerId, ProductId, SubscriptionId, VehicleId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: String,
    pub partner_id: PartnerId,
    pub app_id: AppId,
    pub vehicle_id: VehicleId,
    pub product_id: ProductId,
    pub purpose: String,
    /// JSON array of the signal paths returned.
    #[sea_orm(column_type = "Text")]
    pub fields: String,
    pub at: i64,
    /// The subscription the call is metered against.
    pub subscription_id: Option<SubscriptionId>,
    /// `read` or `command`.
    pub kind: String,
}

impl ActiveModelBehavior for ActiveModel {}
