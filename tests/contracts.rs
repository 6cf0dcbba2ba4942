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

/// A documented path with its parameters filled in.
fn probe_path(path: &str) -> String {
    let known = path
        .replace("{vin}", "VDXT0000000000001")
        .replace("{slug}", "some-product")
        .replace("{version}", "1.0.0")
        .replace("{id}", "1");
    // Any other parameter gets a placeholder; the handler may refuse it, but
    // the route must take it.
    let mut out = String::new();
    let mut rest = known.as_str();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        out.push_str(&rest[..open]);
        out.push_str("probe");
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The document is generated from the same registration that routes the
/// REST API (`vdx_gateway::routes::rest`), and a REST handler without
/// `#[utoipa::path]` cannot be registered there (compile-fail doctest). This
/// test checks the served routing against the served document: every
/// documented operation is routed with its method, every other method on a
/// documented path is a 405 whose `Allow` lists exactly the documented ones,
/// and the routes that are not REST are served but not documented.
#[tokio::test]
async fn every_routed_rest_endpoint_is_in_the_openapi_document() {
    let app = vdx_tests::spawn_app(vdx_tests::Backend::Sqlite).await;
    let served = app.get_json("/openapi.json", None).await;
    let generated: serde_json::Value =
        serde_json::from_str(&vdx_gateway::openapi::document().unwrap()).unwrap();
    assert!(
        served == generated,
        "the served document is not the generated one"
    );
    let paths = served["paths"].as_object().unwrap();
    let documented: Vec<&str> = paths.keys().map(String::as_str).collect();
    // Endpoints clients depend on: removing one from the API is a breaking
    // change, so it must be deliberate (adding one needs no edit here).
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
    }
    let all_methods = ["GET", "PUT", "POST", "DELETE", "PATCH"];
    for (route, item) in paths {
        let probe = probe_path(route);
        let methods: Vec<&str> = all_methods
            .into_iter()
            .filter(|m| item.get(m.to_lowercase()).is_some())
            .collect();
        assert!(!methods.is_empty(), "{route} has no operation");
        for method in &methods {
            let res = app.call(method.parse().unwrap(), &probe, None, None).await;
            let status = res.status();
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            assert!(
                status != 405 && body["detail"] != "no route matches this path",
                "{method} {route} is documented but not routed ({status})"
            );
        }
        for method in all_methods.iter().filter(|m| !methods.contains(m)) {
            let res = app.call(method.parse().unwrap(), &probe, None, None).await;
            assert_eq!(res.status(), 405, "{method} {route}");
            assert_eq!(
                res.headers()["allow"],
                methods.join(", ").as_str(),
                "{method} {route}"
            );
        }
    }
    // Routed, but not REST, so not in the document (`startup::not_rest`).
    for page in [
        "/",
        "/admin",
        "/marketplace",
        "/graphql",
        "/portal",
        "/oauth/authorize",
        "/docs",
    ] {
        assert!(!documented.contains(&page), "{page} is documented");
        let res = app.get(page, None).await;
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        assert!(
            body["detail"] != "no route matches this path",
            "{page} is not routed"
        );
    }
}
