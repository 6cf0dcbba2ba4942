//! Catalog: VSS import, publishing rules, lifecycle and immutability, and
//! the audit of admin changes. The marketplace side (subscriptions shaping
//! token scopes, metering, deprecation as partners see it, BFLA) is in
//! `marketplace`. Each test imports the catalog crate's VSS subset and makes
//! the products and partners it needs through the admin API.

mod marketplace;

use reqwest::Method;
use serde_json::{Value, json};
use vdx_tests::world::{ProductSpec, SOC, SPEED};
use vdx_tests::{TestApp, on_both_backends};

fn vss_export() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vss/vss.json");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is needed beside the repository: {e}", path.display()))
}

async fn signal_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    vdx_catalog::test_support::signal::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

async fn import(app: &TestApp, token: &str, body: String) -> reqwest::Response {
    app.client
        .post(app.url("/admin/v1/catalog/import"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn draft(version: &str, signals: &[&str], commands: &[&str]) -> Value {
    json!({
        "version": version,
        "signals": signals,
        "commands": commands,
        "purposes": ["predictive_maintenance"],
        "terms": {"history_days": 0, "retention_days": 30, "location_precision_km": null, "default_consent_days": 180}
    })
}

const VERSIONS: &str = "/admin/v1/products/battery-health/versions";

/// Drafts a version of `battery-health` (see [`draft`]).
async fn post_draft(app: &TestApp, token: &str, spec: Value) -> reqwest::Response {
    app.call(Method::POST, VERSIONS, Some(token), Some(spec))
        .await
}

/// Publishes `version` of `battery-health`.
async fn publish(app: &TestApp, token: &str, version: &str) -> reqwest::Response {
    app.post(&format!("{VERSIONS}/{version}/publish"), Some(token))
        .await
}

/// Imports the VSS subset and creates the draft-less product `battery-health`.
async fn new_product(app: &TestApp, token: &str) {
    app.import_signals().await;
    let res = app
        .call(Method::POST, "/admin/v1/products", Some(token), Some(json!({"slug": "battery-health", "name": "Battery health", "description": "d", "category": "energy"})))
        .await;
    assert_eq!(res.status(), 201);
}

async fn importing_the_real_vss_export_then_a_newer_release_reports_what_changed(app: TestApp) {
    // A published mileage product, read by a partner, before the import.
    let world = app.consented(&ProductSpec::mileage()).await;
    let token = app.admin_token().await;
    let export = vss_export();
    let res = import(&app, &token, export.clone()).await;
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.unwrap();
    let total = first["added"].as_u64().unwrap()
        + first["unchanged"].as_u64().unwrap()
        + first["changed"].as_u64().unwrap();
    assert!(total > 1_600, "{first}");
    assert_eq!(signal_count(&app).await, total);

    // A "newer release": Vehicle.Speed is gone, one description changed.
    let mut tree: Value = serde_json::from_str(&export).unwrap();
    let vehicle = tree["Vehicle"]["children"].as_object_mut().unwrap();
    vehicle.remove("Speed");
    vehicle["TraveledDistance"]["description"] = "Odometer reading (reworded).".into();
    let res = import(&app, &token, tree.to_string()).await;
    let second: Value = res.json().await.unwrap();
    assert_eq!(second["added"], 0, "{second}");
    assert_eq!(second["changed"], 1, "{second}");
    assert_eq!(second["deprecated"], 1, "{second}");

    // The published mileage product still lists and serves Vehicle.Speed.
    let token = app.partner_token(&world.partner).await;
    let (product, purpose) = world.product.asked_for();
    let body = app
        .vehicle_latest(&token, &world.vin, product, purpose)
        .await;
    let latest = &body["data"]["vehicle"]["latest"];
    assert!(vdx_tests::signal(latest, SPEED).is_some(), "{body}");
}

async fn an_invalid_vss_file_names_the_node_and_imports_nothing(app: TestApp) {
    app.import_signals().await;
    let token = app.admin_token().await;
    let before = signal_count(&app).await;
    let mut tree: Value = serde_json::from_str(&vss_export()).unwrap();
    tree["Vehicle"]["children"]["Speed"]["datatype"] = "float128".into();
    let res = import(&app, &token, tree.to_string()).await;
    let problem = vdx_tests::problem(res, 422, "INVALID_VSS").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Vehicle.Speed"),
        "{problem}"
    );
    assert_eq!(
        signal_count(&app).await,
        before,
        "a failed import must write nothing"
    );
}

async fn publishing_lists_every_unknown_or_deprecated_signal_and_every_sensor_given_as_a_command(
    app: TestApp,
) {
    let token = app.admin_token().await;
    new_product(&app, &token).await;
    let signals = [SOC, "Vehicle.Made.Up", "Vehicle.Also.Invented"];
    let spec = draft("1.0.0", &signals, &[SPEED]);
    let res = post_draft(&app, &token, spec).await;
    assert_eq!(res.status(), 201);
    let res = publish(&app, &token, "1.0.0").await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let errors: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 3, "{problem}");
    assert!(errors.iter().any(|e| e.contains("Vehicle.Made.Up")));
    assert!(errors.iter().any(|e| e.contains("Vehicle.Also.Invented")));
    assert!(
        errors
            .iter()
            .any(|e| e.contains(SPEED) && e.contains("actuator"))
    );
    // A syntactically invalid path is refused already at drafting, named.
    let spec = draft("1.1.0", &["Vehicle..Bad"], &[]);
    let res = post_draft(&app, &token, spec).await;
    vdx_tests::assert_rejected_naming(res, "Vehicle..Bad").await;
}

/// One request of a lifecycle walk: method, path and body, the status it
/// gets, the problem code if checked, and why.
type Step = (
    Method,
    String,
    Option<Value>,
    u16,
    Option<&'static str>,
    &'static str,
);

async fn a_published_version_is_immutable_and_the_lifecycle_runs_one_way(app: TestApp) {
    let token = app.admin_token().await;
    new_product(&app, &token).await;
    let spec = draft(
        "1.0.0",
        &[SOC],
        &["Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit"],
    );
    let one = format!("{VERSIONS}/1.0.0");
    let past = json!({"sunset_at": "2020-01-01T00:00:00Z"});
    let steps: [Step; 7] = [
        (
            Method::POST,
            VERSIONS.to_owned(),
            Some(spec.clone()),
            201,
            None,
            "a draft",
        ),
        (
            Method::PUT,
            one.clone(),
            Some(spec.clone()),
            200,
            None,
            "drafts can change",
        ),
        (
            Method::POST,
            format!("{one}/retire"),
            None,
            409,
            None,
            "retiring a draft cannot happen",
        ),
        (
            Method::POST,
            format!("{one}/publish"),
            None,
            200,
            None,
            "publishing",
        ),
        (
            Method::PUT,
            one.clone(),
            Some(spec.clone()),
            409,
            Some("CONFLICT"),
            "published: immutable",
        ),
        (
            Method::POST,
            VERSIONS.to_owned(),
            Some(spec),
            409,
            None,
            "a new version must be newer",
        ),
        (
            Method::POST,
            format!("{one}/deprecate"),
            Some(past),
            400,
            None,
            "deprecation needs a future sunset",
        ),
    ];
    for (method, path, body, status, code, why) in steps {
        let res = app.call(method, &path, Some(&token), body).await;
        assert_eq!(res.status(), status, "{why}");
        if let Some(code) = code {
            let problem: Value = res.json().await.unwrap();
            assert_eq!(problem["code"], code, "{why}");
        }
    }
}

async fn every_admin_change_is_audited_with_who_and_before_and_after(app: TestApp) {
    let admin = app.admin_token().await;
    new_product(&app, &admin).await;
    let spec = draft("1.0.0", &[SOC], &[]);
    post_draft(&app, &admin, spec).await;
    publish(&app, &admin, "1.0.0").await;
    let audit: Value = app.get_json("/admin/v1/audit", Some(&admin)).await;
    let records = audit.as_array().unwrap();
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..3],
        ["version.published", "version.create", "product.create"]
    );
    let publish = &records[0];
    assert_eq!(publish["actor"], app.creds.admin.client_id.as_str());
    assert!(publish["before"].as_str().unwrap().contains("\"draft\""));
    assert!(publish["after"].as_str().unwrap().contains("\"published\""));
}

on_both_backends!(
    importing_the_real_vss_export_then_a_newer_release_reports_what_changed,
    an_invalid_vss_file_names_the_node_and_imports_nothing,
    publishing_lists_every_unknown_or_deprecated_signal_and_every_sensor_given_as_a_command,
    a_published_version_is_immutable_and_the_lifecycle_runs_one_way,
    every_admin_change_is_audited_with_who_and_before_and_after,
);
