//! The authorization server's tables: signing keys, pending authorization
//! requests, authorization codes, token families, refresh tokens and
//! revocations. Secrets (codes, refresh tokens, CSRF tokens) appear here only
//! as SHA-256 hex digests.

pub mod signing_key {
    use sea_orm::entity::prelude::*;

    /// A PKCS#8 private key document; `Debug` never shows it.
    #[derive(Clone, PartialEq, Eq, DeriveValueType)]
    pub struct PrivateKey(pub Vec<u8>);

    impl std::fmt::Debug for PrivateKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("[REDACTED]")
        }
    }

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signing_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub kid: String,
        pub algorithm: String,
        /// PKCS#8 document of the private key.
        pub private_key: PrivateKey,
        /// Raw public key bytes.
        pub public_key: Vec<u8>,
        pub created_at: i64,
        /// After this instant the key neither signs nor verifies.
        pub retired_at: Option<i64>,
    }

    impl ActiveModelBehavior for ActiveModel {}

    #[cfg(test)]
    mod tests {
        #[test]
        fn a_signing_key_prints_without_its_private_key() {
            let key = super::Model {
                kid: "k1".into(),
                algorithm: "EdDSA".into(),
                private_key: super::PrivateKey(b"very-private-pkcs8".to_vec()),
                public_key: vec![1, 2, 3],
                created_at: 0,
                retired_at: None,
            };
            let printed = format!("{key:?}");
            assert!(
                printed.contains("[REDACTED]") && printed.contains("k1"),
                "{printed}"
            );
            // The bytes of "very" as a derived Debug would print them.
            assert!(!printed.contains("118, 101, 114, 121"), "{printed}");
        }
    }
}

pub mod authorize_request {
    use sea_orm::entity::prelude::*;
    use vdx_core::{AppId, DriverId};

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "authorize_requests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub app_id: AppId,
        /// The validated request (JSON).
        #[sea_orm(column_type = "Text")]
        pub params: String,
        /// The driver who opened the consent screen first; nobody else may decide.
        pub driver_id: Option<DriverId>,
        pub created_at: i64,
        pub expires_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod authorization_code {
    use sea_orm::entity::prelude::*;
    use vdx_core::{AppId, DriverId};

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "authorization_codes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code_hash: String,
        pub app_id: AppId,
        pub driver_id: DriverId,
        #[sea_orm(column_type = "Text")]
        pub redirect_uri: String,
        #[sea_orm(column_type = "Text")]
        pub scope: String,
        /// PKCE S256 challenge.
        pub code_challenge: String,
        /// The token family the exchange creates; revoked if the code is replayed.
        pub family_id: String,
        pub created_at: i64,
        pub expires_at: i64,
        pub used_at: Option<i64>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod token_family {
    use sea_orm::entity::prelude::*;
    use vdx_core::{AppId, DriverId};

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "token_families")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub app_id: AppId,
        pub driver_id: Option<DriverId>,
        #[sea_orm(column_type = "Text")]
        pub scope: String,
        pub created_at: i64,
        pub revoked_at: Option<i64>,
        pub revoked_reason: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod refresh_token {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "refresh_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub family_id: String,
        pub created_at: i64,
        pub expires_at: i64,
        /// Set when the token was exchanged for its successor; a second use is reuse.
        pub rotated_at: Option<i64>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod revocation {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "revocations")]
    pub struct Model {
        /// An access token's `jti`, or a token family id (the tokens' `sid`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub revoked_at: i64,
        /// When the last access token this row could match has expired.
        pub expires_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
