//! The OAuth authorization server's state: pending authorization requests
//! (the login and consent pages), one-time authorization codes, token
//! families with their rotating refresh tokens, and revocations that every
//! replica checks on every request. Codes, refresh tokens and CSRF tokens are
//! stored only as SHA-256 hex digests.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Apps {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Drivers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuthorizeRequests {
    Table,
    Id,
    CsrfHash,
    AppId,
    Params,
    DriverId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AuthorizationCodes {
    Table,
    CodeHash,
    AppId,
    DriverId,
    RedirectUri,
    Scope,
    CodeChallenge,
    FamilyId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum TokenFamilies {
    Table,
    Id,
    AppId,
    DriverId,
    Scope,
    CreatedAt,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TokenHash,
    FamilyId,
    CreatedAt,
    ExpiresAt,
    RotatedAt,
}

#[derive(DeriveIden)]
enum Revocations {
    Table,
    Id,
    RevokedAt,
    ExpiresAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuthorizeRequests::Table)
                .if_not_exists()
                .col(string_len(AuthorizeRequests::Id, 64).primary_key())
                .col(string_len(AuthorizeRequests::CsrfHash, 64))
                .col(big_integer(AuthorizeRequests::AppId))
                .col(text(AuthorizeRequests::Params))
                .col(big_integer_null(AuthorizeRequests::DriverId))
                .col(big_integer(AuthorizeRequests::CreatedAt))
                .col(big_integer(AuthorizeRequests::ExpiresAt))
                .foreign_key(&mut fk(
                    "fk_authorize_requests_app",
                    (AuthorizeRequests::Table, AuthorizeRequests::AppId),
                    (Apps::Table, Apps::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_authorize_requests_driver",
                    (AuthorizeRequests::Table, AuthorizeRequests::DriverId),
                    (Drivers::Table, Drivers::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TokenFamilies::Table)
                .if_not_exists()
                .col(string_len(TokenFamilies::Id, 36).primary_key())
                .col(big_integer(TokenFamilies::AppId))
                .col(big_integer_null(TokenFamilies::DriverId))
                .col(text(TokenFamilies::Scope))
                .col(big_integer(TokenFamilies::CreatedAt))
                .col(big_integer_null(TokenFamilies::RevokedAt))
                .col(string_len_null(TokenFamilies::RevokedReason, 64))
                .foreign_key(&mut fk(
                    "fk_token_families_app",
                    (TokenFamilies::Table, TokenFamilies::AppId),
                    (Apps::Table, Apps::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_token_families_driver",
                    (TokenFamilies::Table, TokenFamilies::DriverId),
                    (Drivers::Table, Drivers::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuthorizationCodes::Table)
                .if_not_exists()
                .col(string_len(AuthorizationCodes::CodeHash, 64).primary_key())
                .col(big_integer(AuthorizationCodes::AppId))
                .col(big_integer(AuthorizationCodes::DriverId))
                .col(text(AuthorizationCodes::RedirectUri))
                .col(text(AuthorizationCodes::Scope))
                .col(string_len(AuthorizationCodes::CodeChallenge, 128))
                .col(string_len(AuthorizationCodes::FamilyId, 36))
                .col(big_integer(AuthorizationCodes::CreatedAt))
                .col(big_integer(AuthorizationCodes::ExpiresAt))
                .col(big_integer_null(AuthorizationCodes::UsedAt))
                .foreign_key(&mut fk(
                    "fk_authorization_codes_app",
                    (AuthorizationCodes::Table, AuthorizationCodes::AppId),
                    (Apps::Table, Apps::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_authorization_codes_driver",
                    (AuthorizationCodes::Table, AuthorizationCodes::DriverId),
                    (Drivers::Table, Drivers::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .if_not_exists()
                .col(string_len(RefreshTokens::TokenHash, 64).primary_key())
                .col(string_len(RefreshTokens::FamilyId, 36))
                .col(big_integer(RefreshTokens::CreatedAt))
                .col(big_integer(RefreshTokens::ExpiresAt))
                .col(big_integer_null(RefreshTokens::RotatedAt))
                .foreign_key(&mut fk(
                    "fk_refresh_tokens_family",
                    (RefreshTokens::Table, RefreshTokens::FamilyId),
                    (TokenFamilies::Table, TokenFamilies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("ix_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Revocations::Table)
                .if_not_exists()
                .col(string_len(Revocations::Id, 64).primary_key())
                .col(big_integer(Revocations::RevokedAt))
                .col(big_integer(Revocations::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("ix_revocations_expires_at")
                .table(Revocations::Table)
                .col(Revocations::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Revocations::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            AuthorizationCodes::Table.into_iden(),
            TokenFamilies::Table.into_iden(),
            AuthorizeRequests::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
