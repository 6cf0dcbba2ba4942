use sea_orm::entity::prelude::*;
use vdx_core::{AppId, PlanId, ProductVersionId, SubscriptionId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: SubscriptionId,
    pub app_id: AppId,
    pub product_version_id: ProductVersionId,
    pub plan_id: PlanId,
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
