//! A token from the authorization-code flow is bound to the driver who
//! authorised it: every partner endpoint that reaches consents (the list,
//! receipts, revocation, GraphQL's vehicle listing) sees only that driver's.

use oauth2::TokenResponse;
use reqwest::Method;
use serde_json::{Value, json};
use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, on_both_backends};

use super::support::*;

/// Consent ids in a page of `GET /v1/consents`.
async fn listed(app: &TestApp, token: &str) -> Vec<(i64, String)> {
    let res = app
        .call(Method::GET, "/v1/consents?limit=100", Some(token), None)
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["vin"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_driver_bound_token_reaches_only_that_drivers_consents(app: TestApp) {
    // Another driver consented to the app on the portal.
    let oauth = OAuth::new(&app).await;
    let (carol, carols_ev) = app.driver_with_car(&ProductSpec::charging().reported).await;
    let second = app.create_vehicle(&carol).await;
    let carols_cars = [carols_ev.clone(), second];
    let bound = driver_tokens(&app, &oauth.client, &oauth.scope(), &carol, &carols_ev).await;
    let bound = bound.access_token().secret().clone();
    // The app itself (client_credentials) sees every consent drivers gave it.
    let app_token = app.partner_token(&oauth.world.partner).await;
    let everyone = listed(&app, &app_token).await;
    let others: Vec<i64> = everyone
        .iter()
        .filter(|(_, vin)| !carols_cars.contains(vin))
        .map(|(id, _)| *id)
        .collect();
    assert!(!others.is_empty(), "other drivers consented to the app");

    let carols = listed(&app, &bound).await;
    assert!(!carols.is_empty());
    assert!(
        carols.iter().any(|(_, vin)| *vin == carols_ev),
        "{carols:?}"
    );
    assert!(
        carols.iter().all(|(_, vin)| carols_cars.contains(vin)),
        "{carols:?}"
    );

    let graphql = app
        .graphql(Some(&bound), "{ vehicles { nodes { vin } } }", json!({}))
        .await;
    let body: Value = graphql.json().await.unwrap();
    let vins: Vec<&str> = body["data"]["vehicles"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["vin"].as_str().unwrap())
        .collect();
    assert!(
        vins.iter().all(|v| carols_cars.iter().any(|c| c == v)),
        "{body}"
    );

    let other = others[0];
    let receipt = app
        .get(&format!("/v1/consents/{other}/receipt"), Some(&bound))
        .await;
    assert_eq!(receipt.status(), 404);
    let revoke = app
        .post(&format!("/v1/consents/{other}/revoke"), Some(&bound))
        .await;
    assert_eq!(revoke.status(), 404);
    // The other driver's consent is untouched, and the answers match an unknown id.
    let unknown = app
        .get("/v1/consents/999999999/receipt", Some(&bound))
        .await;
    assert_eq!(unknown.status(), 404);
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(unknown["code"], "NOT_FOUND");
    let still = app
        .get(&format!("/v1/consents/{other}/receipt"), Some(&app_token))
        .await;
    assert_eq!(still.status(), 200);
    assert!(
        listed(&app, &app_token)
            .await
            .iter()
            .any(|(id, _)| *id == other),
        "the other consent still exists"
    );
    let res = app.get("/v1/consents?limit=100", Some(&app_token)).await;
    let body: Value = res.json().await.unwrap();
    let status = body["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == other)
        .map(|c| c["status"].clone());
    assert_ne!(status, Some(json!("revoked_by_partner")));
}

on_both_backends!(a_driver_bound_token_reaches_only_that_drivers_consents);
