//! The change feed that lets a gateway keep policy and latest values in
//! memory:
//!
//! - PostgreSQL: the policy-epoch trigger function also notifies
//!   `vdx_policy` with the epoch it raised the counter to (delivered at
//!   commit, to every replica's listener). Ingest notifies `vdx_latest`
//!   itself, with the vehicles it changed.
//! - SQLite: `ingest_seq`, a counter every ingest transaction raises, so a
//!   gateway can tell another process's ingest from its own.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION vdx_bump_policy_epoch() RETURNS trigger AS $$ \
                     DECLARE raised BIGINT; \
                     BEGIN UPDATE policy_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch INTO raised; \
                     PERFORM pg_notify('vdx_policy', raised::text); RETURN NULL; END \
                     $$ LANGUAGE plpgsql",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TABLE IF NOT EXISTS ingest_seq (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL)",
                )
                .await?;
                db.execute_unprepared(
                    "INSERT INTO ingest_seq (id, seq) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM ingest_seq WHERE id = 1)",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION vdx_bump_policy_epoch() RETURNS trigger AS $$ \
                     BEGIN UPDATE policy_epoch SET epoch = epoch + 1 WHERE id = 1; RETURN NULL; END \
                     $$ LANGUAGE plpgsql",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared("DROP TABLE IF EXISTS ingest_seq")
                    .await?;
            }
        }
        Ok(())
    }
}
