//! The foundation schema: catalog, partners and apps, drivers and vehicles,
//! consents, latest signal values, the access log and token signing keys.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Signals {
    Table,
    Path,
    NodeType,
    Datatype,
    Unit,
    Min,
    Max,
    Allowed,
    Description,
    Deprecation,
    DeprecatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Category,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProductVersions {
    Table,
    Id,
    ProductId,
    Version,
    Status,
    Signals,
    Commands,
    Purposes,
    Terms,
    SunsetAt,
    PublishedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    ProductId,
    Name,
    RatePerSecond,
    Burst,
    DailyQuota,
    VehicleDailyBudget,
    PriceModel,
    PriceMinor,
    Currency,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Apps {
    Table,
    Id,
    PartnerId,
    Name,
    ClientId,
    ClientSecretHash,
    RedirectUris,
    DirectScopes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    AppId,
    ProductVersionId,
    PlanId,
    Status,
    Reason,
    CreatedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Drivers {
    Table,
    Id,
    Username,
    PasswordHash,
    DisplayName,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Vehicles {
    Table,
    Id,
    Vin,
    Model,
    Powertrain,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VehicleDrivers {
    Table,
    VehicleId,
    DriverId,
    Role,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    DriverId,
    VehicleId,
    AppId,
    ProductId,
    ProductVersionId,
    Purpose,
    Scopes,
    Status,
    Source,
    GrantedAt,
    ExpiresAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SignalLatest {
    Table,
    VehicleId,
    Path,
    Value,
    ObservedAt,
}

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    Id,
    RequestId,
    PartnerId,
    AppId,
    VehicleId,
    ProductId,
    Purpose,
    Fields,
    At,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    Algorithm,
    PrivateKey,
    PublicKey,
    CreatedAt,
    RetiredAt,
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
                .table(Signals::Table)
                .if_not_exists()
                .col(string_len(Signals::Path, 255).primary_key())
                .col(string_len(Signals::NodeType, 16))
                .col(string_len_null(Signals::Datatype, 32))
                .col(string_len_null(Signals::Unit, 32))
                .col(double_null(Signals::Min))
                .col(double_null(Signals::Max))
                .col(text_null(Signals::Allowed))
                .col(text(Signals::Description))
                .col(text_null(Signals::Deprecation))
                .col(big_integer_null(Signals::DeprecatedAt))
                .col(big_integer(Signals::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Products::Table)
                .if_not_exists()
                .col(big_pk_auto(Products::Id))
                .col(string_len_uniq(Products::Slug, 64))
                .col(string(Products::Name))
                .col(text(Products::Description))
                .col(string_len(Products::Category, 16))
                .col(big_integer(Products::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ProductVersions::Table)
                .if_not_exists()
                .col(big_pk_auto(ProductVersions::Id))
                .col(big_integer(ProductVersions::ProductId))
                .col(string_len(ProductVersions::Version, 32))
                .col(string_len(ProductVersions::Status, 16))
                .col(text(ProductVersions::Signals))
                .col(text(ProductVersions::Commands))
                .col(text(ProductVersions::Purposes))
                .col(text(ProductVersions::Terms))
                .col(big_integer_null(ProductVersions::SunsetAt))
                .col(big_integer_null(ProductVersions::PublishedAt))
                .col(big_integer(ProductVersions::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_product_versions_product",
                    (ProductVersions::Table, ProductVersions::ProductId),
                    (Products::Table, Products::Id),
                ))
                .index(
                    Index::create()
                        .name("ux_product_versions_version")
                        .col(ProductVersions::ProductId)
                        .col(ProductVersions::Version)
                        .unique(),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Plans::Table)
                .if_not_exists()
                .col(big_pk_auto(Plans::Id))
                .col(big_integer(Plans::ProductId))
                .col(string_len(Plans::Name, 64))
                .col(integer(Plans::RatePerSecond))
                .col(integer(Plans::Burst))
                .col(big_integer(Plans::DailyQuota))
                .col(integer_null(Plans::VehicleDailyBudget))
                .col(string_len(Plans::PriceModel, 24))
                .col(big_integer(Plans::PriceMinor))
                .col(string_len(Plans::Currency, 3))
                .foreign_key(&mut fk(
                    "fk_plans_product",
                    (Plans::Table, Plans::ProductId),
                    (Products::Table, Products::Id),
                ))
                .index(
                    Index::create()
                        .name("ux_plans_name")
                        .col(Plans::ProductId)
                        .col(Plans::Name)
                        .unique(),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Partners::Table)
                .if_not_exists()
                .col(big_pk_auto(Partners::Id))
                .col(string_uniq(Partners::Name))
                .col(big_integer(Partners::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Apps::Table)
                .if_not_exists()
                .col(big_pk_auto(Apps::Id))
                .col(big_integer(Apps::PartnerId))
                .col(string(Apps::Name))
                .col(string_len_uniq(Apps::ClientId, 64))
                .col(string(Apps::ClientSecretHash))
                .col(text(Apps::RedirectUris))
                .col(string(Apps::DirectScopes))
                .col(big_integer(Apps::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_apps_partner",
                    (Apps::Table, Apps::PartnerId),
                    (Partners::Table, Partners::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Subscriptions::Table)
                .if_not_exists()
                .col(big_pk_auto(Subscriptions::Id))
                .col(big_integer(Subscriptions::AppId))
                .col(big_integer(Subscriptions::ProductVersionId))
                .col(big_integer(Subscriptions::PlanId))
                .col(string_len(Subscriptions::Status, 16))
                .col(text_null(Subscriptions::Reason))
                .col(big_integer(Subscriptions::CreatedAt))
                .col(big_integer_null(Subscriptions::DecidedAt))
                .foreign_key(&mut fk(
                    "fk_subscriptions_app",
                    (Subscriptions::Table, Subscriptions::AppId),
                    (Apps::Table, Apps::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_subscriptions_version",
                    (Subscriptions::Table, Subscriptions::ProductVersionId),
                    (ProductVersions::Table, ProductVersions::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_subscriptions_plan",
                    (Subscriptions::Table, Subscriptions::PlanId),
                    (Plans::Table, Plans::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Drivers::Table)
                .if_not_exists()
                .col(big_pk_auto(Drivers::Id))
                .col(string_len_uniq(Drivers::Username, 128))
                .col(string(Drivers::PasswordHash))
                .col(string(Drivers::DisplayName))
                .col(big_integer(Drivers::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Vehicles::Table)
                .if_not_exists()
                .col(big_pk_auto(Vehicles::Id))
                .col(string_len_uniq(Vehicles::Vin, 17))
                .col(string(Vehicles::Model))
                .col(string_len(Vehicles::Powertrain, 8))
                .col(big_integer(Vehicles::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(VehicleDrivers::Table)
                .if_not_exists()
                .col(big_integer(VehicleDrivers::VehicleId))
                .col(big_integer(VehicleDrivers::DriverId))
                .col(string_len(VehicleDrivers::Role, 16))
                .primary_key(
                    Index::create()
                        .col(VehicleDrivers::VehicleId)
                        .col(VehicleDrivers::DriverId),
                )
                .foreign_key(&mut fk(
                    "fk_vehicle_drivers_vehicle",
                    (VehicleDrivers::Table, VehicleDrivers::VehicleId),
                    (Vehicles::Table, Vehicles::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_vehicle_drivers_driver",
                    (VehicleDrivers::Table, VehicleDrivers::DriverId),
                    (Drivers::Table, Drivers::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Consents::Table)
                .if_not_exists()
                .col(big_pk_auto(Consents::Id))
                .col(big_integer(Consents::DriverId))
                .col(big_integer(Consents::VehicleId))
                .col(big_integer(Consents::AppId))
                .col(big_integer(Consents::ProductId))
                .col(big_integer(Consents::ProductVersionId))
                .col(string_len(Consents::Purpose, 64))
                .col(string_len(Consents::Scopes, 32))
                .col(string_len(Consents::Status, 32))
                .col(string_len(Consents::Source, 16))
                .col(big_integer(Consents::GrantedAt))
                .col(big_integer(Consents::ExpiresAt))
                .col(big_integer(Consents::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_consents_driver",
                    (Consents::Table, Consents::DriverId),
                    (Drivers::Table, Drivers::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_consents_vehicle",
                    (Consents::Table, Consents::VehicleId),
                    (Vehicles::Table, Vehicles::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_consents_app",
                    (Consents::Table, Consents::AppId),
                    (Apps::Table, Apps::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_consents_product",
                    (Consents::Table, Consents::ProductId),
                    (Products::Table, Products::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_consents_version",
                    (Consents::Table, Consents::ProductVersionId),
                    (ProductVersions::Table, ProductVersions::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("ix_consents_decision")
                .table(Consents::Table)
                .col(Consents::AppId)
                .col(Consents::VehicleId)
                .col(Consents::ProductId)
                .col(Consents::Purpose)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SignalLatest::Table)
                .if_not_exists()
                .col(big_integer(SignalLatest::VehicleId))
                .col(string_len(SignalLatest::Path, 255))
                .col(text(SignalLatest::Value))
                .col(big_integer(SignalLatest::ObservedAt))
                .primary_key(
                    Index::create()
                        .col(SignalLatest::VehicleId)
                        .col(SignalLatest::Path),
                )
                .foreign_key(&mut fk(
                    "fk_signal_latest_vehicle",
                    (SignalLatest::Table, SignalLatest::VehicleId),
                    (Vehicles::Table, Vehicles::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AccessLog::Table)
                .if_not_exists()
                .col(big_pk_auto(AccessLog::Id))
                .col(string_len(AccessLog::RequestId, 128))
                .col(big_integer(AccessLog::PartnerId))
                .col(big_integer(AccessLog::AppId))
                .col(big_integer(AccessLog::VehicleId))
                .col(big_integer(AccessLog::ProductId))
                .col(string_len(AccessLog::Purpose, 64))
                .col(text(AccessLog::Fields))
                .col(big_integer(AccessLog::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("ix_access_log_vehicle_at")
                .table(AccessLog::Table)
                .col(AccessLog::VehicleId)
                .col(AccessLog::At)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SigningKeys::Table)
                .if_not_exists()
                .col(string_len(SigningKeys::Kid, 64).primary_key())
                .col(string_len(SigningKeys::Algorithm, 16))
                .col(blob(SigningKeys::PrivateKey))
                .col(blob(SigningKeys::PublicKey))
                .col(big_integer(SigningKeys::CreatedAt))
                .col(big_integer_null(SigningKeys::RetiredAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SigningKeys::Table.into_iden(),
            AccessLog::Table.into_iden(),
            SignalLatest::Table.into_iden(),
            Consents::Table.into_iden(),
            VehicleDrivers::Table.into_iden(),
            Vehicles::Table.into_iden(),
            Drivers::Table.into_iden(),
            Subscriptions::Table.into_iden(),
            Apps::Table.into_iden(),
            Partners::Table.into_iden(),
            Plans::Table.into_iden(),
            ProductVersions::Table.into_iden(),
            Products::Table.into_iden(),
            Signals::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
