//! Secrets never reach a log line by way of `Debug`: the configuration (see
//! `gateway/src/config.rs`'s own test) and every value that carries a client
//! secret, a password or a token.

use vdx_core::ScopeSet;
use vdx_gateway::auth::token::Issued;
use vdx_gateway::demo::world::{DriverCredentials, PartnerCredentials};
use vdx_gateway::routes::admin::apps::{AppCredentials, RotatedSecret};
use vdx_gateway::routes::oauth::token::TokenResponse;

const SECRET: &str = "s3cr3t-never-printed";

#[test]
fn values_carrying_secrets_or_tokens_print_without_them() {
    let printed = [
        format!(
            "{:?}",
            Issued {
                access_token: SECRET.into(),
                expires_in: 900,
                scope: ScopeSet::default(),
            }
        ),
        format!(
            "{:?}",
            TokenResponse {
                access_token: SECRET.into(),
                token_type: "Bearer",
                expires_in: 900,
                scope: String::new(),
                refresh_token: Some(SECRET.into()),
            }
        ),
        format!(
            "{:?}",
            AppCredentials {
                client_id: "vdx_abc".into(),
                client_secret: SECRET.into(),
                name: "app".into(),
                partner: "p".into(),
                redirect_uris: Vec::new(),
            }
        ),
        format!(
            "{:?}",
            RotatedSecret {
                client_id: "vdx_abc".into(),
                client_secret: SECRET.into(),
            }
        ),
        format!(
            "{:#?}",
            PartnerCredentials {
                name: "p".into(),
                client_id: "vdx_abc".into(),
                client_secret: SECRET.into(),
                scopes: Vec::new(),
                redirect_uris: Vec::new(),
            }
        ),
        format!(
            "{:?}",
            DriverCredentials {
                username: "alice".into(),
                password: SECRET.into(),
                vehicles: Vec::new(),
            }
        ),
    ];
    for text in printed {
        assert!(!text.contains(SECRET), "a secret in {text}");
        assert!(text.contains("REDACTED"), "{text}");
    }
}
