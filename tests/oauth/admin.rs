//! App administration over the admin API: create an app, use its secret,
//! rotate it, and see the old one stop working.

use serde_json::{Value, json};
use vdx_tests::{TestApp, on_both_backends};

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
        .client
        .post(app.url(&format!("/admin/v1/apps/{client_id}/secret")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
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
        .client
        .post(app.url("/admin/v1/apps/vdxc_nobody/secret"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
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

on_both_backends!(
    an_admin_creates_an_app_and_rotates_its_secret,
    app_administration_needs_the_admin_scope_and_valid_redirect_uris,
);
