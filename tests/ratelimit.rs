//! Rate limits and quotas of the subscription's plan: GCRA rate plus burst,
//! the daily quota, the per-vehicle daily budget; IETF RateLimit headers on
//! every served response and Retry-After on a 429; GraphQL charged by complexity.

use serde_json::{Value, json};
use vdx_tests::world::PlanSpec;
use vdx_tests::{TestApp, on_both_backends};

async fn served_responses_carry_ratelimit_headers_and_a_burst_ends_in_429(app: TestApp) {
    let (world, token) = app
        .consented_on_plan(PlanSpec::limits(1, 3, 1_000, None))
        .await;
    let (vin, (product, purpose)) = (&world.vin, world.product.asked_for());
    let first = app.rest_latest(&token, vin, product, purpose).await;
    assert_eq!(first.status(), 200);
    let policy = first.headers()["ratelimit-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("\"burst\";q=3;w=1"), "{policy}");
    assert!(policy.contains("\"daily\";q=1000;w=86400"), "{policy}");
    let state = first.headers()["ratelimit"].to_str().unwrap().to_owned();
    assert!(state.starts_with("\"burst\";r=2;t=0"), "{state}");
    let mut last = first;
    for _ in 0..5 {
        last = app.rest_latest(&token, vin, product, purpose).await;
        if last.status() == 429 {
            break;
        }
    }
    assert_eq!(last.status(), 429);
    let retry: u64 = last.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    assert!(
        last.headers()["ratelimit"]
            .to_str()
            .unwrap()
            .contains("r=0")
    );
    assert!(last.headers().contains_key("ratelimit-policy"));
    assert_eq!(last.headers()["content-type"], "application/problem+json");
    let body: Value = last.json().await.unwrap();
    assert_eq!(body["code"], "RATE_LIMITED");
}

async fn the_daily_quota_and_the_vehicle_budget_are_enforced(app: TestApp) {
    let (world, token) = app
        .consented_on_plan(PlanSpec::limits(100, 100, 3, Some(2)))
        .await;
    let (vin, (product, purpose)) = (&world.vin, world.product.asked_for());
    for _ in 0..2 {
        assert_eq!(
            app.rest_latest(&token, vin, product, purpose)
                .await
                .status(),
            200
        );
    }
    let res = app.rest_latest(&token, vin, product, purpose).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "VEHICLE_BUDGET_EXCEEDED"
    );
    // Another vehicle still has budget, but the subscription's day is then used up.
    let other = app.create_vehicle(&world.driver).await;
    app.grant_consent(&world.driver, &other, &world.partner, None)
        .await;
    let mut codes = Vec::new();
    for _ in 0..2 {
        let res = app.rest_latest(&token, &other, product, purpose).await;
        codes.push(res.status().as_u16());
        if res.status() == 429 {
            assert_eq!(
                res.json::<Value>().await.unwrap()["code"],
                "DAILY_QUOTA_EXCEEDED"
            );
        }
    }
    assert!(codes.contains(&429), "{codes:?}");
}

async fn graphql_requests_are_charged_by_their_complexity(app: TestApp) {
    let (world, token) = app
        .consented_on_plan(PlanSpec::limits(1, 40, 1_000, None))
        .await;
    let vars =
        json!({"vin": world.vin, "product": world.product.slug, "purpose": world.product.purpose});
    let small = "query($vin: String!, $product: String!, $purpose: String!) { vehicle(vin: $vin, product: $product, purpose: $purpose) { vin } }";
    let res = app.graphql(Some(&token), small, vars.clone()).await;
    assert_eq!(res.status(), 200);
    let state = res.headers()["ratelimit"].to_str().unwrap().to_owned();
    // Complexity 2 (vehicle + vin) out of a burst of 40.
    assert!(state.starts_with("\"burst\";r=38;"), "{state}");
    let fields: String = (0..12)
        .map(|i| format!("l{i}: latest {{ signals {{ path value observedAt }} withheld }} "))
        .collect();
    let big = format!(
        "query($vin: String!, $product: String!, $purpose: String!) {{ vehicle(vin: $vin, product: $product, purpose: $purpose) {{ {fields} }} }}"
    );
    let res = app.graphql(Some(&token), &big, vars).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{body}"
    );
}

on_both_backends!(
    served_responses_carry_ratelimit_headers_and_a_burst_ends_in_429,
    the_daily_quota_and_the_vehicle_budget_are_enforced,
    graphql_requests_are_charged_by_their_complexity,
);
