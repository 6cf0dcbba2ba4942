//! Every time a partner, an admin or a driver reads in a JSON answer is an
//! RFC 3339 string (times are stored as epoch milliseconds; they are shown
//! as RFC 3339 at the edge). No field is named `…_ms`. Standards that define
//! numeric times keep them (RFC 7662 introspection `iat`/`exp`, seconds).

use serde_json::{Value, json};
use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, on_both_backends};

/// Checks every `at` / `…_at` member of `value` (at any depth): a string
/// that parses as RFC 3339, or null. Returns how many times it checked.
fn rfc3339_times(what: &str, value: &Value) -> usize {
    fn walk(what: &str, key: &str, value: &Value, found: &mut usize) {
        assert!(
            !key.ends_with("_ms"),
            "{what}: {key} is a millisecond field"
        );
        if (key == "at" || key.ends_with("_at")) && !value.is_null() {
            let text = value
                .as_str()
                .unwrap_or_else(|| panic!("{what}: {key} is {value}, not an RFC 3339 string"));
            chrono::DateTime::parse_from_rfc3339(text)
                .unwrap_or_else(|e| panic!("{what}: {key} = {text:?} is not RFC 3339: {e}"));
            *found += 1;
        }
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(what, k, v, found)),
            Value::Array(items) => items.iter().for_each(|v| walk(what, key, v, found)),
            _ => {}
        }
    }
    let mut found = 0;
    walk(what, "", value, &mut found);
    found
}

async fn get(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.get(path, Some(token)).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

async fn partners_admins_and_drivers_read_rfc3339_times(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let partner = app.partner_token(&world.partner).await;
    let admin = app.admin_token().await;
    // A read, for the driver's access history.
    let (product, purpose) = world.product.asked_for();
    let read = app
        .rest_latest(&partner, &world.vin, product, purpose)
        .await;
    assert_eq!(read.status(), 200);

    // A partner's consents, one receipt, one revocation.
    let page = get(&app, "/v1/consents", &partner).await;
    assert!(rfc3339_times("/v1/consents", &page) >= 2, "{page}");
    let consent = &page["consents"][0];
    for key in ["granted_at", "expires_at"] {
        assert!(consent[key].is_string(), "{key}: {consent}");
    }
    let granted =
        chrono::DateTime::parse_from_rfc3339(consent["granted_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(consent["expires_at"].as_str().unwrap()).unwrap();
    assert!(granted < expires, "{consent}");
    let id = consent["id"].as_i64().unwrap();
    let receipt = get(&app, &format!("/v1/consents/{id}/receipt"), &partner).await;
    assert!(rfc3339_times("receipt", &receipt) >= 4, "{receipt}");
    let res = app
        .post(&format!("/v1/consents/{id}/revoke"), Some(&partner))
        .await;
    assert_eq!(res.status(), 200);
    let revoked: Value = res.json().await.unwrap();
    assert!(rfc3339_times("revoke", &revoked) >= 2, "{revoked}");

    // Subscriptions, as the partner and the admin see them; the marketplace.
    let mine = get(&app, "/v1/subscriptions", &partner).await;
    assert!(rfc3339_times("/v1/subscriptions", &mine) >= 1, "{mine}");
    let all = get(&app, "/admin/v1/subscriptions", &admin).await;
    assert!(rfc3339_times("/admin/v1/subscriptions", &all) >= 2, "{all}");
    let offer = get(&app, "/v1/marketplace/products", &partner).await;
    rfc3339_times("/v1/marketplace/products", &offer);
    let products = get(&app, "/admin/v1/products", &admin).await;
    rfc3339_times("/admin/v1/products", &products);

    // The audit trail records the admin's change.
    let res = app
        .call(
            reqwest::Method::POST,
            "/admin/v1/partners",
            Some(&admin),
            Some(json!({"name": "Times Test Partner"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let audit = get(&app, "/admin/v1/audit", &admin).await;
    assert!(rfc3339_times("/admin/v1/audit", &audit) >= 1, "{audit}");

    // The driver's downloads.
    let (portal, _) = app
        .portal_sign_in(&world.driver.username, &world.driver.password)
        .await;
    for path in ["/portal/access?format=json", "/portal/export"] {
        let body: Value = app.page_json(&portal, path).await;
        assert!(rfc3339_times(path, &body) >= 1, "{path}: {body}");
    }
}

on_both_backends!(partners_admins_and_drivers_read_rfc3339_times);
