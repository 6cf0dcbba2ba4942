//! The policy epoch: one counter that the database itself raises, in the same
//! transaction, whenever anything a consent decision reads changes (consents,
//! subscriptions, products, product versions, vehicles, token revocations).
//! A gateway reads it once per request and reuses a remembered decision (or
//! revocation check) only while the epoch is unchanged, so a revocation committed through any replica (or by hand in
//! SQL) takes effect on the next request everywhere.
//!
//! Triggers, not application code, raise it, so no write path can forget to.
//! On PostgreSQL they fire once per statement, before it (TRUNCATE too), so
//! the counter row is the first lock a writing transaction takes; on SQLite
//! (one writer at a time) after each row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose changes can change a decision.
const WATCHED: [&str; 6] = [
    "consents",
    "subscriptions",
    "products",
    "product_versions",
    "vehicles",
    "revocations",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE TABLE IF NOT EXISTS policy_epoch (id BIGINT PRIMARY KEY, epoch BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO policy_epoch (id, epoch) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM policy_epoch WHERE id = 1)",
        )
        .await?;
        match m.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION vdx_bump_policy_epoch() RETURNS trigger AS $$ \
                     BEGIN UPDATE policy_epoch SET epoch = epoch + 1 WHERE id = 1; RETURN NULL; END \
                     $$ LANGUAGE plpgsql",
                )
                .await?;
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_policy_epoch ON {table}"
                    ))
                    .await?;
                    // BEFORE, so a transaction locks the counter row before
                    // any row of a watched table: writers queue on the counter
                    // instead of deadlocking against each other's rows.
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_policy_epoch BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION vdx_bump_policy_epoch()"
                    ))
                    .await?;
                }
            }
            _ => {
                for table in WATCHED {
                    for op in ["INSERT", "UPDATE", "DELETE"] {
                        let name = format!("{table}_policy_epoch_{}", op.to_lowercase());
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER IF NOT EXISTS {name} AFTER {op} ON {table} \
                             BEGIN UPDATE policy_epoch SET epoch = epoch + 1 WHERE id = 1; END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => {
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_policy_epoch ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS vdx_bump_policy_epoch()")
                    .await?;
            }
            _ => {
                for table in WATCHED {
                    for op in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {table}_policy_epoch_{op}"
                        ))
                        .await?;
                    }
                }
            }
        }
        db.execute_unprepared("DROP TABLE IF EXISTS policy_epoch")
            .await?;
        Ok(())
    }
}
