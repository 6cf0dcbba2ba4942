//! SeaORM entities of stored signal values.

pub mod signal_latest {
    use sea_orm::entity::prelude::*;
    use vdx_core::VehicleId;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signal_latest")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub vehicle_id: VehicleId,
        #[sea_orm(primary_key, auto_increment = false)]
        pub path: String,
        /// The value as JSON.
        #[sea_orm(column_type = "Text")]
        pub value: String,
        pub observed_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod signal_history {
    use sea_orm::entity::prelude::*;
    use vdx_core::VehicleId;

    /// One observed value; the key (vehicle, path, time) makes re-uploads duplicates.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signal_history")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub vehicle_id: VehicleId,
        #[sea_orm(primary_key, auto_increment = false)]
        pub path: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub observed_at: i64,
        /// The value as JSON.
        #[sea_orm(column_type = "Text")]
        pub value: String,
        pub received_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod command {
    use sea_orm::entity::prelude::*;
    use vdx_core::{AppId, PartnerId, ProductId, SubscriptionId, VehicleId};

    /// A partner command and where it is in its lifecycle.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "commands")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub vehicle_id: VehicleId,
        pub vin: String,
        pub app_id: AppId,
        pub partner_id: PartnerId,
        pub subscription_id: SubscriptionId,
        pub product_id: ProductId,
        pub actuator: String,
        /// The target value as JSON.
        #[sea_orm(column_type = "Text")]
        pub value: String,
        /// queued, delivered, executed, failed, expired or superseded.
        pub status: String,
        pub idempotency_key: Option<String>,
        /// Why it failed, if it did.
        #[sea_orm(column_type = "Text", nullable)]
        pub reason: Option<String>,
        pub superseded_by: Option<i64>,
        /// The purpose the command was sent under; `None` for commands older than purposes.
        pub purpose: Option<String>,
        pub created_at: i64,
        pub expires_at: i64,
        pub updated_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
