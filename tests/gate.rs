//! The partner gate as an attacker meets it: a GraphQL request is charged in
//! full before anything is served (aliases, several vehicles, mutations),
//! location precision holds whatever the request names, and GraphQL lists
//! the vehicles an app may read.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use vdx_tests::world::{Consented, PlanSpec, ProductSpec};
use vdx_tests::{TestApp, on_both_backends};

async fn commands_count(app: &TestApp) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) FROM commands",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Sends `n` aliases of the same consented read in one GraphQL request.
async fn read_aliased(
    app: &TestApp,
    token: &str,
    world: &Consented,
    n: usize,
) -> reqwest::Response {
    let (vin, (product, purpose)) = (&world.vin, world.product.asked_for());
    let fields: String = (0..n)
        .map(|i| {
            format!(
                "v{i}: vehicle(vin: \"{vin}\", product: \"{product}\", purpose: \"{purpose}\") {{ latest {{ signals {{ path value }} }} }} "
            )
        })
        .collect();
    app.graphql(Some(token), &format!("{{ {fields} }}"), json!({}))
        .await
}

/// The one refusal of a request that was over a limit: no data at all.
fn assert_refused_whole(body: &Value, code: &str) {
    assert!(body["data"].is_null(), "data must be null: {body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["extensions"]["code"], code, "{body}");
    // About the request, not a place in it (GraphQL positions are 1-based).
    assert!(errors[0].get("locations").is_none(), "{body}");
}

/// Sends `n` aliased reads that a limit refuses: a 429 whose one error is
/// `code`, and nothing served (no access log entry). Returns its headers.
async fn read_aliased_refused(
    app: &TestApp,
    token: &str,
    world: &Consented,
    n: usize,
    code: &str,
) -> reqwest::header::HeaderMap {
    let logged = app.access_log_count().await;
    let res = read_aliased(app, token, world, n).await;
    assert_eq!(res.status(), 429);
    let headers = res.headers().clone();
    assert_refused_whole(&res.json::<Value>().await.unwrap(), code);
    assert_eq!(app.access_log_count().await, logged, "nothing was served");
    headers
}

/// Twenty-five aliases (under the alias limit) cost 125 against a burst of
/// 100: the whole request is refused, not just the first alias.
async fn aliased_reads_over_the_burst_serve_nothing_and_log_nothing(app: TestApp) {
    let (world, token) = app
        .consented_on_plan(PlanSpec::limits(1, 100, 100_000, None))
        .await;
    let headers = read_aliased_refused(&app, &token, &world, 25, "RATE_LIMITED").await;
    assert!(headers.contains_key("retry-after"));
    assert!(headers["ratelimit"].to_str().unwrap().contains("r=0"));
    // Sixty aliases are refused before anything runs, by the alias limit.
    let logged = app.access_log_count().await;
    let res = read_aliased(&app, &token, &world, 60).await;
    let body: Value = res.json().await.unwrap();
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "TOO_MANY_ALIASES",
        "{body}"
    );
    assert_eq!(app.access_log_count().await, logged, "nothing was served");
}

/// Twenty-five aliased commands cost 75 against a burst of 50: none is queued.
async fn aliased_commands_over_the_burst_queue_nothing(app: TestApp) {
    let (world, token) = app
        .consented_on_plan(PlanSpec::limits(1, 50, 100_000, None))
        .await;
    let (vin, (product, purpose)) = (&world.vin, world.product.asked_for());
    let fields: String = (0..25)
        .map(|i| {
            format!(
                "c{i}: sendCommand(vin: \"{vin}\", product: \"{product}\", purpose: \"{purpose}\", actuator: \"Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit\", value: 80) {{ id status }} "
            )
        })
        .collect();
    let before = commands_count(&app).await;
    let res = app
        .graphql(Some(&token), &format!("mutation {{ {fields} }}"), json!({}))
        .await;
    assert_eq!(res.status(), 429);
    assert_refused_whole(&res.json::<Value>().await.unwrap(), "RATE_LIMITED");
    assert_eq!(commands_count(&app).await, before, "no command was queued");
}

async fn aliases_cannot_stretch_the_daily_quota(app: TestApp) {
    let (world, token) = app
        .consented_on_plan(PlanSpec::limits(100, 1_000, 10, None))
        .await;
    // Three aliases cost 15 against a day of 10.
    read_aliased_refused(&app, &token, &world, 3, "DAILY_QUOTA_EXCEEDED").await;
    // Nothing was spent: a request that fits is still served.
    let res = read_aliased(&app, &token, &world, 1).await;
    assert_eq!(res.status(), 200);
}

/// The VINs an app may read for `product`, from the GraphQL listing.
async fn consented_vins(app: &TestApp, token: &str, product: &str) -> Vec<String> {
    let body = app
        .graphql_ok(
            token,
            "{ vehicles(first: 100) { nodes { vin product purpose scopes expiresAt consentId } nextCursor } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["vehicles"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["product"] == product)
        .map(|n| n["vin"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_request_reading_two_cars_spends_each_cars_budget(app: TestApp) {
    let (world, token) = app
        .consented_on_plan(PlanSpec::limits(100, 1_000, 100_000, Some(1)))
        .await;
    // Two cars of the driver, both consented to the partner.
    let second = app.create_vehicle(&world.driver).await;
    app.grant_consent(&world.driver, &second, &world.partner, None)
        .await;
    let (product, purpose) = world.product.asked_for();
    let vins = [world.vin.clone(), second];
    let query = format!(
        "{{ a: vehicle(vin: \"{}\", product: \"{product}\", purpose: \"{purpose}\") {{ vin }} b: vehicle(vin: \"{}\", product: \"{product}\", purpose: \"{purpose}\") {{ vin }} }}",
        vins[0], vins[1]
    );
    let body = app.graphql_ok(&token, &query, json!({})).await;
    assert_eq!(body["data"]["b"]["vin"], vins[1].as_str(), "{body}");
    // Each car's one call of the day is spent, the second's too.
    for vin in &vins[..2] {
        let res = app.rest_latest(&token, vin, product, purpose).await;
        assert_eq!(res.status(), 429, "{vin}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "VEHICLE_BUDGET_EXCEEDED"
        );
    }
}

async fn graphql_lists_the_vehicles_an_app_may_read_a_page_at_a_time(app: TestApp) {
    // Four consented cars; the partner then ends the consent of one.
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let mut cars = vec![world.vin.clone()];
    for _ in 0..3 {
        let vin = app.create_vehicle(&world.driver).await;
        app.grant_consent(&world.driver, &vin, &world.partner, None)
            .await;
        cars.push(vin);
    }
    let revoked = cars.pop().unwrap();
    let listed = app
        .graphql(
            Some(&token),
            "{ vehicles(first: 100) { nodes { vin consentId } } }",
            json!({}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let consent = listed["data"]["vehicles"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["vin"] == revoked.as_str())
        .map(|n| n["consentId"].clone())
        .unwrap_or_else(|| panic!("{revoked} is not listed: {listed}"));
    let path = format!(
        "/v1/consents/{}/revoke",
        consent
            .as_str()
            .map_or_else(|| consent.to_string(), str::to_owned)
    );
    let res = app
        .call(reqwest::Method::POST, &path, Some(&token), None)
        .await;
    assert_eq!(res.status(), 200);
    let all = consented_vins(&app, &token, &world.product.slug).await;
    assert!(all.contains(&world.vin));
    assert!(!all.contains(&revoked), "ended consents are not listed");
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let res = app
            .graphql(
                Some(&token),
                "query($after: String) { vehicles(first: 2, after: $after) { nodes { vin } nextCursor } }",
                json!({"after": after}),
            )
            .await;
        let body: Value = res.json().await.unwrap();
        let page = &body["data"]["vehicles"];
        assert!(page["nodes"].as_array().unwrap().len() <= 2, "{body}");
        seen.extend(
            page["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["vin"].as_str().unwrap().to_owned()),
        );
        if page["nextCursor"].is_null() {
            break;
        }
        after = page["nextCursor"].clone();
    }
    let mut expected: Vec<String> = all;
    let mut seen_sorted = seen.clone();
    expected.sort();
    seen_sorted.sort();
    assert_eq!(seen_sorted, expected);
    let res = app
        .graphql(None, "{ vehicles { nodes { vin } } }", json!({}))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
}

const LAT: &str = "Vehicle.CurrentLocation.Latitude";
const LON: &str = "Vehicle.CurrentLocation.Longitude";

async fn location_precision_holds_whatever_paths_are_named(app: TestApp) {
    // A car consented to a partner under a 5 km location precision.
    let world = app.consented(&ProductSpec::coarse_location()).await;
    let (product, purpose) = world.product.asked_for();
    let token = app.partner_token(&world.partner).await;
    let ingest = app.ingest_token().await;
    let t = chrono::Utc::now().timestamp_millis() + 60_000;
    let at = chrono::DateTime::from_timestamp_millis(t)
        .unwrap()
        .to_rfc3339();
    let vin = world.vin.clone();
    let body = json!({"vehicles": [{"vin": vin, "samples": [
        {"path": LAT, "value": 48.137154, "observed_at": at},
        {"path": LON, "value": 11.576124, "observed_at": at},
    ]}]});
    assert_eq!(app.ingest(&ingest, &body).await.status(), 200);
    assert_eq!(
        app.rest_latest(&token, &vin, product, purpose)
            .await
            .status(),
        200
    );
    let read = |paths: &'static str| {
        let (app, token, vin) = (&app, &token, &vin);
        async move {
            let res = app
                .get_query(
                    &format!("/v1/vehicles/{vin}/latest"),
                    &[("product", product), ("purpose", purpose), ("paths", paths)],
                    token,
                )
                .await;
            assert_eq!(res.status(), 200);
            let body: Value = res.json().await.unwrap();
            vdx_tests::signal(&body, LON)
                .map(|s| s["value"].as_f64().unwrap())
                .expect("a longitude")
        }
    };
    let alone = read(LON).await;
    let both = read("Vehicle.CurrentLocation.Latitude,Vehicle.CurrentLocation.Longitude").await;
    assert_eq!(
        alone, both,
        "asking for the longitude alone gives the same grid"
    );
    // The grid is 5 km wide at the car's latitude, not the latitude grid's 3.3 km.
    let lat_step = 5.0 / 111.32;
    let snapped_lat = (48.137154_f64 / lat_step).round() * lat_step;
    let step = 5.0 / (111.32 * snapped_lat.to_radians().cos());
    assert!(
        ((alone / step).round() * step - alone).abs() < 1e-5,
        "{alone} is on the {step}° grid"
    );
    assert!((alone - 11.576124).abs() <= step / 2.0 + 1e-6);
}

/// The clock, not back-dated rows: a consent that ends while the clock moves
/// is refused on the next request, over REST and GraphQL alike.
async fn a_consent_refused_the_moment_the_clock_passes_its_end(backend: vdx_tests::Backend) {
    let (app, clock) = vdx_tests::spawn_app_and_clock(backend).await;
    let world = app.consented(&ProductSpec::charging()).await;
    let (product, purpose) = world.product.asked_for();
    let token = app.partner_token(&world.partner).await;
    let res = app
        .graphql(
            Some(&token),
            "{ vehicles(first: 100) { nodes { vin expiresAt } } }",
            json!({}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    let vin = world.vin.clone();
    let ends = body["data"]["vehicles"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["vin"] == vin.as_str())
        .map(|n| n["expiresAt"].as_str().unwrap().to_owned())
        .expect("the example car is listed");
    let ends = chrono::DateTime::parse_from_rfc3339(&ends)
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        app.rest_latest(&token, &vin, product, purpose)
            .await
            .status(),
        200
    );
    clock.set(ends - 1_000);
    // Tokens expire by the same clock: weeks later, the partner takes a new one.
    let token = app.partner_token(&world.partner).await;
    assert_eq!(
        app.rest_latest(&token, &vin, product, purpose)
            .await
            .status(),
        200
    );
    clock.set(ends + 1);
    let res = app.rest_latest(&token, &vin, product, purpose).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "NO_CONSENT");
    let body = app.vehicle_latest(&token, &vin, product, purpose).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NO_CONSENT",
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consent_is_refused_the_moment_the_clock_passes_its_end_sqlite() {
    a_consent_refused_the_moment_the_clock_passes_its_end(vdx_tests::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consent_is_refused_the_moment_the_clock_passes_its_end_postgres() {
    a_consent_refused_the_moment_the_clock_passes_its_end(vdx_tests::Backend::Postgres).await;
}

on_both_backends!(
    aliased_reads_over_the_burst_serve_nothing_and_log_nothing,
    aliased_commands_over_the_burst_queue_nothing,
    aliases_cannot_stretch_the_daily_quota,
    a_request_reading_two_cars_spends_each_cars_budget,
    graphql_lists_the_vehicles_an_app_may_read_a_page_at_a_time,
    location_precision_holds_whatever_paths_are_named,
);
