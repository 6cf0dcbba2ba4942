//! RFC 7009 revocation and RFC 7662 introspection through the `oauth2`
//! crate. A revoked token is refused on the very next request, by this
//! gateway and by another replica on the same database, even though both had
//! the token in their verified-token cache.

use oauth2::{AccessToken, StandardRevocableToken, TokenIntrospectionResponse, TokenResponse};
use serde_json::Value;
use vdx_tests::{TestApp, on_both_backends_in_demo_world};

use super::support::*;

async fn latest_on(app: &TestApp, base_url: &str, token: &str) -> reqwest::Response {
    app.client
        .get(format!(
            "{base_url}/v1/vehicles/{}/latest",
            app.creds.examples.consented.vin
        ))
        .query(&[("product", "ev-charging"), ("purpose", "smart_charging")])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn a_revoked_access_token_is_refused_on_the_next_request_on_every_replica(app: TestApp) {
    let replica = app.spawn_replica().await;
    let client = voltwise(&app).await;
    let token = client
        .exchange_client_credentials()
        .request_async(&http())
        .await
        .unwrap();
    let access = token.access_token().secret();
    // Both replicas verify (and cache) the token.
    for base in [&app.base_url, &replica.base_url] {
        for _ in 0..2 {
            assert_eq!(latest_on(&app, base, access).await.status(), 200, "{base}");
        }
    }
    behind_tls(&client)
        .revoke_token(StandardRevocableToken::AccessToken(
            token.access_token().clone(),
        ))
        .unwrap()
        .request_async(&tls_terminated)
        .await
        .unwrap();
    for base in [&app.base_url, &replica.base_url] {
        let res = latest_on(&app, base, access).await;
        assert_eq!(res.status(), 401, "{base} still accepts a revoked token");
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_token");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("revoked"),
            "{body}"
        );
    }
    // Another token of the same client is unaffected.
    let fresh = app.token_for("Voltwise Energy").await;
    assert_accepted(&app, &fresh, "an unrevoked token").await;
    replica.handle.stop(false).await;
}

async fn revoking_a_refresh_token_revokes_its_grant(app: TestApp) {
    let client = voltwise(&app).await;
    let (_, ev) = driver(&app, "alice");
    let (code, verifier) = approved_code(&app, &client, "alice", &ev).await;
    let token = exchange(&client, code, verifier).await.unwrap();
    assert_accepted(&app, token.access_token().secret(), "a fresh token").await;
    behind_tls(&client)
        .revoke_token(StandardRevocableToken::RefreshToken(
            token.refresh_token().unwrap().clone(),
        ))
        .unwrap()
        .request_async(&tls_terminated)
        .await
        .unwrap();
    assert_refused(
        &app,
        token.access_token().secret(),
        "an access token of a revoked grant",
    )
    .await;
    let err = client
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&http())
        .await
        .map_err(server_error)
        .unwrap_err();
    assert_eq!(err, oauth2::basic::BasicErrorResponseType::InvalidGrant);
}

async fn revoking_an_unknown_token_answers_200(app: TestApp) {
    let client = voltwise(&app).await;
    behind_tls(&client)
        .revoke_token(StandardRevocableToken::AccessToken(AccessToken::new(
            "no-such-token".into(),
        )))
        .unwrap()
        .request_async(&tls_terminated)
        .await
        .unwrap();
    // Without client authentication, revocation is refused.
    let res = http()
        .post(app.url("/oauth/revoke"))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

async fn introspection_describes_live_tokens_and_nothing_else(app: TestApp) {
    let client = voltwise(&app).await;
    let token = client
        .exchange_client_credentials()
        .request_async(&http())
        .await
        .unwrap();
    let info = client
        .introspect(token.access_token())
        .request_async(&http())
        .await
        .unwrap();
    assert!(info.active());
    assert_eq!(
        info.client_id().unwrap().as_str(),
        app.partner("Voltwise Energy").client_id
    );
    assert_eq!(info.scopes().unwrap()[0].as_str(), "read:ev-charging");
    assert!(info.exp().is_some() && info.jti().is_some());

    // Someone else's token, garbage, and a revoked token are all simply inactive.
    let other = super::support::demo_client(&app, "Milesure Insurance").await;
    let theirs = other
        .introspect(token.access_token())
        .request_async(&http())
        .await
        .unwrap();
    assert!(!theirs.active());
    assert!(theirs.client_id().is_none());
    let garbage = client
        .introspect(&AccessToken::new("garbage".into()))
        .request_async(&http())
        .await
        .unwrap();
    assert!(!garbage.active());
    behind_tls(&client)
        .revoke_token(StandardRevocableToken::AccessToken(
            token.access_token().clone(),
        ))
        .unwrap()
        .request_async(&tls_terminated)
        .await
        .unwrap();
    let revoked = client
        .introspect(token.access_token())
        .request_async(&http())
        .await
        .unwrap();
    assert!(!revoked.active());
}

on_both_backends_in_demo_world!(
    a_revoked_access_token_is_refused_on_the_next_request_on_every_replica,
    revoking_a_refresh_token_revokes_its_grant,
    revoking_an_unknown_token_answers_200,
    introspection_describes_live_tokens_and_nothing_else,
);
