//! A command remembers the purpose it was sent under, so that reading its
//! status goes through the consent decision like every other partner read:
//! once the driver revokes, the partner no longer follows the car's commands.
//! Commands sent before this migration have no purpose and so no status.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Commands {
    Table,
    Purpose,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.has_column("commands", "purpose").await? {
            return Ok(());
        }
        m.alter_table(
            Table::alter()
                .table(Commands::Table)
                .add_column(string_len_null(Commands::Purpose, 64))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Commands::Table)
                .drop_column(Commands::Purpose)
                .to_owned(),
        )
        .await
    }
}
