use sea_orm::entity::prelude::*;
use vdx_core::{PlanId, ProductId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: PlanId,
    pub product_id: ProductId,
    pub name: String,
    pub rate_per_second: i32,
    pub burst: i32,
    pub daily_quota: i64,
    pub vehicle_daily_budget: Option<i32>,
    pub price_model: String,
    pub price_minor: i64,
    pub currency: String,
}

impl ActiveModelBehavior for ActiveModel {}
