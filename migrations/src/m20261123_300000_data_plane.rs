//! The data plane: the history of ingested signal values, and partner
//! commands with their lifecycle. History has one row per
//! vehicle, path and observation time; the primary key is what makes a
//! re-uploaded sample a duplicate, and it also serves history reads (one
//! vehicle, one path, a time range). No foreign key to `vehicles`: the
//! ingest resolves every VIN before writing, and the hot insert path stays lean.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignalHistory {
    Table,
    VehicleId,
    Path,
    ObservedAt,
    Value,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Commands {
    Table,
    Id,
    VehicleId,
    Vin,
    AppId,
    PartnerId,
    SubscriptionId,
    ProductId,
    Actuator,
    Value,
    Status,
    IdempotencyKey,
    Reason,
    SupersededBy,
    CreatedAt,
    ExpiresAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SignalHistory::Table)
                .if_not_exists()
                .col(big_integer(SignalHistory::VehicleId))
                .col(string_len(SignalHistory::Path, 255))
                .col(big_integer(SignalHistory::ObservedAt))
                .col(text(SignalHistory::Value))
                .col(big_integer(SignalHistory::ReceivedAt))
                .primary_key(
                    Index::create()
                        .col(SignalHistory::VehicleId)
                        .col(SignalHistory::Path)
                        .col(SignalHistory::ObservedAt),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Commands::Table)
                .if_not_exists()
                .col(big_pk_auto(Commands::Id))
                .col(big_integer(Commands::VehicleId))
                .col(string_len(Commands::Vin, 17))
                .col(big_integer(Commands::AppId))
                .col(big_integer(Commands::PartnerId))
                .col(big_integer(Commands::SubscriptionId))
                .col(big_integer(Commands::ProductId))
                .col(string_len(Commands::Actuator, 255))
                .col(text(Commands::Value))
                .col(string_len(Commands::Status, 16))
                .col(string_len_null(Commands::IdempotencyKey, 255))
                .col(text_null(Commands::Reason))
                .col(big_integer_null(Commands::SupersededBy))
                .col(big_integer(Commands::CreatedAt))
                .col(big_integer(Commands::ExpiresAt))
                .col(big_integer(Commands::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // An app's Idempotency-Key names one command (NULL keys never collide).
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("ux_commands_app_idempotency_key")
                .table(Commands::Table)
                .col(Commands::AppId)
                .col(Commands::IdempotencyKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("ix_commands_vehicle_status")
                .table(Commands::Table)
                .col(Commands::VehicleId)
                .col(Commands::Status)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Commands::Table).if_exists().to_owned())
            .await?;
        m.drop_table(
            Table::drop()
                .table(SignalHistory::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
