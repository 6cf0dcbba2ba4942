//! The first vertical slice: token → consent decision → field filter →
//! store read → response and access log, on both backends.

use serde_json::{Value, json};
use vdx_tests::world::{Consented, LATITUDE, ODOMETER, ProductSpec, SOC};
use vdx_tests::{TestApp, on_both_backends, signal};

/// A well-formed VIN no car has (the fixtures' cars start `VDXT`).
const UNKNOWN_VIN: &str = "VDXE9999999999999";

fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// The world's product's latest values of `vin` over GraphQL, read with `token`.
async fn latest(app: &TestApp, world: &Consented, token: &str, vin: &str) -> Value {
    let (product, purpose) = world.product.asked_for();
    app.vehicle_latest(token, vin, product, purpose).await
}

/// The same over REST.
async fn rest_latest(
    app: &TestApp,
    world: &Consented,
    token: &str,
    vin: &str,
) -> reqwest::Response {
    let (product, purpose) = world.product.asked_for();
    app.rest_latest(token, vin, product, purpose).await
}

/// Another car of the world's driver, which reported, was shared with the
/// partner and then revoked by the driver on the portal.
async fn revoked_car(app: &TestApp, world: &Consented) -> String {
    let now = chrono::Utc::now().timestamp_millis();
    let reported = ProductSpec::charging().reported;
    let vin = app
        .share_new_car((&world.driver, &world.partner), &reported, now, None)
        .await;
    app.revoke_on_portal(&world.driver, &world.partner, &vin)
        .await;
    vin
}

async fn consented_partner_reads_the_latest_state_of_charge(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    // The car reports more than the product offers.
    let now = chrono::Utc::now().timestamp_millis();
    app.report(
        &world.vin,
        &[(ODOMETER, json!(12_345)), (LATITUDE, json!(48.137154))],
        now,
    )
    .await;
    let token = app.partner_token(&world.partner).await;
    let body = latest(&app, &world, &token, &world.vin).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["vehicle"]["vin"], world.vin.as_str());
    let latest = &body["data"]["vehicle"]["latest"];
    let soc = signal(latest, SOC).expect("state of charge is returned");
    let value = soc["value"].as_f64().expect("a number");
    assert!((0.0..=100.0).contains(&value), "{value}");
    // Only the charging product's signals leave: no location, no odometer.
    let signals = latest["signals"].as_array().expect("signals");
    assert!(
        signals.iter().all(|s| s["path"]
            .as_str()
            .unwrap()
            .starts_with("Vehicle.Powertrain.TractionBattery")),
        "{signals:?}"
    );
}

async fn unconsented_and_unknown_vehicles_get_the_same_denial(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let revoked_vin = revoked_car(&app, &world).await;
    let revoked = latest(&app, &world, &token, &revoked_vin).await;
    let unknown = latest(&app, &world, &token, UNKNOWN_VIN).await;
    assert_eq!(error_code(&revoked), "NO_CONSENT", "{revoked}");
    assert!(revoked["data"].is_null());
    // Byte-for-byte the same answer: nothing tells whether the car exists.
    assert_eq!(revoked, unknown);

    let rest_revoked = rest_latest(&app, &world, &token, &revoked_vin).await;
    let rest_unknown = rest_latest(&app, &world, &token, UNKNOWN_VIN).await;
    assert_eq!(rest_revoked.status(), 403);
    assert_eq!(rest_unknown.status(), 403);
    let mut a: Value = rest_revoked.json().await.unwrap();
    let mut b: Value = rest_unknown.json().await.unwrap();
    assert_eq!(a["code"], "NO_CONSENT");
    a["request_id"] = Value::Null;
    b["request_id"] = Value::Null;
    assert_eq!(a, b);
}

async fn a_consent_past_its_expiry_is_denied_without_any_batch_job(
    app: TestApp,
    clock: std::sync::Arc<vdx_core::ManualClock>,
) {
    // A consent that lasts a day, still active, two days later.
    let spec = ProductSpec {
        default_consent_days: 1,
        ..ProductSpec::charging()
    };
    let world = app.consented(&spec).await;
    clock.advance(std::time::Duration::from_secs(2 * 24 * 3600));
    let token = app.partner_token(&world.partner).await;
    let body = latest(&app, &world, &token, &world.vin).await;
    assert_eq!(error_code(&body), "NO_CONSENT", "{body}");
}

async fn a_partner_without_the_product_scope_is_refused_before_any_vehicle_lookup(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    // Another partner, subscribed to another product only: its token lacks read:<product>.
    let insurer = app.create_partner().await;
    let mileage = app.create_product(&ProductSpec::mileage()).await;
    app.subscribe(&insurer, &mileage).await;
    let token = app.partner_token(&insurer).await;
    let body = latest(&app, &world, &token, &world.vin).await;
    assert_eq!(error_code(&body), "INSUFFICIENT_SCOPE", "{body}");
    let res = rest_latest(&app, &world, &token, &world.vin).await;
    assert_eq!(res.status(), 403);
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    let scope = format!("read:{}", world.product.slug);
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains(&scope),
        "{challenge}"
    );
}

async fn a_purpose_other_than_the_consented_one_is_denied(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let body = app
        .vehicle_latest(&token, &world.vin, &world.product.slug, "fleet_management")
        .await;
    assert_eq!(error_code(&body), "NO_CONSENT", "{body}");
}

async fn signals_outside_the_product_are_withheld_and_reported(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let query = r#"query($vin: String!, $product: String!, $purpose: String!) { vehicle(vin: $vin, product: $product, purpose: $purpose) {
        latest(paths: ["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current", "Vehicle.CurrentLocation.Latitude"]) { signals { path } withheld } } }"#;
    let (product, purpose) = world.product.asked_for();
    let res = app
        .graphql(
            Some(&token),
            query,
            json!({"vin": world.vin, "product": product, "purpose": purpose}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    let latest = &body["data"]["vehicle"]["latest"];
    assert_eq!(latest["signals"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(latest["signals"][0]["path"], SOC);
    assert_eq!(latest["withheld"], json!([LATITUDE]));
}

async fn coarse_location_is_rounded_to_the_products_precision(app: TestApp) {
    let world = app.consented(&ProductSpec::coarse_location()).await;
    let token = app.partner_token(&world.partner).await;
    let body = latest(&app, &world, &token, &world.vin).await;
    let lat = signal(&body["data"]["vehicle"]["latest"], LATITUDE).expect("latitude")["value"]
        .as_f64()
        .unwrap();
    // On a 5 km grid, latitude is a multiple of 5/111.32 degrees.
    let step = 5.0 / 111.32;
    let cells = lat / step;
    assert!(
        (cells - cells.round()).abs() < 1e-3,
        "latitude {lat} is not on the 5 km grid"
    );
}

async fn every_served_read_writes_an_access_log_record_and_denials_write_none(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let revoked = revoked_car(&app, &world).await;
    let before = app.access_log_count().await;
    latest(&app, &world, &token, &world.vin).await;
    let res = rest_latest(&app, &world, &token, &world.vin).await;
    assert_eq!(res.status(), 200);
    latest(&app, &world, &token, &revoked).await;
    assert_eq!(app.access_log_count().await, before + 2);
}

async fn a_query_without_a_token_is_unauthenticated(app: TestApp) {
    let res = app
        .graphql(None, r#"{ vehicle(vin: "VDXE0000000000001", product: "any-product", purpose: "smart_charging") { vin } }"#, Value::Null)
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}

async fn a_malformed_vin_is_bad_input_not_a_denial(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let body = latest(&app, &world, &token, "not-a-vin").await;
    assert_eq!(error_code(&body), "INVALID_INPUT", "{body}");
    let res = rest_latest(&app, &world, &token, "not-a-vin").await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

on_both_backends!(
    consented_partner_reads_the_latest_state_of_charge,
    unconsented_and_unknown_vehicles_get_the_same_denial,
    a_partner_without_the_product_scope_is_refused_before_any_vehicle_lookup,
    a_purpose_other_than_the_consented_one_is_denied,
    signals_outside_the_product_are_withheld_and_reported,
    coarse_location_is_rounded_to_the_products_precision,
    every_served_read_writes_an_access_log_record_and_denials_write_none,
    a_query_without_a_token_is_unauthenticated,
    a_malformed_vin_is_bad_input_not_a_denial;
    with_clock: a_consent_past_its_expiry_is_denied_without_any_batch_job,
);
