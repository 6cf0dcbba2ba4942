//! The checked-in contracts must match what the code generates. To update
//! them after an intended change: `VDX_UPDATE_CONTRACTS=1 cargo test -p vdx-tests contracts`.

use std::path::PathBuf;

fn check(file: &str, generated: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(file);
    if std::env::var_os("VDX_UPDATE_CONTRACTS").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{file} has drifted from the code. If the change is intended, run\n  VDX_UPDATE_CONTRACTS=1 cargo test -p vdx-tests contracts\nand commit {file}."
    );
}

#[test]
fn openapi_json_is_checked_in_and_current() {
    check("openapi.json", &vdx_gateway::openapi::document().unwrap());
}

#[test]
fn schema_graphql_is_checked_in_and_current() {
    check("schema.graphql", &vdx_gateway::graphql::sdl());
}

#[test]
fn the_openapi_document_is_version_3_1() {
    let doc: serde_json::Value =
        serde_json::from_str(&vdx_gateway::openapi::document().unwrap()).unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
}

#[tokio::test]
async fn every_routed_rest_endpoint_is_in_the_openapi_document() {
    let app = vdx_tests::spawn_app(vdx_tests::Backend::Sqlite).await;
    let served: serde_json::Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented: Vec<&str> = served["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // The REST routes registered in gateway/src/startup.rs (pages and GraphQL are not REST).
    for route in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/.well-known/oauth-authorization-server",
        "/.well-known/jwks.json",
        "/oauth/token",
        "/oauth/introspect",
        "/oauth/revoke",
        "/admin/v1/apps",
        "/admin/v1/apps/{client_id}/secret",
        "/v1/vehicles/{vin}/latest",
        "/v1/vehicles/{vin}/history",
        "/v1/ingest",
        "/v1/vehicles/{vin}/commands",
        "/v1/commands/{id}",
        "/v1/marketplace/products",
        "/v1/subscriptions",
        "/v1/statements",
        "/admin/v1/catalog/import",
        "/admin/v1/catalog/signals",
        "/admin/v1/products",
        "/admin/v1/products/{slug}",
        "/admin/v1/products/{slug}/versions",
        "/admin/v1/products/{slug}/versions/{version}",
        "/admin/v1/products/{slug}/versions/{version}/publish",
        "/admin/v1/products/{slug}/versions/{version}/deprecate",
        "/admin/v1/products/{slug}/versions/{version}/retire",
        "/admin/v1/products/{slug}/plans",
        "/admin/v1/subscriptions",
        "/admin/v1/subscriptions/{id}/decision",
        "/admin/v1/partners",
        "/admin/v1/statements",
        "/admin/v1/audit",
        "/admin/v1/vehicles/{vin}/owner",
        "/admin/v1/consents/{id}/revoke",
        "/v1/consents",
        "/v1/consents/{id}/revoke",
        "/v1/consents/{id}/receipt",
    ] {
        assert!(
            documented.contains(&route),
            "{route} is routed but not documented"
        );
        let probe = route
            .replace("{vin}", "VDXE0000000000001")
            .replace("{slug}", "ev-charging")
            .replace("{version}", "1.0.0")
            .replace("{id}", "1");
        let res = app.client.get(app.url(&probe)).send().await.unwrap();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        assert!(
            body["detail"] != "no route matches this path",
            "{route} is documented but not routed"
        );
    }
}
