//! Catalog and marketplace: VSS import, publishing rules, lifecycle and
//! immutability, subscriptions shaping token scopes, metering, BFLA.

use reqwest::Method;
use serde_json::{Value, json};
use vdx_tests::{TestApp, on_both_backends_in_demo_world};

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

async fn new_product(app: &TestApp, token: &str, slug: &str) {
    let res = app
        .call(Method::POST, "/admin/v1/products", Some(token), Some(json!({"slug": slug, "name": "Battery health", "description": "d", "category": "energy"})))
        .await;
    assert_eq!(res.status(), 201);
}

async fn importing_the_real_vss_export_then_a_newer_release_reports_what_changed(app: TestApp) {
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
    let token = app.token_for("Milesure Insurance").await;
    let bob = app.demo_driver("bob");
    let body = app
        .vehicle_latest(
            &token,
            &bob.vehicles[0],
            "mileage-driving",
            "usage_based_insurance",
        )
        .await;
    let paths: Vec<&str> = body["data"]["vehicle"]["latest"]["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"Vehicle.Speed"), "{body}");
}

async fn an_invalid_vss_file_names_the_node_and_imports_nothing(app: TestApp) {
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
    new_product(&app, &token, "battery-health").await;
    let res = app
        .call(
            Method::POST,
            "/admin/v1/products/battery-health/versions",
            Some(&token),
            Some(draft(
                "1.0.0",
                &[
                    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
                    "Vehicle.Made.Up",
                    "Vehicle.Also.Invented",
                ],
                &["Vehicle.Speed"],
            )),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post(
            "/admin/v1/products/battery-health/versions/1.0.0/publish",
            Some(&token),
        )
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
            .any(|e| e.contains("Vehicle.Speed") && e.contains("actuator"))
    );
    // A syntactically invalid path is refused already at drafting, named.
    let res = app
        .call(
            Method::POST,
            "/admin/v1/products/battery-health/versions",
            Some(&token),
            Some(draft("1.1.0", &["Vehicle..Bad"], &[])),
        )
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

async fn a_published_version_is_immutable_and_the_lifecycle_runs_one_way(app: TestApp) {
    let token = app.admin_token().await;
    new_product(&app, &token, "battery-health").await;
    let spec = draft(
        "1.0.0",
        &["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"],
        &["Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit"],
    );
    assert_eq!(
        app.call(
            Method::POST,
            "/admin/v1/products/battery-health/versions",
            Some(&token),
            Some(spec.clone())
        )
        .await
        .status(),
        201
    );
    // Drafts can change; retiring a draft cannot happen.
    assert_eq!(
        app.call(
            Method::PUT,
            "/admin/v1/products/battery-health/versions/1.0.0",
            Some(&token),
            Some(spec.clone())
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.call(
            Method::POST,
            "/admin/v1/products/battery-health/versions/1.0.0/retire",
            Some(&token),
            None
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        app.call(
            Method::POST,
            "/admin/v1/products/battery-health/versions/1.0.0/publish",
            Some(&token),
            None
        )
        .await
        .status(),
        200
    );
    // Published: immutable.
    let res = app
        .call(
            Method::PUT,
            "/admin/v1/products/battery-health/versions/1.0.0",
            Some(&token),
            Some(spec.clone()),
        )
        .await;
    assert_eq!(res.status(), 409);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "CONFLICT");
    // A new version must be newer.
    assert_eq!(
        app.call(
            Method::POST,
            "/admin/v1/products/battery-health/versions",
            Some(&token),
            Some(spec)
        )
        .await
        .status(),
        409
    );
    // Deprecation needs a future sunset.
    let past = json!({"sunset_at": "2020-01-01T00:00:00Z"});
    assert_eq!(
        app.call(
            Method::POST,
            "/admin/v1/products/battery-health/versions/1.0.0/deprecate",
            Some(&token),
            Some(past)
        )
        .await
        .status(),
        400
    );
}

async fn deprecated_products_carry_deprecation_headers_and_retired_ones_serve_nothing(
    app: TestApp,
) {
    let admin = app.admin_token().await;
    let sunset = json!({"sunset_at": "2030-06-30T00:00:00Z"});
    let res = app
        .call(
            Method::POST,
            "/admin/v1/products/ev-charging/versions/1.0.0/deprecate",
            Some(&admin),
            Some(sunset),
        )
        .await;
    assert_eq!(res.status(), 200);
    let token = app.token_for("Voltwise Energy").await;
    let vin = app.creds.examples.consented.vin.clone();
    let res = app
        .rest_latest(&token, &vin, "ev-charging", "smart_charging")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["sunset"], "Sun, 30 Jun 2030 00:00:00 GMT");
    assert!(
        res.headers()["deprecation"]
            .to_str()
            .unwrap()
            .starts_with('@')
    );
    let gql = app.graphql(Some(&token), r#"query($vin: String!) { vehicle(vin: $vin, product: "ev-charging", purpose: "smart_charging") { vin } }"#, json!({"vin": vin})).await;
    assert_eq!(gql.headers()["sunset"], "Sun, 30 Jun 2030 00:00:00 GMT");

    assert_eq!(
        app.call(
            Method::POST,
            "/admin/v1/products/ev-charging/versions/1.0.0/retire",
            Some(&admin),
            None
        )
        .await
        .status(),
        200
    );
    let res = app
        .rest_latest(&token, &vin, "ev-charging", "smart_charging")
        .await;
    assert_eq!(res.status(), 410);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "PRODUCT_RETIRED");
    let listed: Value = app.get_json("/v1/marketplace/products", None).await;
    assert!(
        !listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["slug"] == "ev-charging"),
        "retired products leave the marketplace"
    );
}

async fn a_subscription_decides_which_scopes_a_token_may_carry(app: TestApp) {
    let admin = app.admin_token().await;
    assert_eq!(
        app.scopes_of("Milesure Insurance").await,
        "read:mileage-driving"
    );
    let partner = app.token_for("Milesure Insurance").await;
    let request = json!({"product": "coarse-location", "version": "1.0.0", "plan": "standard"});
    let res = app
        .call(
            Method::POST,
            "/v1/subscriptions",
            Some(&partner),
            Some(request.clone()),
        )
        .await;
    assert_eq!(res.status(), 201);
    let sub: Value = res.json().await.unwrap();
    assert_eq!(sub["status"], "pending");
    let id = sub["id"].as_i64().unwrap();
    // Pending: nothing changes; asking twice is a conflict.
    assert_eq!(
        app.scopes_of("Milesure Insurance").await,
        "read:mileage-driving"
    );
    assert_eq!(
        app.call(
            Method::POST,
            "/v1/subscriptions",
            Some(&partner),
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
        app.scopes_of("Milesure Insurance").await,
        "read:coarse-location read:mileage-driving"
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
    assert_eq!(
        app.scopes_of("Milesure Insurance").await,
        "read:mileage-driving"
    );
    assert_eq!(
        decide("approve", None).await.status(),
        409,
        "a suspended subscription is resumed, not approved"
    );
}

async fn metering_and_statements_match_the_calls_served(app: TestApp) {
    let token = app.token_for("Voltwise Energy").await;
    let alice = app.demo_driver("alice");
    let evs: Vec<&String> = alice
        .vehicles
        .iter()
        .filter(|v| v.starts_with("VDXE"))
        .take(2)
        .collect();
    for vin in [evs[0], evs[0], evs[0], evs[1]] {
        let res = app
            .rest_latest(&token, vin, "ev-charging", "smart_charging")
            .await;
        assert_eq!(res.status(), 200);
    }
    // A denied call is not metered.
    app.rest_latest(
        &token,
        &app.creds.examples.revoked.vin,
        "ev-charging",
        "smart_charging",
    )
    .await;

    let admin = app.admin_token().await;
    let statement: Value = app.get_json("/admin/v1/statements", Some(&admin)).await;
    let line = statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["partner"] == "Voltwise Energy")
        .expect("voltwise line")
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
        row.contains(",Voltwise Energy,") && row.ends_with(",4,0,2,0"),
        "{text}"
    );
}

async fn admin_endpoints_refuse_partner_tokens_and_anonymous_callers(app: TestApp) {
    let partner = app.token_for("Voltwise Energy").await;
    let routes: [(Method, &str); 9] = [
        (Method::GET, "/admin/v1/products"),
        (Method::POST, "/admin/v1/products"),
        (
            Method::POST,
            "/admin/v1/products/ev-charging/versions/1.0.0/retire",
        ),
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
    assert_eq!(listed.as_array().unwrap().len(), 4);
}

async fn the_marketplace_is_public_in_rest_and_graphql_and_hides_drafts(app: TestApp) {
    let admin = app.admin_token().await;
    new_product(&app, &admin, "battery-health").await;
    let rest: Value = app.get_json("/v1/marketplace/products", None).await;
    let slugs: Vec<&str> = rest
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        [
            "coarse-location",
            "ev-charging",
            "mileage-driving",
            "vehicle-access"
        ]
    );
    let ev = &rest[1];
    assert_eq!(
        ev["scopes"],
        json!(["read:ev-charging", "command:ev-charging"])
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
    assert_eq!(
        products[0]["versions"][0]["terms"]["locationPrecisionKm"],
        5.0
    );
}

async fn every_admin_change_is_audited_with_who_and_before_and_after(app: TestApp) {
    let admin = app.admin_token().await;
    new_product(&app, &admin, "battery-health").await;
    let spec = draft(
        "1.0.0",
        &["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"],
        &[],
    );
    app.call(
        Method::POST,
        "/admin/v1/products/battery-health/versions",
        Some(&admin),
        Some(spec),
    )
    .await;
    app.call(
        Method::POST,
        "/admin/v1/products/battery-health/versions/1.0.0/publish",
        Some(&admin),
        None,
    )
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

on_both_backends_in_demo_world!(
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
