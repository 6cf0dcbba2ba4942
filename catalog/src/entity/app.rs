use sea_orm::entity::prelude::*;
use vdx_core::{AppId, PartnerId};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "apps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: AppId,
    pub partner_id: PartnerId,
    pub name: String,
    #[sea_orm(unique)]
    pub client_id: String,
    /// Argon2id PHC string; the secret itself is never stored.
    pub client_secret_hash: String,
    /// JSON array of exact redirect URIs.
    #[sea_orm(column_type = "Text")]
    pub redirect_uris: String,
    /// Space-separated scopes the OEM grants directly (`admin`, `ingest`),
    /// outside any subscription.
    pub direct_scopes: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
