use sea_orm::entity::prelude::*;
use vdx_core::{ProductId, ProductVersionId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: ProductVersionId,
    pub product_id: ProductId,
    pub version: String,
    pub status: String,
    /// JSON array of signal paths or branch prefixes.
    #[sea_orm(column_type = "Text")]
    pub signals: String,
    /// JSON array of actuator paths a partner may command.
    #[sea_orm(column_type = "Text")]
    pub commands: String,
    /// JSON array of purpose names.
    #[sea_orm(column_type = "Text")]
    pub purposes: String,
    /// JSON object: the data terms.
    #[sea_orm(column_type = "Text")]
    pub terms: String,
    pub sunset_at: Option<i64>,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub deprecated_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
