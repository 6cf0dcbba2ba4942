//! Automatic Persisted Queries: a client sends only the SHA-256 of a query it
//! registered before; an unknown hash gets `PERSISTED_QUERY_NOT_FOUND`. The
//! same query text sent again is served from the parsed-document cache.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, on_both_backends};

const QUERY: &str = "query($vin: String!, $product: String!, $purpose: String!) { vehicle(vin: $vin, product: $product, purpose: $purpose) { vin latest { signals { path } } } }";

const HITS: &str = "vdx_graphql_document_cache_hits_total";
const MISSES: &str = "vdx_graphql_document_cache_misses_total";

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app.graphql_request(Some(token), &body).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_persisted_query_is_registered_once_then_sent_by_hash(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let vin = world.vin.clone();
    let variables =
        json!({"vin": vin, "product": world.product.slug, "purpose": world.product.purpose});
    let hash = format!("{:x}", Sha256::digest(QUERY.as_bytes()));
    let by_hash = json!({
        "variables": variables,
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
    // The plain query text twice: the second is parsed from the cache, same
    // answer. The cache's counters on /metrics show it was used.
    let plain = json!({"query": QUERY, "variables": variables});
    let a = post(&app, &token, plain.clone()).await;
    let (hits, misses) = (
        app.metric(HITS).await.unwrap_or(0.0),
        app.metric(MISSES).await.unwrap_or(0.0),
    );
    let b = post(&app, &token, plain).await;
    assert_eq!(a["data"]["vehicle"]["vin"], b["data"]["vehicle"]["vin"]);
    assert!(b["errors"].is_null(), "{b}");
    assert_eq!(
        app.metric(HITS).await,
        Some(hits + 1.0),
        "the second plain query was not served from the parsed-document cache"
    );
    assert_eq!(app.metric(MISSES).await.unwrap_or(0.0), misses);
}

/// Each hash runs its own document, however many are registered (the
/// parsed-document cache must not answer one persisted query for another).
async fn each_persisted_query_runs_its_own_document(app: TestApp) {
    let token = app.partner_token(&app.create_partner().await).await;
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
