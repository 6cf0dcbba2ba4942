use sea_orm::entity::prelude::*;
use vdx_core::PartnerId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partners")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: PartnerId,
    #[sea_orm(unique)]
    pub name: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
