//! The marketplace as partners meet it: deprecation headers and retired
//! products, subscriptions deciding a token's scopes, metering and
//! statements, admin endpoints refusing partners (BFLA), and the public
//! listing hiding drafts.

use reqwest::Method;
use serde_json::{Value, json};
use vdx_tests::world::{Product, ProductSpec};
use vdx_tests::{TestApp, on_both_backends};

use super::new_product;

/// The `read:` scopes of these products, as a token lists them (sorted).
fn read_scopes(products: &[&Product]) -> String {
    let mut scopes: Vec<String> = products
        .iter()
        .map(|p| format!("read:{}", p.slug))
        .collect();
    scopes.sort();
    scopes.join(" ")
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
    let res = app.request_subscription(&token, &location).await;
    assert_eq!(res.status(), 201);
    let sub: Value = res.json().await.unwrap();
    assert_eq!(sub["status"], "pending");
    let id = sub["id"].as_i64().unwrap();
    // Pending: nothing changes; asking twice is a conflict.
    assert_eq!(app.scopes_of(&partner).await, read_scopes(&[&mileage]));
    assert_eq!(
        app.request_subscription(&token, &location).await.status(),
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

on_both_backends!(
    deprecated_products_carry_deprecation_headers_and_retired_ones_serve_nothing,
    a_subscription_decides_which_scopes_a_token_may_carry,
    metering_and_statements_match_the_calls_served,
    admin_endpoints_refuse_partner_tokens_and_anonymous_callers,
    the_marketplace_is_public_in_rest_and_graphql_and_hides_drafts,
);
