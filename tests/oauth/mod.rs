//! The authorization server as a standard client sees it: discovery, the
//! token endpoint through the `oauth2` crate, and refusal of bad tokens.
//! Submodules: the code flow, refresh rotation, revocation and
//! introspection, forged-token attacks, and app administration.

mod admin;
mod attacks;
mod binding;
mod code_flow;
mod gate_matrix;
mod refresh;
mod revocation;
pub(crate) mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
use serde_json::Value;
use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, on_both_backends};

use support::{OAuth, assert_oauth_error};

async fn a_standard_client_gets_a_token_from_the_metadata_alone(app: TestApp) {
    let meta: Value = app
        .get_json("/.well-known/oauth-authorization-server", None)
        .await;
    assert_eq!(meta["issuer"], app.base_url.as_str());
    assert!(
        meta["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&"client_credentials".into())
    );
    for grant in ["authorization_code", "refresh_token"] {
        assert!(
            meta["grant_types_supported"]
                .as_array()
                .unwrap()
                .contains(&grant.into()),
            "{meta}"
        );
    }
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        meta["response_types_supported"],
        serde_json::json!(["code"])
    );
    for (key, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("revocation_endpoint", "/oauth/revoke"),
        ("introspection_endpoint", "/oauth/introspect"),
        ("jwks_uri", "/.well-known/jwks.json"),
    ] {
        assert_eq!(meta[key], app.url(path).as_str(), "{key}");
    }
    for key in [
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
    ] {
        assert_eq!(
            meta[key],
            serde_json::json!(["client_secret_basic", "client_secret_post"]),
            "{key}"
        );
    }
    let token_url = meta["token_endpoint"].as_str().unwrap().to_owned();

    let oauth = OAuth::new(&app).await;
    let partner = &oauth.world.partner;
    let client = BasicClient::new(ClientId::new(partner.client_id.clone()))
        .set_client_secret(ClientSecret::new(partner.client_secret.clone()))
        .set_token_uri(TokenUrl::new(token_url).unwrap());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new(oauth.scope()))
        .request_async(&http)
        .await
        .unwrap();
    let scopes = support::scopes_of(&token);
    assert_eq!(scopes, vec![oauth.scope()]);
    assert!(token.expires_in().unwrap().as_secs() <= 900);

    // The token works on the data plane.
    let (product, purpose) = oauth.world.product.asked_for();
    let body = app
        .vehicle_latest(
            token.access_token().secret(),
            &oauth.world.vin,
            product,
            purpose,
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

async fn access_tokens_are_rfc9068_jwts_verifiable_with_the_jwks(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "EdDSA");
    for claim in [
        "iss",
        "aud",
        "sub",
        "client_id",
        "scope",
        "exp",
        "iat",
        "jti",
    ] {
        assert!(!claims[claim].is_null(), "claim {claim} missing: {claims}");
    }
    let jwks: Value = app.get_json("/.well-known/jwks.json", None).await;
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == header["kid"] && k["kty"] == "OKP"),
        "{jwks}"
    );
}

async fn client_secrets_are_stored_only_as_argon2_hashes(app: TestApp) {
    use sea_orm::EntityTrait;
    let mut secrets = vec![app.creds.admin.client_secret.clone()];
    for _ in 0..3 {
        secrets.push(app.create_partner().await.client_secret);
    }
    let apps = vdx_catalog::test_support::app::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(apps.len() >= secrets.len());
    for row in apps {
        assert!(row.client_secret_hash.starts_with("$argon2id$"));
        assert!(!secrets.iter().any(|s| row.client_secret_hash.contains(s)));
    }
}

async fn token_endpoint_errors_follow_rfc6749(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let partner = &world.partner;
    // A product the partner is not subscribed to.
    let unsubscribed = app.create_product(&ProductSpec::mileage()).await;
    let res = app
        .token_response(&partner.client_id, "wrong-secret", None)
        .await;
    assert_oauth_error(res, 401, "invalid_client").await;

    let res = app.token_response("no-such-client", "x", None).await;
    assert_eq!(res.status(), 401);

    let res = app
        .token_response(
            &partner.client_id,
            &partner.client_secret,
            Some(&support::read_scope(&unsubscribed)),
        )
        .await;
    assert_oauth_error(res, 400, "invalid_scope").await;

    let res = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(&partner.client_id, Some(&partner.client_secret))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
}

fn forge(header: Value, claims: Value, signature: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        signature
    )
}

async fn only_a_client_that_tried_basic_gets_a_basic_challenge(app: TestApp) {
    let partner = app.create_partner().await;
    let res = app
        .token_response(&partner.client_id, "wrong-secret", None)
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Basic realm=\"vdx\"");
    // client_secret_post: no challenge (a browser would answer it with its own
    // password dialog), so 400 as RFC 6749 §5.2 has it, on every endpoint that authenticates clients.
    for endpoint in ["/oauth/token", "/oauth/introspect", "/oauth/revoke"] {
        for (id, secret) in [
            (partner.client_id.as_str(), "wrong-secret"),
            ("no-such-client", "x"),
        ] {
            let res = app
                .client
                .post(app.url(endpoint))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("token", "x"),
                    ("client_id", id),
                    ("client_secret", secret),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400, "{endpoint} {id}");
            assert!(
                res.headers().get("www-authenticate").is_none(),
                "{endpoint} {id} challenges a client_secret_post client"
            );
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], "invalid_client", "{endpoint} {id}");
        }
    }
    // No client authentication at all: 401, naming the scheme to use.
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Basic realm=\"vdx\"");
}

async fn unsigned_tampered_and_mistyped_tokens_are_refused(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let token = app.partner_token(&oauth.world.partner).await;
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["scope"] = format!("{} admin", oauth.read_and_command()).into();

    let mut none = header.clone();
    none["alg"] = "none".into();
    let mut untyped = header.clone();
    untyped["typ"] = "JWT".into();
    let attempts = [
        ("alg none", forge(none, claims.clone(), "")),
        (
            "tampered payload",
            forge(header.clone(), claims.clone(), parts[2]),
        ),
        (
            "typ JWT",
            format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(untyped.to_string()),
                parts[1],
                parts[2]
            ),
        ),
    ];
    for (what, forged) in attempts {
        let res = oauth.read(&app, &forged).await;
        assert_eq!(res.status(), 401, "{what} was accepted");
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\"",
            "{what}"
        );
    }
}

on_both_backends!(
    a_standard_client_gets_a_token_from_the_metadata_alone,
    access_tokens_are_rfc9068_jwts_verifiable_with_the_jwks,
    client_secrets_are_stored_only_as_argon2_hashes,
    token_endpoint_errors_follow_rfc6749,
    only_a_client_that_tried_basic_gets_a_basic_challenge,
    unsigned_tampered_and_mistyped_tokens_are_refused,
);
