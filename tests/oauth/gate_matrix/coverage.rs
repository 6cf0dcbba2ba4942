//! What the gateway exposes to partners, read from what it serves: the
//! operations of `/openapi.json` outside the admin, OAuth, discovery, portal
//! and operations paths, and by introspection every field of `Query` and
//! `Mutation` plus every field with arguments of the object types reachable
//! from them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use vdx_tests::TestApp;

/// Paths that are not the partner API.
const NOT_PARTNER: [&str; 4] = ["/admin/", "/oauth/", "/.well-known/", "/portal"];
const OPERATIONS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Partner REST operations: operation id → (METHOD, path template).
pub async fn rest_operations(app: &TestApp) -> BTreeMap<String, (String, String)> {
    let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if NOT_PARTNER.iter().any(|p| path.starts_with(p)) || OPERATIONS.contains(&path.as_str()) {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            let previous = ops.insert(id.to_owned(), (method.to_uppercase(), path.clone()));
            assert!(previous.is_none(), "operationId {id} is used twice");
        }
    }
    ops
}

const INTROSPECTION: &str = "{ __schema { queryType { name } mutationType { name } types { name kind fields(includeDeprecated: true) { name args { name } type { ...Ref } } } } } fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// The named type under list and non-null wrappers.
fn named(mut ty: &Value) -> &str {
    while ty["name"].is_null() {
        ty = &ty["ofType"];
    }
    ty["name"].as_str().unwrap()
}

/// Partner GraphQL fields, as `Type.field`.
pub async fn graphql_fields(app: &TestApp) -> BTreeSet<String> {
    let res = app.graphql(None, INTROSPECTION, json!({})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    let schema = &body["data"]["__schema"];
    let types: BTreeMap<&str, &Value> = schema["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t))
        .collect();
    let roots: Vec<&str> = [&schema["queryType"], &schema["mutationType"]]
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut fields = BTreeSet::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut queue: Vec<&str> = roots.clone();
    while let Some(name) = queue.pop() {
        if !seen.insert(name) {
            continue;
        }
        let ty = types[name];
        for field in ty["fields"].as_array().into_iter().flatten() {
            let field_name = field["name"].as_str().unwrap();
            if roots.contains(&name) || !field["args"].as_array().unwrap().is_empty() {
                fields.insert(format!("{name}.{field_name}"));
            }
            let returns = named(&field["type"]);
            if types[returns]["kind"] == "OBJECT" && !returns.starts_with("__") {
                queue.push(returns);
            }
        }
    }
    fields
}
