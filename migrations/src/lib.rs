//! Every schema change of vdx, in order. Files are named
//! `mYYYYMMDD_HHMMSS_name.rs`; a published migration is never edited, only
//! followed by a new one. Conventions: surrogate keys are BIGINT, times are
//! BIGINT Unix epoch milliseconds (identical ordering on SQLite and PostgreSQL),
//! structured values are JSON text owned by the domain crate that writes them.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_100000_oauth;
mod m20261123_200000_catalog_admin;
mod m20261123_300000_data_plane;
mod m20261123_400000_consent_ledger;
mod m20261123_500000_portal_identity;
mod m20261202_000001_command_purpose;
mod m20261202_000002_policy_epoch;
mod m20261208_000001_change_feed;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_100000_oauth::Migration),
            Box::new(m20261123_200000_catalog_admin::Migration),
            Box::new(m20261123_300000_data_plane::Migration),
            Box::new(m20261123_400000_consent_ledger::Migration),
            Box::new(m20261123_500000_portal_identity::Migration),
            Box::new(m20261202_000001_command_purpose::Migration),
            Box::new(m20261202_000002_policy_epoch::Migration),
            Box::new(m20261208_000001_change_feed::Migration),
        ]
    }
}
