//! History reads over GraphQL and REST: cursor pages in observation order,
//! bounded by the consent's start and the product's history window, with
//! signals outside the product withheld, and page sizes capped.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use vdx_core::{Clock, ManualClock};
use vdx_tests::world::{Consented, ProductSpec};
use vdx_tests::{TestApp, on_both_backends};

const SOC: &str = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current";
const HOUR_MS: i64 = 60 * 60 * 1000;

/// A partner reading a car whose driver consented 30 days ago, and its token.
async fn month_old_consent(app: &TestApp, clock: &ManualClock) -> (Consented, String) {
    let month = Duration::from_secs(30 * 24 * 3600);
    let world = app
        .consented_since(&ProductSpec::charging(), clock, month)
        .await;
    let token = app.partner_token(&world.partner).await;
    (world, token)
}

fn samples(vin: &str, points: &[(f64, i64)]) -> Value {
    let samples: Vec<Value> = points
        .iter()
        .map(|(v, ms)| {
            let at = chrono::DateTime::from_timestamp_millis(*ms)
                .unwrap()
                .to_rfc3339();
            json!({"path": SOC, "value": v, "observed_at": at})
        })
        .collect();
    json!({"vehicles": [{"vin": vin, "samples": samples}]})
}

fn values(body: &Value) -> Vec<f64> {
    body["data"]["vehicle"]["history"]["values"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|v| v["value"].as_f64().unwrap())
        .collect()
}

async fn history_pages_with_a_cursor_in_observation_order(app: TestApp, clock: Arc<ManualClock>) {
    let (world, token) = month_old_consent(&app, &clock).await;
    let (vin, asked) = (world.vin.clone(), world.product.asked_for());
    let base = clock.now_ms() - HOUR_MS;
    let points: Vec<(f64, i64)> = (0..5)
        .map(|i| (10.0 + i as f64, base + i * 1_000))
        .collect();
    let ingest = app.ingest_token().await;
    assert_eq!(
        app.ingest(&ingest, &samples(&vin, &points)).await.status(),
        200
    );
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let body = app
            .graphql_history(&token, &vin, asked, SOC, 2, after.as_deref())
            .await;
        let page = values(&body);
        assert!(page.len() <= 2, "{body}");
        seen.extend(page);
        match body["data"]["vehicle"]["history"]["nextCursor"].as_str() {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => break,
        }
    }
    // The five ingested values, oldest first, then what the car reported at start.
    assert_eq!(seen[..5], [10.0, 11.0, 12.0, 13.0, 14.0], "{seen:?}");
}

async fn history_holds_nothing_from_before_the_consent_started(
    app: TestApp,
    clock: Arc<ManualClock>,
) {
    let hours = |n: u64| Duration::from_secs(n * 3600);
    app.import_signals().await;
    let product = app.create_product(&ProductSpec::charging()).await;
    let partner = app.create_partner().await;
    app.subscribe(&partner, &product).await;
    let driver = app.create_driver().await;
    let vin = app.create_vehicle(&driver).await;
    // The car's first report, at start, is long before the consent.
    app.report(&vin, &ProductSpec::charging().reported, clock.now_ms())
        .await;
    clock.advance(hours(2));
    let (portal, csrf) = app.portal_sign_in(&driver.username, &driver.password).await;
    let offer = app.offer_of(&portal, &partner.name).await;
    let shared = app.share(&portal, &csrf, &vin, &offer, "30").await;
    assert_eq!(shared.status(), 303);
    // The driver consented two hours ago.
    clock.advance(hours(2));
    let now = clock.now_ms();
    let points = [(1.0, now - 3 * HOUR_MS), (2.0, now - HOUR_MS)];
    let ingest = app.ingest_token().await;
    assert_eq!(
        app.ingest(&ingest, &samples(&vin, &points)).await.status(),
        200
    );
    let token = app.partner_token(&partner).await;
    let body = app
        .graphql_history(&token, &vin, product.asked_for(), SOC, 100, None)
        .await;
    let seen = values(&body);
    assert!(!seen.contains(&1.0), "{seen:?}");
    assert_eq!(seen[0], 2.0, "{seen:?}");
}

async fn history_outside_the_products_window_is_not_served(app: TestApp, clock: Arc<ManualClock>) {
    // The product keeps 7 days of history; the consent is 30 days old.
    let (world, token) = month_old_consent(&app, &clock).await;
    let vin = world.vin.clone();
    let now = clock.now_ms();
    let points = [(3.0, now - 8 * 24 * HOUR_MS), (4.0, now - 6 * 24 * HOUR_MS)];
    let ingest = app.ingest_token().await;
    assert_eq!(
        app.ingest(&ingest, &samples(&vin, &points)).await.status(),
        200
    );
    let body = app
        .graphql_history(&token, &vin, world.product.asked_for(), SOC, 100, None)
        .await;
    let seen = values(&body);
    assert_eq!(seen[0], 4.0, "{seen:?}");
    assert!(!seen.contains(&3.0));
}

async fn a_signal_outside_the_product_is_withheld_from_history_not_an_error(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let (vin, asked) = (world.vin.clone(), world.product.asked_for());
    let latitude = "Vehicle.CurrentLocation.Latitude";
    let body = app
        .graphql_history(&token, &vin, asked, latitude, 10, None)
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let history = &body["data"]["vehicle"]["history"];
    assert_eq!(history["values"], json!([]));
    assert_eq!(history["withheld"], json!([latitude]));
}

async fn a_page_larger_than_the_maximum_or_a_bad_cursor_is_bad_input(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let (vin, asked) = (world.vin.clone(), world.product.asked_for());
    let body = app
        .graphql_history(&token, &vin, asked, SOC, 501, None)
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INVALID_INPUT",
        "{body}"
    );
    let body = app
        .graphql_history(&token, &vin, asked, SOC, 10, Some("garbage"))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INVALID_INPUT",
        "{body}"
    );
    let res = app
        .rest_history(&token, &vin, asked, SOC, Some("501"))
        .await;
    assert_eq!(res.status(), 400);
}

async fn rest_history_matches_graphql_and_writes_the_access_log(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let (vin, asked) = (world.vin.clone(), world.product.asked_for());
    let before = app.access_log_count().await;
    let res = app.rest_history(&token, &vin, asked, SOC, Some("50")).await;
    assert_eq!(res.status(), 200);
    let rest: Value = res.json().await.unwrap();
    let gql = app
        .graphql_history(&token, &vin, asked, SOC, 50, None)
        .await;
    let rest_values: Vec<&Value> = rest["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["value"])
        .collect();
    let gql_values: Vec<&Value> = gql["data"]["vehicle"]["history"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["value"])
        .collect();
    assert!(!rest_values.is_empty());
    assert_eq!(rest_values, gql_values);
    assert_eq!(app.access_log_count().await, before + 2);
    // An unknown VIN is denied exactly like an unconsented one.
    let res = app
        .rest_history(&token, "VDXE9999999999999", asked, SOC, None)
        .await;
    assert_eq!(res.status(), 403);
}

on_both_backends!(
    a_signal_outside_the_product_is_withheld_from_history_not_an_error,
    a_page_larger_than_the_maximum_or_a_bad_cursor_is_bad_input,
    rest_history_matches_graphql_and_writes_the_access_log;
    with_clock: history_holds_nothing_from_before_the_consent_started,
    history_pages_with_a_cursor_in_observation_order,
    history_outside_the_products_window_is_not_served,
);
