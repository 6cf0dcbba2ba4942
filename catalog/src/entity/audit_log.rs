//! The audit trail's records (see `crate::audit`).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The admin's client id.
    pub actor: String,
    pub action: String,
    pub target: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub before: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub after: Option<String>,
    /// Epoch milliseconds; RFC 3339 on the wire.
    #[serde(serialize_with = "vdx_core::time::rfc3339")]
    pub at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
