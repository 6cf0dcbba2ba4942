//! The first vertical slice: token → consent decision → field filter →
//! store read → response and access log, on both backends.

use serde_json::Value;
use vdx_tests::{TestApp, on_both_backends_in_demo_world};

const VOLTWISE: &str = "Voltwise Energy";
const EV: &str = "ev-charging";
const CHARGING: &str = "smart_charging";

fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

async fn consented_partner_reads_the_latest_state_of_charge(app: TestApp) {
    let token = app.token_for(VOLTWISE).await;
    let vin = app.creds.examples.consented.vin.clone();
    let body = app.vehicle_latest(&token, &vin, EV, CHARGING).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["vehicle"]["vin"], vin.as_str());
    let signals = body["data"]["vehicle"]["latest"]["signals"]
        .as_array()
        .expect("signals");
    let soc = signals
        .iter()
        .find(|s| s["path"] == "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current")
        .expect("state of charge is returned");
    let value = soc["value"].as_f64().expect("a number");
    assert!((0.0..=100.0).contains(&value), "{value}");
    // Only ev-charging signals leave: no location, no odometer.
    assert!(
        signals.iter().all(|s| s["path"]
            .as_str()
            .unwrap()
            .starts_with("Vehicle.Powertrain.TractionBattery")),
        "{signals:?}"
    );
}

async fn unconsented_and_unknown_vehicles_get_the_same_denial(app: TestApp) {
    let token = app.token_for(VOLTWISE).await;
    let revoked = app
        .vehicle_latest(&token, &app.creds.examples.revoked.vin, EV, CHARGING)
        .await;
    let unknown = app
        .vehicle_latest(&token, "VDXE9999999999999", EV, CHARGING)
        .await;
    assert_eq!(error_code(&revoked), "NO_CONSENT", "{revoked}");
    assert!(revoked["data"].is_null());
    // Byte-for-byte the same answer: nothing tells whether the car exists.
    assert_eq!(revoked, unknown);

    let rest_revoked = app
        .rest_latest(&token, &app.creds.examples.revoked.vin, EV, CHARGING)
        .await;
    let rest_unknown = app
        .rest_latest(&token, "VDXE9999999999999", EV, CHARGING)
        .await;
    assert_eq!(rest_revoked.status(), 403);
    assert_eq!(rest_unknown.status(), 403);
    let mut a: Value = rest_revoked.json().await.unwrap();
    let mut b: Value = rest_unknown.json().await.unwrap();
    assert_eq!(a["code"], "NO_CONSENT");
    a["request_id"] = Value::Null;
    b["request_id"] = Value::Null;
    assert_eq!(a, b);
}

async fn a_consent_past_its_expiry_is_denied_without_any_batch_job(app: TestApp) {
    // Dave's first EV has status active but expires_at yesterday.
    let dave = app.demo_driver("dave");
    let vin = dave
        .vehicles
        .iter()
        .find(|v| v.starts_with("VDXE"))
        .unwrap();
    let token = app.token_for(VOLTWISE).await;
    let body = app.vehicle_latest(&token, vin, EV, CHARGING).await;
    assert_eq!(error_code(&body), "NO_CONSENT", "{body}");
}

async fn a_partner_without_the_product_scope_is_refused_before_any_vehicle_lookup(app: TestApp) {
    // Milesure is not subscribed to ev-charging, so its token lacks read:ev-charging.
    let token = app.token_for("Milesure Insurance").await;
    let body = app
        .vehicle_latest(&token, &app.creds.examples.consented.vin, EV, CHARGING)
        .await;
    assert_eq!(error_code(&body), "INSUFFICIENT_SCOPE", "{body}");
    let res = app
        .rest_latest(&token, &app.creds.examples.consented.vin, EV, CHARGING)
        .await;
    assert_eq!(res.status(), 403);
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains("read:ev-charging"),
        "{challenge}"
    );
}

async fn a_purpose_other_than_the_consented_one_is_denied(app: TestApp) {
    let token = app.token_for(VOLTWISE).await;
    let body = app
        .vehicle_latest(
            &token,
            &app.creds.examples.consented.vin,
            EV,
            "fleet_management",
        )
        .await;
    assert_eq!(error_code(&body), "NO_CONSENT", "{body}");
}

async fn signals_outside_the_product_are_withheld_and_reported(app: TestApp) {
    let token = app.token_for(VOLTWISE).await;
    let query = r#"query($vin: String!) { vehicle(vin: $vin, product: "ev-charging", purpose: "smart_charging") {
        latest(paths: ["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current", "Vehicle.CurrentLocation.Latitude"]) { signals { path } withheld } } }"#;
    let res = app
        .graphql(
            Some(&token),
            query,
            serde_json::json!({"vin": app.creds.examples.consented.vin}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    let latest = &body["data"]["vehicle"]["latest"];
    assert_eq!(latest["signals"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(
        latest["signals"][0]["path"],
        "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
    );
    assert_eq!(
        latest["withheld"],
        serde_json::json!(["Vehicle.CurrentLocation.Latitude"])
    );
}

async fn coarse_location_is_rounded_to_the_products_precision(app: TestApp) {
    let carol = app.demo_driver("carol");
    let token = app.token_for("Fuelstop Retail").await;
    let body = app
        .vehicle_latest(
            &token,
            &carol.vehicles[0],
            "coarse-location",
            "location_based_offers",
        )
        .await;
    let signals = body["data"]["vehicle"]["latest"]["signals"]
        .as_array()
        .expect("signals");
    let lat = signals
        .iter()
        .find(|s| s["path"] == "Vehicle.CurrentLocation.Latitude")
        .expect("latitude")["value"]
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
    let token = app.token_for(VOLTWISE).await;
    let before = app.access_log_count().await;
    app.vehicle_latest(&token, &app.creds.examples.consented.vin, EV, CHARGING)
        .await;
    let res = app
        .rest_latest(&token, &app.creds.examples.consented.vin, EV, CHARGING)
        .await;
    assert_eq!(res.status(), 200);
    app.vehicle_latest(&token, &app.creds.examples.revoked.vin, EV, CHARGING)
        .await;
    assert_eq!(app.access_log_count().await, before + 2);
}

async fn a_query_without_a_token_is_unauthenticated(app: TestApp) {
    let res = app
        .graphql(None, r#"{ vehicle(vin: "VDXE0000000000001", product: "ev-charging", purpose: "smart_charging") { vin } }"#, Value::Null)
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}

async fn a_malformed_vin_is_bad_input_not_a_denial(app: TestApp) {
    let token = app.token_for(VOLTWISE).await;
    let body = app.vehicle_latest(&token, "not-a-vin", EV, CHARGING).await;
    assert_eq!(error_code(&body), "INVALID_INPUT", "{body}");
    let res = app.rest_latest(&token, "not-a-vin", EV, CHARGING).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

on_both_backends_in_demo_world!(
    consented_partner_reads_the_latest_state_of_charge,
    unconsented_and_unknown_vehicles_get_the_same_denial,
    a_consent_past_its_expiry_is_denied_without_any_batch_job,
    a_partner_without_the_product_scope_is_refused_before_any_vehicle_lookup,
    a_purpose_other_than_the_consented_one_is_denied,
    signals_outside_the_product_are_withheld_and_reported,
    coarse_location_is_rounded_to_the_products_precision,
    every_served_read_writes_an_access_log_record_and_denials_write_none,
    a_query_without_a_token_is_unauthenticated,
    a_malformed_vin_is_bad_input_not_a_denial,
);
