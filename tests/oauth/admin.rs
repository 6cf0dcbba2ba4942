//! App administration over the admin API: create an app, use its secret,
//! rotate it, and see the old one stop working.

use reqwest::Method;
use serde_json::{Value, json};
use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, on_both_backends};

/// `POST /admin/v1/apps/{client_id}/secret`: 200 and the new secret.
async fn rotate_secret(app: &TestApp, admin: &str, client_id: &str) -> String {
    let res = app
        .post(&format!("/admin/v1/apps/{client_id}/secret"), Some(admin))
        .await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn an_admin_creates_an_app_and_rotates_its_secret(app: TestApp) {
    let admin = app.admin_token().await;
    let res = app.call(Method::POST, "/admin/v1/apps", Some(&admin), Some(json!({"partner": "Chargefox", "name": "Chargefox roaming", "redirect_uris": ["https://chargefox.example/cb"]}))).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let created: Value = res.json().await.unwrap();
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let first = created["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(created["redirect_uris"][0], "https://chargefox.example/cb");
    assert_eq!(
        app.token_response(&client_id, &first, None).await.status(),
        200
    );

    let second = rotate_secret(&app, &admin, &client_id).await;
    assert_ne!(first, second);
    let old = app.token_response(&client_id, &first, None).await;
    assert_eq!(old.status(), 401);
    assert_eq!(
        old.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    assert_eq!(
        app.token_response(&client_id, &second, None).await.status(),
        200
    );

    let res = app
        .post("/admin/v1/apps/vdxc_nobody/secret", Some(&admin))
        .await;
    assert_eq!(res.status(), 404);
}

/// A leaked secret is rotated: the access tokens it obtained stop working at
/// once (on every replica, through the revocation table), not after their 15 minutes.
async fn rotating_a_secret_ends_the_tokens_the_old_secret_obtained(app: TestApp) {
    let admin = app.admin_token().await;
    let world = app.consented(&ProductSpec::charging()).await;
    let partner = world.partner.clone();
    let old_token = app.partner_token(&partner).await;
    let read = |token: String| {
        let (app, world) = (&app, &world);
        async move {
            let (product, purpose) = world.product.asked_for();
            app.rest_latest(&token, &world.vin, product, purpose)
                .await
                .status()
        }
    };
    assert_eq!(read(old_token.clone()).await, 200);
    let secret = rotate_secret(&app, &admin, &partner.client_id).await;
    assert_eq!(read(old_token).await, 401);
    let new_token = app.access_token(&partner.client_id, &secret, None).await;
    assert_eq!(read(new_token).await, 200);
    // The admin's own token, another app's, is untouched.
    let res = app.get("/admin/v1/audit", Some(&admin)).await;
    assert_eq!(res.status(), 200);
}

async fn app_administration_needs_the_admin_scope_and_valid_redirect_uris(app: TestApp) {
    let partner = app.partner_token(&app.create_partner().await).await;
    let body = json!({"partner": "X", "name": "Y"});
    let res = app
        .call(
            Method::POST,
            "/admin/v1/apps",
            Some(&partner),
            Some(body.clone()),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    let res = app
        .call(Method::POST, "/admin/v1/apps", None, Some(body.clone()))
        .await;
    assert_eq!(res.status(), 401);
    let admin = app.admin_token().await;
    let res = app.call(Method::POST, "/admin/v1/apps", Some(&admin), Some(json!({"partner": "X", "name": "Y", "redirect_uris": ["http://evil.example/cb", "https://ok.example/cb#frag"]}))).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
}

on_both_backends!(
    an_admin_creates_an_app_and_rotates_its_secret,
    rotating_a_secret_ends_the_tokens_the_old_secret_obtained,
    app_administration_needs_the_admin_scope_and_valid_redirect_uris,
);
