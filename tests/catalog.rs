//! Catalog and marketplace: VSS import, publishing rules, lifecycle and
//! immutability, subscriptions shaping token scopes, metering, BFLA. Each
//! test imports the catalog crate's VSS subset and makes the products and
//! partners it needs through the admin API.

use reqwest::Method;
use serde_json::{Value, json};
use vdx_tests::world::{Product, ProductSpec, SOC, SPEED};
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

/// Imports the VSS subset and creates the draft-less product `battery-health`.
async fn new_product(app: &TestApp, token: &str) {
    app.import_signals().await;
    let res = app
        .call(Method::POST, "/admin/v1/products", Some(token), Some(json!({"slug": "battery-health", "name": "Battery health", "description": "d", "category": "energy"})))
        .await;
    assert_eq!(res.status(), 201);
}

/// The `read:` scopes of these products, as a token lists them (sorted).
fn read_scopes(products: &[&Product]) -> String {
    let mut scopes: Vec<String> = products
        .iter()
        .map(|p| format!("read:{}", p.slug))
        .collect();
    scopes.sort();
    scopes.join(" ")
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
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "INVALID_VSS");
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
    let res = app
        .call(Method::POST, VERSIONS, Some(&token), Some(spec))
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post(&format!("{VERSIONS}/1.0.0/publish"), Some(&token))
        .await;
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
    let res = app
        .call(Method::POST, VERSIONS, Some(&token), Some(spec))
        .await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["errors"][0]
            .as_str()
            .unwrap()
            .contains("Vehicle..Bad"),
        "{problem}"
    );
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

async fn deprecated_products_carry_deprecation_headers_and_retired_ones_serve_nothing(
    app: TestApp,
) {
    let world = app.consented(&ProductSpec::charging()).await;
    let (product, purpose) = world.product.asked_for();
    let vin = &world.vin;
    let admin = app.admin_token().await;
    let version = format!("/admin/v1/products/{product}/versions/1.0.0");
    let sunset = json!({"sunset_at": "2030-06-30T00:00:00Z"});
    let res = app
        .call(
            Method::POST,
            &format!("{version}/deprecate"),
            Some(&admin),
            Some(sunset),
        )
        .await;
    assert_eq!(res.status(), 200);
    let token = app.partner_token(&world.partner).await;
    let res = app.rest_latest(&token, vin, product, purpose).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["sunset"], "Sun, 30 Jun 2030 00:00:00 GMT");
    assert!(
        res.headers()["deprecation"]
            .to_str()
            .unwrap()
            .starts_with('@')
    );
    let gql = app.graphql(Some(&token), "query($vin: String!, $product: String!, $purpose: String!) { vehicle(vin: $vin, product: $product, purpose: $purpose) { vin } }", json!({"vin": vin, "product": product, "purpose": purpose})).await;
    assert_eq!(gql.headers()["sunset"], "Sun, 30 Jun 2030 00:00:00 GMT");

    let res = app.post(&format!("{version}/retire"), Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let res = app.rest_latest(&token, vin, product, purpose).await;
    assert_eq!(res.status(), 410);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "PRODUCT_RETIRED");
    let listed: Value = app.get_json("/v1/marketplace/products", None).await;
    assert!(
        !listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["slug"] == product),
        "retired products leave the marketplace"
    );
}

async fn a_subscription_decides_which_scopes_a_token_may_carry(app: TestApp) {
    let admin = app.admin_token().await;
    let (partner, mileage) = app.subscribed(&ProductSpec::mileage()).await;
    let location = app.create_product(&ProductSpec::coarse_location()).await;
    assert_eq!(app.scopes_of(&partner).await, read_scopes(&[&mileage]));
    let token = app.partner_token(&partner).await;
    let request =
        json!({"product": location.slug, "version": location.version, "plan": location.plan});
    let res = app
        .call(
            Method::POST,
            "/v1/subscriptions",
            Some(&token),
            Some(request.clone()),
        )
        .await;
    assert_eq!(res.status(), 201);
    let sub: Value = res.json().await.unwrap();
    assert_eq!(sub["status"], "pending");
    let id = sub["id"].as_i64().unwrap();
    // Pending: nothing changes; asking twice is a conflict.
    assert_eq!(app.scopes_of(&partner).await, read_scopes(&[&mileage]));
    assert_eq!(
        app.call(
            Method::POST,
            "/v1/subscriptions",
            Some(&token),
            Some(request)
        )
        .await
        .status(),
        409
    );

    let decide = |decision: &'static str, reason: Option<&'static str>| {
        let body = json!({"decision": decision, "reason": reason});
        let path = format!("/admin/v1/subscriptions/{id}/decision");
        let admin = admin.clone();
        let app = &app;
        async move {
            app.call(Method::POST, &path, Some(&admin), Some(body))
                .await
        }
    };
    assert_eq!(decide("approve", None).await.status(), 200);
    assert_eq!(
        app.scopes_of(&partner).await,
        read_scopes(&[&location, &mileage])
    );
    assert_eq!(
        decide("suspend", None).await.status(),
        400,
        "suspending needs a reason"
    );
    assert_eq!(
        decide("suspend", Some("unpaid invoice")).await.status(),
        200
    );
    assert_eq!(app.scopes_of(&partner).await, read_scopes(&[&mileage]));
    assert_eq!(
        decide("approve", None).await.status(),
        409,
        "a suspended subscription is resumed, not approved"
    );
}

async fn metering_and_statements_match_the_calls_served(app: TestApp) {
    let spec = ProductSpec::charging();
    let world = app.consented(&spec).await;
    let (driver, partner) = (&world.driver, &world.partner);
    // A second consented car that has reported, and a third whose consent
    // the driver revoked.
    let second = app.create_vehicle(driver).await;
    app.grant_consent(driver, &second, partner, None).await;
    let now = chrono::Utc::now().timestamp_millis();
    app.report(&second, &spec.reported, now).await;
    let revoked = app.create_vehicle(driver).await;
    app.grant_consent(driver, &revoked, partner, None).await;
    app.revoke_on_portal(driver, partner, &revoked).await;

    let token = app.partner_token(partner).await;
    let (product, purpose) = world.product.asked_for();
    for vin in [&world.vin, &world.vin, &world.vin, &second] {
        let res = app.rest_latest(&token, vin, product, purpose).await;
        assert_eq!(res.status(), 200);
    }
    // A denied call is not metered.
    app.rest_latest(&token, &revoked, product, purpose).await;

    let admin = app.admin_token().await;
    let statement: Value = app.get_json("/admin/v1/statements", Some(&admin)).await;
    let line = statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["partner"] == partner.name.as_str())
        .expect("the partner's line")
        .clone();
    assert_eq!(line["calls"], 4, "{line}");
    assert_eq!(line["vehicles"], 2, "{line}");
    assert_eq!(line["amount_minor"], 0, "the standard plan is free");

    // The partner sees only its own lines, and CSV says the same.
    let own: Value = app.get_json("/v1/statements", Some(&token)).await;
    assert_eq!(own["lines"].as_array().unwrap().len(), 1);
    let csv = app.get("/v1/statements?format=csv", Some(&token)).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(
        row.contains(&format!(",{},", partner.name)) && row.ends_with(",4,0,2,0"),
        "{text}"
    );
}

async fn admin_endpoints_refuse_partner_tokens_and_anonymous_callers(app: TestApp) {
    let (partner, product) = app.subscribed(&ProductSpec::charging()).await;
    let partner = app.partner_token(&partner).await;
    let retire = format!("/admin/v1/products/{}/versions/1.0.0/retire", product.slug);
    let routes: [(Method, &str); 9] = [
        (Method::GET, "/admin/v1/products"),
        (Method::POST, "/admin/v1/products"),
        (Method::POST, &retire),
        (Method::POST, "/admin/v1/catalog/import"),
        (Method::GET, "/admin/v1/subscriptions"),
        (Method::POST, "/admin/v1/subscriptions/1/decision"),
        (Method::GET, "/admin/v1/statements"),
        (Method::GET, "/admin/v1/audit"),
        (Method::POST, "/admin/v1/partners"),
    ];
    for (method, path) in routes {
        let res = app
            .call(method.clone(), path, Some(&partner), Some(json!({})))
            .await;
        assert_eq!(res.status(), 403, "{method} {path} with a partner token");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "INSUFFICIENT_SCOPE", "{method} {path}");
        let res = app.call(method.clone(), path, None, Some(json!({}))).await;
        assert_eq!(res.status(), 401, "{method} {path} anonymous");
    }
    // And nothing was retired.
    let listed: Value = app.get_json("/v1/marketplace/products", None).await;
    let slugs: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["slug"])
        .collect();
    assert_eq!(slugs, [product.slug.as_str()]);
}

async fn the_marketplace_is_public_in_rest_and_graphql_and_hides_drafts(app: TestApp) {
    let admin = app.admin_token().await;
    new_product(&app, &admin).await;
    let mut published = Vec::new();
    for spec in [
        ProductSpec::charging(),
        ProductSpec::mileage(),
        ProductSpec::coarse_location(),
        ProductSpec::vehicle_access(),
    ] {
        published.push(app.create_product(&spec).await.slug);
    }
    let (charging, coarse) = (published[0].clone(), published[2].clone());
    published.sort();
    let rest: Value = app.get_json("/v1/marketplace/products", None).await;
    let slugs: Vec<&str> = rest
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, published);
    let ev = &rest[slugs.iter().position(|s| *s == charging).unwrap()];
    assert_eq!(
        ev["scopes"],
        json!([format!("read:{charging}"), format!("command:{charging}")])
    );
    assert_eq!(ev["plans"][0]["price_model"], "free");
    assert!(
        ev["versions"][0]["purposes"][0]["description"]
            .as_str()
            .unwrap()
            .len()
            > 10
    );

    let gql: Value = app
        .graphql(None, "{ catalog { products { slug versions { version terms { locationPrecisionKm } } plans { name } } } }", Value::Null)
        .await
        .json()
        .await
        .unwrap();
    let products = gql["data"]["catalog"]["products"].as_array().unwrap();
    assert_eq!(products.len(), 4, "{gql}");
    let coarse = products
        .iter()
        .find(|p| p["slug"] == coarse.as_str())
        .unwrap();
    assert_eq!(coarse["versions"][0]["terms"]["locationPrecisionKm"], 5.0);
}

async fn every_admin_change_is_audited_with_who_and_before_and_after(app: TestApp) {
    let admin = app.admin_token().await;
    new_product(&app, &admin).await;
    let spec = draft("1.0.0", &[SOC], &[]);
    app.call(Method::POST, VERSIONS, Some(&admin), Some(spec))
        .await;
    app.post(&format!("{VERSIONS}/1.0.0/publish"), Some(&admin))
        .await;
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
    deprecated_products_carry_deprecation_headers_and_retired_ones_serve_nothing,
    a_subscription_decides_which_scopes_a_token_may_carry,
    metering_and_statements_match_the_calls_served,
    admin_endpoints_refuse_partner_tokens_and_anonymous_callers,
    the_marketplace_is_public_in_rest_and_graphql_and_hides_drafts,
    every_admin_change_is_audited_with_who_and_before_and_after,
);
