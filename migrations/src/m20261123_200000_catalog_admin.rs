//! Catalog administration: the audit trail of admin changes, when a product
//! version was deprecated, and metering
//! columns on the access log (which subscription a served call counts
//! against, and whether it was a read or a command).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Actor,
    Action,
    Target,
    Before,
    After,
    At,
}

#[derive(DeriveIden)]
enum ProductVersions {
    Table,
    DeprecatedAt,
}

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    SubscriptionId,
    Kind,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .if_not_exists()
                .col(big_pk_auto(AuditLog::Id))
                .col(string_len(AuditLog::Actor, 128))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len(AuditLog::Target, 255))
                .col(text_null(AuditLog::Before))
                .col(text_null(AuditLog::After))
                .col(big_integer(AuditLog::At))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AccessLog::Table)
                .add_column(big_integer_null(AccessLog::SubscriptionId))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ProductVersions::Table)
                .add_column(big_integer_null(ProductVersions::DeprecatedAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AccessLog::Table)
                .add_column(string_len(AccessLog::Kind, 16).default("read"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("ix_access_log_subscription_at")
                .table(AccessLog::Table)
                .col(AccessLog::SubscriptionId)
                .col(AccessLog::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_access_log_subscription_at")
                .table(AccessLog::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AccessLog::Table)
                .drop_column(AccessLog::Kind)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AccessLog::Table)
                .drop_column(AccessLog::SubscriptionId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ProductVersions::Table)
                .drop_column(ProductVersions::DeprecatedAt)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
