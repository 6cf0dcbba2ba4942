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
