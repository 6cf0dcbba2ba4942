//! The consent ledger (append-only, hash-chained) and driver portal sessions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConsentLedger {
    Table,
    Id,
    ConsentId,
    Event,
    Status,
    Actor,
    Payload,
    At,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum PortalSessions {
    Table,
    TokenHash,
    DriverId,
    Csrf,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ConsentLedger::Table)
                .if_not_exists()
                .col(big_pk_auto(ConsentLedger::Id))
                .col(big_integer(ConsentLedger::ConsentId))
                .col(string_len(ConsentLedger::Event, 32))
                .col(string_len(ConsentLedger::Status, 32))
                .col(string_len(ConsentLedger::Actor, 128))
                .col(text(ConsentLedger::Payload))
                .col(big_integer(ConsentLedger::At))
                .col(string_len_uniq(ConsentLedger::PrevHash, 64))
                .col(string_len_uniq(ConsentLedger::Hash, 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("ix_consent_ledger_consent")
                .table(ConsentLedger::Table)
                .col(ConsentLedger::ConsentId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PortalSessions::Table)
                .if_not_exists()
                .col(string_len(PortalSessions::TokenHash, 64).primary_key())
                .col(big_integer(PortalSessions::DriverId))
                .col(string_len(PortalSessions::Csrf, 64))
                .col(big_integer(PortalSessions::CreatedAt))
                .col(big_integer(PortalSessions::ExpiresAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PortalSessions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ConsentLedger::Table).to_owned())
            .await
    }
}
