use sea_orm::entity::prelude::*;
use vdx_core::DriverId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drivers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: DriverId,
    #[sea_orm(unique)]
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub display_name: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
