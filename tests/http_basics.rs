//! Health, metrics, request ids, and the problem+json contract for every
//! error the HTTP layer can produce.

use serde_json::Value;
use vdx_tests::{TestApp, on_both_backends, problem};

async fn health_and_readiness_answer_ok(app: TestApp) {
    for path in ["/healthz", "/readyz"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
}

async fn metrics_count_requests_by_route_and_status(app: TestApp) {
    app.client.get(app.url("/healthz")).send().await.unwrap();
    app.client
        .get(app.url("/no/such/route"))
        .send()
        .await
        .unwrap();
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        text.contains(r#"vdx_http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(
        text.contains("vdx_http_request_duration_seconds_bucket"),
        "{text}"
    );
}

async fn a_request_id_is_echoed_or_generated(app: TestApp) {
    let res = app
        .get_with_header("/healthz", "x-request-id", "trace-abc-123")
        .await;
    assert_eq!(res.headers()["x-request-id"], "trace-abc-123");
    let res = app
        .get_with_header("/healthz", "x-request-id", "bad id with spaces")
        .await;
    let generated = res.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(generated, "bad id with spaces");
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
}

async fn an_unknown_route_is_a_404_problem(app: TestApp) {
    problem(
        app.client.get(app.url("/nope")).send().await.unwrap(),
        404,
        "NOT_FOUND",
    )
    .await;
}

async fn a_wrong_method_is_a_405_problem_with_allow(app: TestApp) {
    let res = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET");
    problem(res, 405, "METHOD_NOT_ALLOWED").await;
}

async fn malformed_graphql_json_is_a_400_problem(app: TestApp) {
    let res = app
        .post_raw("/graphql", "application/json", "{not json")
        .await;
    problem(res, 400, "MALFORMED_JSON").await;
}

async fn a_wrong_content_type_is_a_415_problem(app: TestApp) {
    let res = app.post_raw("/graphql", "text/plain", "{}").await;
    problem(res, 415, "UNSUPPORTED_MEDIA_TYPE").await;
}

async fn an_oversized_graphql_body_is_a_413_problem(app: TestApp) {
    let query = format!(r#"{{"query":"{{ {} }}"}}"#, "a ".repeat(2 * 1024 * 1024));
    let res = app.post_raw("/graphql", "application/json", query).await;
    problem(res, 413, "PAYLOAD_TOO_LARGE").await;
}

async fn a_bad_token_is_401_never_anonymous(app: TestApp) {
    let body = serde_json::json!({"query": "{ __typename }"});
    let res = app.graphql_request(Some("garbage"), &body).await;
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    problem(res, 401, "INVALID_TOKEN").await;
    let res = app
        .client
        .get(app.url(
            "/v1/vehicles/VDXE0000000000001/latest?product=ev-charging&purpose=smart_charging",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    problem(res, 401, "UNAUTHENTICATED").await;
}

async fn a_missing_query_parameter_is_a_400_problem(app: TestApp) {
    let token = app.partner_token(&app.create_partner().await).await;
    let res = app
        .get("/v1/vehicles/VDXE0000000000001/latest", Some(&token))
        .await;
    problem(res, 400, "INVALID_QUERY").await;
}

async fn graphql_depth_beyond_the_limit_is_refused(app: TestApp) {
    let token = app.partner_token(&app.create_partner().await).await;
    // Eleven levels of data fields; introspection has its own, larger limit
    // (see graphql_limits).
    let deep =
        "{ catalog { products { versions { terms { a { b { c { d { e { f { g } } } } } } } } } } }";
    let body: Value = app
        .graphql(Some(&token), deep, Value::Null)
        .await
        .json()
        .await
        .unwrap();
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("nested too deep"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP");
}

async fn pages_load_no_script_from_another_origin(app: TestApp) {
    for path in ["/graphql", "/docs/", "/admin", "/marketplace"] {
        let res = app.get_with_header(path, "accept", "text/html").await;
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("<script"), "{path} has scripts");
        for bad in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "cdn"] {
            assert!(
                !html.to_ascii_lowercase().contains(bad),
                "{path} references {bad}: {html}"
            );
        }
    }
    for asset in [
        "graphiql-vdx.js",
        "graphiql-vdx.css",
        "admin.js",
        "marketplace.js",
        "vdx.css",
    ] {
        let res = app.get(&format!("/assets/{asset}"), None).await;
        assert_eq!(res.status(), 200, "{asset}");
        // The SVG namespace is a name, not a fetch.
        let text = res
            .text()
            .await
            .unwrap()
            .replace("http://www.w3.org/2000/svg", "");
        assert!(
            !text.contains("https://") && !text.contains("http://"),
            "{asset} reaches out to another origin"
        );
    }
    // GraphiQL and React, from the npm registry at build time, served here.
    for bundle in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ] {
        let res = app.get(&format!("/assets/{bundle}"), None).await;
        assert_eq!(res.status(), 200, "{bundle}");
        assert!(
            res.bytes().await.unwrap().len() > 10_000,
            "{bundle} is the real bundle"
        );
    }
    let res = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(
        res.status(),
        200,
        "Swagger UI is served from the vendored bundle"
    );
}

on_both_backends!(
    health_and_readiness_answer_ok,
    metrics_count_requests_by_route_and_status,
    a_request_id_is_echoed_or_generated,
    an_unknown_route_is_a_404_problem,
    a_wrong_method_is_a_405_problem_with_allow,
    malformed_graphql_json_is_a_400_problem,
    a_wrong_content_type_is_a_415_problem,
    an_oversized_graphql_body_is_a_413_problem,
    a_bad_token_is_401_never_anonymous,
    a_missing_query_parameter_is_a_400_problem,
    graphql_depth_beyond_the_limit_is_refused,
    pages_load_no_script_from_another_origin,
);

/// Settings made per SQLite connection reach every pooled connection, not
/// only the one that happened to run a PRAGMA.
#[tokio::test]
async fn every_pooled_sqlite_connection_is_durable_and_waits_when_busy() {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/pool.db?mode=rwc", dir.path().display());
    let db = vdx_gateway::db::connect(&url, 4).await.unwrap();
    // Open transactions pin distinct connections of the pool.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(db.begin().await.unwrap());
    }
    for txn in &held {
        let pragma = |name: &str| Statement::from_string(txn.get_database_backend(), name);
        let value = |row: Option<sea_orm::QueryResult>| -> String {
            let row = row.unwrap();
            row.try_get_by_index::<i64>(0)
                .map(|n| n.to_string())
                .or_else(|_| row.try_get_by_index::<String>(0))
                .unwrap()
        };
        let sync = value(
            txn.query_one_raw(pragma("PRAGMA synchronous"))
                .await
                .unwrap(),
        );
        let busy = value(
            txn.query_one_raw(pragma("PRAGMA busy_timeout"))
                .await
                .unwrap(),
        );
        let journal = value(
            txn.query_one_raw(pragma("PRAGMA journal_mode"))
                .await
                .unwrap(),
        );
        assert_eq!(
            (sync.as_str(), busy.as_str(), journal.as_str()),
            ("2", "5000", "wal")
        );
    }
}
