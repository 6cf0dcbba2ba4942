//! The consent ledger's entries (see `crate::ledger`).

use sea_orm::entity::prelude::*;
use vdx_core::ConsentId;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "consent_ledger")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consent_id: ConsentId,
    /// What happened: created, revoked, expired, ended, …
    pub event: String,
    /// The consent's status after the event.
    pub status: String,
    /// Who caused it: `driver:<id>`, `partner:<client_id>`, `oem:<client_id>`, `system`.
    pub actor: String,
    /// The consent's terms at the time, as canonical JSON.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub at: i64,
    pub prev_hash: String,
    pub hash: String,
}

impl ActiveModelBehavior for ActiveModel {}
