//! Automatic Persisted Queries: a client sends only the SHA-256 of a query it
//! registered before; an unknown hash gets `PERSISTED_QUERY_NOT_FOUND`. The
//! same query text sent again is served from the parsed-document cache.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vdx_tests::{TestApp, on_both_backends};

const QUERY: &str = "query($vin: String!) { vehicle(vin: $vin, product: \"ev-charging\", purpose: \"smart_charging\") { vin latest { signals { path } } } }";

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_persisted_query_is_registered_once_then_sent_by_hash(app: TestApp) {
    let token = app.token_for("Voltwise Energy").await;
    let vin = app.creds.examples.consented.vin.clone();
    let hash = format!("{:x}", Sha256::digest(QUERY.as_bytes()));
    let by_hash = json!({
        "variables": {"vin": vin},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}},
    });
    let unknown = post(&app, &token, by_hash.clone()).await;
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "{unknown}"
    );
    let mut register = by_hash.clone();
    register["query"] = json!(QUERY);
    let first = post(&app, &token, register).await;
    assert_eq!(first["data"]["vehicle"]["vin"], vin.as_str(), "{first}");
    let again = post(&app, &token, by_hash).await;
    assert_eq!(again["data"]["vehicle"]["vin"], vin.as_str(), "{again}");
    // The plain query text twice: the second is parsed from the cache, same answer.
    let plain = json!({"query": QUERY, "variables": {"vin": vin}});
    let a = post(&app, &token, plain.clone()).await;
    let b = post(&app, &token, plain).await;
    assert_eq!(a["data"]["vehicle"]["vin"], b["data"]["vehicle"]["vin"]);
    assert!(b["errors"].is_null(), "{b}");
}

/// Each hash runs its own document, however many are registered (the
/// parsed-document cache must not answer one persisted query for another).
async fn each_persisted_query_runs_its_own_document(app: TestApp) {
    let token = app.token_for("Voltwise Energy").await;
    let queries: Vec<String> = (0..3).map(|i| format!("{{ q{i}: __typename }}")).collect();
    let by_hash = |query: &str| json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": format!("{:x}", Sha256::digest(query.as_bytes()))}}});
    for query in &queries {
        let mut register = by_hash(query);
        register["query"] = json!(query);
        post(&app, &token, register).await;
    }
    for (i, query) in queries.iter().enumerate() {
        let answer = post(&app, &token, by_hash(query)).await;
        assert_eq!(
            answer["data"],
            json!({ format!("q{i}"): "Query" }),
            "{query} answered {answer}"
        );
    }
}

on_both_backends!(
    a_persisted_query_is_registered_once_then_sent_by_hash,
    each_persisted_query_runs_its_own_document,
);
