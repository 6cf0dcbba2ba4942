//! App administration over the admin API: create an app, use its secret,
//! rotate it, and see the old one stop working.

use serde_json::{Value, json};
use vdx_tests::{TestApp, on_both_backends_in_demo_world};

async fn admin_token(app: &TestApp) -> String {
    let admin = &app.creds.admin;
    let res = app
        .token_response(&admin.client_id, &admin.client_secret, Some("admin"))
        .await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn an_admin_creates_an_app_and_rotates_its_secret(app: TestApp) {
    let admin = admin_token(&app).await;
    let res = app
        .client
        .post(app.url("/admin/v1/apps"))
        .bearer_auth(&admin)
        .json(&json!({"partner": "Chargefox", "name": "Chargefox roaming", "redirect_uris": ["https://chargefox.example/cb"]}))
        .send()
        .await
        .unwrap();
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

    let res = app
        .post(&format!("/admin/v1/apps/{client_id}/secret"), Some(&admin))
        .await;
    assert_eq!(res.status(), 200);
    let second = res.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
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
    let admin = admin_token(&app).await;
    let voltwise = app.partner("Voltwise Energy").clone();
    let vin = app.creds.examples.consented.vin.clone();
    let old_token = app.token_for("Voltwise Energy").await;
    let read = |token: String| {
        let app = &app;
        let vin = vin.clone();
        async move {
            app.rest_latest(&token, &vin, "ev-charging", "smart_charging")
                .await
                .status()
        }
    };
    assert_eq!(read(old_token.clone()).await, 200);
    let res = app
        .post(
            &format!("/admin/v1/apps/{}/secret", voltwise.client_id),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let secret = res.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(read(old_token).await, 401);
    let res = app.token_response(&voltwise.client_id, &secret, None).await;
    assert_eq!(res.status(), 200);
    let new_token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(read(new_token).await, 200);
    // The admin's own token, another app's, is untouched.
    let res = app.get("/admin/v1/audit", Some(&admin)).await;
    assert_eq!(res.status(), 200);
}

async fn app_administration_needs_the_admin_scope_and_valid_redirect_uris(app: TestApp) {
    let partner = app.token_for("Voltwise Energy").await;
    let body = json!({"partner": "X", "name": "Y"});
    let res = app
        .client
        .post(app.url("/admin/v1/apps"))
        .bearer_auth(&partner)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    let res = app
        .client
        .post(app.url("/admin/v1/apps"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let admin = admin_token(&app).await;
    let res = app
        .client
        .post(app.url("/admin/v1/apps"))
        .bearer_auth(&admin)
        .json(&json!({"partner": "X", "name": "Y", "redirect_uris": ["http://evil.example/cb", "https://ok.example/cb#frag"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
}

on_both_backends_in_demo_world!(
    an_admin_creates_an_app_and_rotates_its_secret,
    rotating_a_secret_ends_the_tokens_the_old_secret_obtained,
    app_administration_needs_the_admin_scope_and_valid_redirect_uris,
);
