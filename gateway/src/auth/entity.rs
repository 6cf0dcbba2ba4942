//! The signing-key table.

pub mod signing_key {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signing_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub kid: String,
        pub algorithm: String,
        /// PKCS#8 document of the private key.
        pub private_key: Vec<u8>,
        /// Raw public key bytes.
        pub public_key: Vec<u8>,
        pub created_at: i64,
        pub retired_at: Option<i64>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
