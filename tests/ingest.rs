//! The OEM ingest over HTTP: values become latest values and history, late
//! and out-of-order uploads are welcome, duplicates are ignored, and a bad
//! batch is refused whole, naming what is wrong.

use serde_json::{Value, json};
use vdx_tests::world::{Consented, ProductSpec};
use vdx_tests::{TestApp, on_both_backends};

const SOC: &str = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current";
const LIMIT: &str = "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit";

fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn batch(vin: &str, samples: &[(&str, Value, i64)]) -> Value {
    let samples: Vec<Value> = samples
        .iter()
        .map(|(path, value, ms)| json!({"path": path, "value": value, "observed_at": at(*ms)}))
        .collect();
    json!({"vehicles": [{"vin": vin, "samples": samples}]})
}

/// A partner reading a consented car's charging values.
async fn world(app: &TestApp) -> Consented {
    app.consented(&ProductSpec::charging()).await
}

async fn latest_soc(app: &TestApp, world: &Consented) -> Value {
    let token = app.partner_token(&world.partner).await;
    let (product, purpose) = world.product.asked_for();
    let res = app.rest_latest(&token, &world.vin, product, purpose).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    vdx_tests::signal(&body, SOC)
        .cloned()
        .expect("state of charge")
}

async fn ingested_values_become_the_latest_values_partners_read(app: TestApp) {
    let world = world(&app).await;
    let vin = world.vin.clone();
    let token = app.ingest_token().await;
    let t = chrono::Utc::now().timestamp_millis() + 1_000;
    let res = app
        .ingest(
            &token,
            &batch(&vin, &[(SOC, json!(42.5), t), (LIMIT, json!(90), t)]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({"accepted": 2, "duplicates": 0}));
    let soc = latest_soc(&app, &world).await;
    assert_eq!(soc["value"], 42.5);
    // The same instant; RFC 3339 leaves out a zero fraction of a second.
    let observed = chrono::DateTime::parse_from_rfc3339(soc["observed_at"].as_str().unwrap());
    assert_eq!(observed.unwrap().timestamp_millis(), t, "{soc}");
}

async fn a_late_upload_is_stored_in_history_but_never_overwrites_a_newer_latest_value(
    app: TestApp,
    clock: std::sync::Arc<vdx_core::ManualClock>,
) {
    use vdx_core::Clock;
    // The driver consented ten minutes ago, before the samples the car buffered.
    let now = clock.now_ms();
    clock.set(now - 600_000);
    let world = app
        .consented_before_any_report(&ProductSpec::charging())
        .await;
    clock.set(now);
    let vin = world.vin.clone();
    let token = app.ingest_token().await;
    let newer = batch(&vin, &[(SOC, json!(61.0), now + 2_000)]);
    assert_eq!(app.ingest(&token, &newer).await.status(), 200);
    // The car was offline; its buffered, older samples arrive afterwards, out of order.
    let older = batch(
        &vin,
        &[
            (SOC, json!(59.0), now - 60_000),
            (SOC, json!(58.0), now - 120_000),
        ],
    );
    let res = app.ingest(&token, &older).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["accepted"], 2);
    assert_eq!(latest_soc(&app, &world).await["value"], 61.0);

    let partner = app.partner_token(&world.partner).await;
    let body = app
        .graphql_history(&partner, &vin, world.product.asked_for(), SOC, 500, None)
        .await;
    let values = body["data"]["vehicle"]["history"]["values"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let series: Vec<f64> = values
        .iter()
        .map(|v| v["value"].as_f64().unwrap())
        .collect();
    let n = series.len();
    assert!(n >= 3, "{body}");
    // Oldest first, the late samples in their place.
    let pos = |x: f64| series.iter().position(|v| *v == x).unwrap();
    assert!(pos(58.0) < pos(59.0) && pos(59.0) < pos(61.0), "{series:?}");
    assert_eq!(series[n - 1], 61.0);
}

async fn a_re_uploaded_batch_is_ignored_as_duplicates(app: TestApp) {
    let world = world(&app).await;
    let vin = world.vin.clone();
    let token = app.ingest_token().await;
    let now = chrono::Utc::now().timestamp_millis();
    let samples = batch(
        &vin,
        &[
            (SOC, json!(50.0), now - 5_000),
            (SOC, json!(51.0), now - 4_000),
        ],
    );
    assert_eq!(app.ingest(&token, &samples).await.status(), 200);
    let res = app.ingest(&token, &samples).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({"accepted": 0, "duplicates": 2}));
}

async fn a_bad_value_refuses_the_whole_batch_naming_its_path(app: TestApp) {
    let world = world(&app).await;
    let vin = world.vin.clone();
    let token = app.ingest_token().await;
    let t = chrono::Utc::now().timestamp_millis() + 1_000;
    let before = latest_soc(&app, &world).await;
    let res = app
        .ingest(
            &token,
            &batch(&vin, &[(SOC, json!(12.0), t), (LIMIT, json!("full"), t)]),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "INVALID_SAMPLES");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert!(errors[0].as_str().unwrap().contains(LIMIT), "{body}");
    // The good sample of the batch was not written either.
    assert_eq!(latest_soc(&app, &world).await, before);

    for (path, value, why) in [
        (SOC, json!(100.5), "maximum"),
        ("Vehicle.Powertrain.Type", json!("STEAM"), "allowed"),
        ("Vehicle.NoSuchSignal", json!(1), "catalog"),
        ("Vehicle.Powertrain", json!(1), "branch"),
    ] {
        let res = app.ingest(&token, &batch(&vin, &[(path, value, t)])).await;
        assert_eq!(res.status(), 422, "{path}");
        let body: Value = res.json().await.unwrap();
        let error = body["errors"][0].as_str().unwrap_or_default();
        assert!(error.contains(path) && error.contains(why), "{body}");
    }
    let res = app
        .ingest(&token, &batch("VDXE9999999999999", &[(SOC, json!(1.0), t)]))
        .await;
    vdx_tests::assert_rejected_naming(res, "VDXE9999999999999").await;
}

async fn ingest_needs_the_ingest_scope(app: TestApp) {
    let world = world(&app).await;
    let vin = world.vin.clone();
    let partner = app.partner_token(&world.partner).await;
    let body = batch(
        &vin,
        &[(SOC, json!(1.0), chrono::Utc::now().timestamp_millis())],
    );
    let res = app.ingest(&partner, &body).await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "INSUFFICIENT_SCOPE");
}

async fn oversized_and_malformed_batches_get_a_4xx_not_a_crash(app: TestApp) {
    let world = world(&app).await;
    let vin = world.vin.clone();
    let token = app.ingest_token().await;
    let t = chrono::Utc::now().timestamp_millis();
    let many: Vec<(&str, Value, i64)> = (0..10_001).map(|i| (SOC, json!(1.0), t - i)).collect();
    let res = app.ingest(&token, &batch(&vin, &many)).await;
    assert_eq!(res.status(), 413);
    let res = app
        .client
        .post(app.url("/v1/ingest"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"vehicles\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Well-formed JSON of the wrong shape: 422, named as such.
    let res = app
        .ingest(&token, &json!({"vehicles": [{"vin": vin}]}))
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "INVALID_BODY");
    // The server is still there.
    assert_eq!(
        app.ingest(&token, &json!({"vehicles": []})).await.status(),
        200
    );
}

on_both_backends!(
    ingested_values_become_the_latest_values_partners_read,
    a_re_uploaded_batch_is_ignored_as_duplicates,
    a_bad_value_refuses_the_whole_batch_naming_its_path,
    ingest_needs_the_ingest_scope,
    oversized_and_malformed_batches_get_a_4xx_not_a_crash;
    with_clock: a_late_upload_is_stored_in_history_but_never_overwrites_a_newer_latest_value,
);
