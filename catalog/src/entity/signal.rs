use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "signals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub path: String,
    pub node_type: String,
    pub datatype: Option<String>,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// JSON array of allowed values.
    #[sea_orm(column_type = "Text", nullable)]
    pub allowed: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub deprecation: Option<String>,
    pub deprecated_at: Option<i64>,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
