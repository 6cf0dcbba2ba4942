//! Deleting a draft version over the admin API
//! (`DELETE /admin/v1/products/{slug}/versions/{version}`): drafts only,
//! audited with who and what was deleted, admin scope required.

use reqwest::Method;
use serde_json::{Value, json};
use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, on_both_backends, problem};

async fn draft_1_1_0(app: &TestApp, admin: &str, slug: &str) {
    let res = app
        .call(
            Method::POST,
            &format!("/admin/v1/products/{slug}/versions"),
            Some(admin),
            Some(json!({
                "version": "1.1.0",
                "signals": ["Vehicle.Powertrain.TractionBattery.Range"],
                "purposes": ["smart_charging"],
                "terms": {"history_days": 0, "retention_days": 30, "location_precision_km": null, "default_consent_days": 365}
            })),
        )
        .await;
    assert_eq!(res.status(), 201);
}

async fn version_numbers(app: &TestApp, admin: &str, slug: &str) -> Vec<String> {
    let product: Value = app
        .get_json(&format!("/admin/v1/products/{slug}"), Some(admin))
        .await;
    product["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap().to_owned())
        .collect()
}

async fn only_a_draft_can_be_deleted_and_the_deletion_is_audited(app: TestApp) {
    app.import_signals().await;
    let slug = app.create_product(&ProductSpec::charging()).await.slug;
    let admin = app.admin_token().await;
    draft_1_1_0(&app, &admin, &slug).await;
    let draft = format!("/admin/v1/products/{slug}/versions/1.1.0");
    let draft = draft.as_str();

    // A partner token and no token at all are refused, and the draft stays.
    let partner = app.partner_token(&app.create_partner().await).await;
    let res = app.delete(draft, Some(&partner)).await;
    problem(res, 403, "INSUFFICIENT_SCOPE").await;
    let res = app.delete(draft, None).await;
    problem(res, 401, "UNAUTHENTICATED").await;
    assert_eq!(
        version_numbers(&app, &admin, &slug).await,
        ["1.1.0", "1.0.0"]
    );

    let res = app.delete(draft, Some(&admin)).await;
    assert_eq!(res.status(), 204);
    assert!(res.bytes().await.unwrap().is_empty());
    assert_eq!(version_numbers(&app, &admin, &slug).await, ["1.0.0"]);

    // Gone: a second delete, an unknown version or product is a 404.
    let unknown_version = format!("/admin/v1/products/{slug}/versions/9.9.9");
    for path in [
        draft,
        unknown_version.as_str(),
        "/admin/v1/products/no-such-product/versions/1.0.0",
    ] {
        let res = app.delete(path, Some(&admin)).await;
        problem(res, 404, "NOT_FOUND").await;
    }

    // A published version was served to partners: it stays, for the record.
    let res = app
        .delete(
            &format!("/admin/v1/products/{slug}/versions/1.0.0"),
            Some(&admin),
        )
        .await;
    let body = problem(res, 409, "CONFLICT").await;
    assert!(
        body["detail"].as_str().unwrap().contains("published"),
        "{body}"
    );
    assert_eq!(version_numbers(&app, &admin, &slug).await, ["1.0.0"]);

    // The audit trail says who deleted what.
    let audit: Value = app.get_json("/admin/v1/audit", Some(&admin)).await;
    let newest = &audit[0];
    assert_eq!(newest["action"], "version.delete");
    assert_eq!(newest["target"], format!("product:{slug}@1.1.0"));
    assert_eq!(newest["actor"], app.creds.admin.client_id.as_str());
    assert_eq!(newest["actor_name"], "OEM console (vdx OEM)");
    let before: Value = serde_json::from_str(newest["before"].as_str().unwrap()).unwrap();
    assert_eq!(before["status"], "draft");
    assert_eq!(
        before["signals"],
        json!(["Vehicle.Powertrain.TractionBattery.Range"])
    );
    assert!(newest["after"].is_null());

    // The number is free again.
    draft_1_1_0(&app, &admin, &slug).await;
}

on_both_backends!(only_a_draft_can_be_deleted_and_the_deletion_is_audited);
