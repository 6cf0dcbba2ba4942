//! RFC 7009 revocation and RFC 7662 introspection through the `oauth2`
//! crate. A revoked token is refused on the very next request by this
//! gateway, and within 100 ms by another replica on the same database, even
//! though both had the token in their verified-token cache.

use oauth2::{AccessToken, StandardRevocableToken, TokenIntrospectionResponse, TokenResponse};
use serde_json::Value;
use vdx_tests::{TestApp, on_both_backends};

use super::support::*;

/// The consented car, read with `token` from the gateway at `base_url`.
async fn latest_on(app: &TestApp, oauth: &OAuth, base_url: &str, token: &str) -> reqwest::Response {
    let (product, purpose) = oauth.world.product.asked_for();
    app.client
        .get(format!("{base_url}/v1/vehicles/{}/latest", oauth.world.vin))
        .query(&[("product", product), ("purpose", purpose)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// What the server says about `token` when `client` asks (RFC 7662).
async fn introspect(
    client: &Client,
    token: &AccessToken,
) -> oauth2::basic::BasicTokenIntrospectionResponse {
    client
        .introspect(token)
        .request_async(&http())
        .await
        .unwrap()
}

async fn a_revoked_access_token_is_refused_at_once_here_and_within_100_ms_on_every_replica(
    app: TestApp,
) {
    let oauth = OAuth::new(&app).await;
    let replica = app.spawn_replica().await;
    let client = &oauth.client;
    let token = app_token(client).await;
    let access = token.access_token().secret();
    // Both replicas verify (and cache) the token.
    for base in [&app.base_url, &replica.base_url] {
        for _ in 0..2 {
            assert_eq!(
                latest_on(&app, &oauth, base, access).await.status(),
                200,
                "{base}"
            );
        }
    }
    revoke(
        client,
        StandardRevocableToken::AccessToken(token.access_token().clone()),
    )
    .await;
    // The gateway that revoked refuses at once; the other replica within
    // 100 ms (it learns of the revocation by notification, or by checking
    // the epoch every millisecond on SQLite).
    for (base, within) in [
        (&app.base_url, std::time::Duration::ZERO),
        (&replica.base_url, std::time::Duration::from_millis(100)),
    ] {
        let started = std::time::Instant::now();
        let res = loop {
            let res = latest_on(&app, &oauth, base, access).await;
            if res.status() != 200 || started.elapsed() > within {
                break res;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        };
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
    let fresh = app.partner_token(&oauth.world.partner).await;
    oauth
        .assert_accepted(&app, &fresh, "an unrevoked token")
        .await;
    replica.handle.stop(false).await;
}

async fn revoking_a_refresh_token_revokes_its_grant(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let client = &oauth.client;
    let token = oauth.driver_tokens(&app).await;
    let access = token.access_token().secret();
    oauth.assert_accepted(&app, access, "a fresh token").await;
    revoke(
        client,
        StandardRevocableToken::RefreshToken(token.refresh_token().unwrap().clone()),
    )
    .await;
    oauth
        .assert_refused(&app, access, "an access token of a revoked grant")
        .await;
    let err = refresh(client, token.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err, oauth2::basic::BasicErrorResponseType::InvalidGrant);
}

async fn revoking_an_unknown_token_answers_200(app: TestApp) {
    let client = client_of(&app, &app.create_partner().await).await;
    revoke(
        &client,
        StandardRevocableToken::AccessToken(AccessToken::new("no-such-token".into())),
    )
    .await;
    // Without client authentication, revocation is refused.
    let res = http()
        .post(app.url("/oauth/revoke"))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 401, "invalid_client").await;
}

async fn introspection_describes_live_tokens_and_nothing_else(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let client = &oauth.client;
    let token = app_token(client).await;
    let info = introspect(client, token.access_token()).await;
    assert!(info.active());
    assert_eq!(
        info.client_id().unwrap().as_str(),
        oauth.world.partner.client_id
    );
    assert_eq!(info.scopes().unwrap()[0].as_str(), oauth.scope());
    assert!(info.exp().is_some() && info.jti().is_some());

    // Someone else's token, garbage, and a revoked token are all simply inactive.
    let other = client_of(&app, &app.create_partner().await).await;
    let theirs = introspect(&other, token.access_token()).await;
    assert!(!theirs.active());
    assert!(theirs.client_id().is_none());
    let garbage = introspect(client, &AccessToken::new("garbage".into())).await;
    assert!(!garbage.active());
    revoke(
        client,
        StandardRevocableToken::AccessToken(token.access_token().clone()),
    )
    .await;
    let revoked = introspect(client, token.access_token()).await;
    assert!(!revoked.active());
}

on_both_backends!(
    a_revoked_access_token_is_refused_at_once_here_and_within_100_ms_on_every_replica,
    revoking_a_refresh_token_revokes_its_grant,
    revoking_an_unknown_token_answers_200,
    introspection_describes_live_tokens_and_nothing_else,
);
