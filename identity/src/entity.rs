//! The identity tables: the authorization server's (signing keys, pending
//! authorization requests, authorization codes, token families, refresh
//! tokens, revocations), the portal's sessions, and federated sign-in's
//! attempts and linked accounts. Secrets (codes, refresh tokens, session
//! tokens, OIDC states) appear here only as SHA-256 hex digests. Private to
//! the crate: callers get plain rows from the services.

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

pub mod portal_session {
    use sea_orm::entity::prelude::*;
    use vdx_core::DriverId;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "portal_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub driver_id: DriverId,
        pub csrf: String,
        pub created_at: i64,
        pub expires_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod login_attempt {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "oidc_logins")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub state_hash: String,
        pub nonce: String,
        pub pkce_verifier: String,
        pub next: Option<String>,
        pub expires_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod driver_identity {
    use sea_orm::entity::prelude::*;
    use vdx_core::DriverId;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "driver_identities")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub issuer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject: String,
        pub driver_id: DriverId,
        pub linked_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
