//! The OAuth consent screen moves into the driver portal, where the portal
//! session (not a per-flow browser cookie) identifies the driver, so pending
//! authorization requests lose their CSRF binding. Federated login links OEM
//! identity-provider accounts to drivers, and keeps each login attempt's
//! state, nonce and PKCE verifier until the provider calls back.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthorizeRequests {
    Table,
    CsrfHash,
}

#[derive(DeriveIden)]
enum Drivers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DriverIdentities {
    Table,
    Issuer,
    Subject,
    DriverId,
    LinkedAt,
}

#[derive(DeriveIden)]
enum OidcLogins {
    Table,
    StateHash,
    Nonce,
    PkceVerifier,
    Next,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(AuthorizeRequests::Table)
                .drop_column(AuthorizeRequests::CsrfHash)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DriverIdentities::Table)
                .if_not_exists()
                .col(string_len(DriverIdentities::Issuer, 512))
                .col(string_len(DriverIdentities::Subject, 255))
                .col(big_integer(DriverIdentities::DriverId))
                .col(big_integer(DriverIdentities::LinkedAt))
                .primary_key(
                    Index::create()
                        .col(DriverIdentities::Issuer)
                        .col(DriverIdentities::Subject),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_driver_identities_driver")
                        .from(DriverIdentities::Table, DriverIdentities::DriverId)
                        .to(Drivers::Table, Drivers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OidcLogins::Table)
                .if_not_exists()
                .col(string_len(OidcLogins::StateHash, 64).primary_key())
                .col(string_len(OidcLogins::Nonce, 64))
                .col(string_len(OidcLogins::PkceVerifier, 128))
                .col(string_len_null(OidcLogins::Next, 2048))
                .col(big_integer(OidcLogins::ExpiresAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OidcLogins::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(DriverIdentities::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(AuthorizeRequests::Table)
                .add_column(string_len(AuthorizeRequests::CsrfHash, 64).default(""))
                .to_owned(),
        )
        .await
    }
}
