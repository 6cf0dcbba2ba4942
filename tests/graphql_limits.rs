//! The shape limits of partner GraphQL documents and the codes of GraphQL
//! errors: introspection has its own depth limit (tools send the standard
//! introspection query), data queries keep theirs, aliases and directives are
//! bounded per document, `__typename` counts, and every error carries a
//! stable UPPER_SNAKE `extensions.code`.

use serde_json::{Value, json};
use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, on_both_backends};

/// The introspection query graphql-js 16.15's `getIntrospectionQuery`
/// builds, as tools send it. `all_options: false` is its default, what
/// GraphiQL, graphql-codegen, Postman and Apollo tools send; `true` turns
/// every option on (deprecated arguments and input fields, the schema's
/// description, `isRepeatable`, `specifiedByURL`), as newer tools send it.
fn introspection_query(all_options: bool) -> String {
    let on = |text: &'static str| if all_options { text } else { "" };
    let deprecated = on("(includeDeprecated: true)");
    // Nine levels of `ofType`, as graphql-js asks.
    let mut of_type = String::from("name kind");
    for _ in 0..8 {
        of_type = format!("name kind ofType {{ {of_type} }}");
    }
    format!(
        "query IntrospectionQuery {{ __schema {{ {description} \
           queryType {{ name kind }} mutationType {{ name kind }} subscriptionType {{ name kind }} \
           types {{ ...FullType }} \
           directives {{ name description {repeatable} locations args{deprecated} {{ ...InputValue }} }} }} }} \
         fragment FullType on __Type {{ kind name description {specified_by} \
           fields(includeDeprecated: true) {{ name description args{deprecated} {{ ...InputValue }} \
             type {{ ...TypeRef }} isDeprecated deprecationReason }} \
           inputFields{deprecated} {{ ...InputValue }} interfaces {{ ...TypeRef }} \
           enumValues(includeDeprecated: true) {{ name description isDeprecated deprecationReason }} \
           possibleTypes {{ ...TypeRef }} }} \
         fragment InputValue on __InputValue {{ name description type {{ ...TypeRef }} defaultValue {input_deprecation} }} \
         fragment TypeRef on __Type {{ kind name ofType {{ {of_type} }} }}",
        description = on("description"),
        repeatable = on("isRepeatable"),
        specified_by = on("specifiedByURL"),
        input_deprecation = on("isDeprecated deprecationReason"),
    )
}

async fn ask(app: &TestApp, body: Value) -> Value {
    let res = app.graphql_request(None, &body).await;
    assert_eq!(res.status(), 200, "{body}");
    res.json().await.unwrap()
}

async fn query(app: &TestApp, text: &str) -> Value {
    ask(app, json!({ "query": text })).await
}

/// The codes of a response's errors; fails if any error has none.
fn codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {response}"))
        .iter()
        .map(|e| {
            let code = e["extensions"]["code"]
                .as_str()
                .unwrap_or_else(|| panic!("an error without a code: {e}"));
            assert!(
                !code.is_empty()
                    && code
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "not UPPER_SNAKE: {code}"
            );
            code.to_owned()
        })
        .collect()
}

fn nested(depth: usize) -> String {
    let mut q = String::from("leaf");
    for i in 1..depth {
        q = format!("f{i} {{ {q} }}");
    }
    format!("{{ {q} }}")
}

async fn the_standard_introspection_query_loads_the_schema(app: TestApp) {
    for all_options in [false, true] {
        let body = query(&app, &introspection_query(all_options)).await;
        assert!(body.get("errors").is_none(), "{body}");
        let schema = &body["data"]["__schema"];
        assert_eq!(schema["queryType"]["name"], "Query", "{body}");
        let types = schema["types"].as_array().unwrap();
        for name in ["Query", "Mutation", "VehicleData", "Product"] {
            assert!(
                types.iter().any(|t| t["name"] == name),
                "{name} missing from the introspection"
            );
        }
    }
}

async fn data_queries_keep_their_depth_limit_and_introspection_its_own(app: TestApp) {
    // Ten levels of fields pass the depth check (and then fail validation:
    // the fields do not exist); eleven and twelve are too deep.
    assert_eq!(
        codes(&query(&app, &nested(10)).await),
        ["GRAPHQL_VALIDATION_FAILED"]
    );
    for depth in [11, 12] {
        let body = query(&app, &nested(depth)).await;
        assert_eq!(codes(&body), ["QUERY_TOO_DEEP"], "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("nested too deep"),
            "{body}"
        );
    }
    // A data field under an introspection field is still introspection (and
    // invalid); an absurdly deep introspection query is refused.
    let mut of_type = String::from("name");
    for _ in 0..30 {
        of_type = format!("ofType {{ {of_type} }}");
    }
    let absurd = format!("{{ __schema {{ types {{ fields {{ type {{ {of_type} }} }} }} }} }}");
    assert_eq!(codes(&query(&app, &absurd).await), ["QUERY_TOO_DEEP"]);
    // Fragments count where they are spread.
    let via_fragment = format!(
        "query {{ ...Deep }} fragment Deep on Query {{ {} }}",
        nested(11).trim_start_matches('{').trim_end_matches('}')
    );
    assert_eq!(codes(&query(&app, &via_fragment).await), ["QUERY_TOO_DEEP"]);
}

async fn alias_and_directive_floods_are_refused_before_execution(app: TestApp) {
    let aliases: Vec<String> = (0..1000).map(|i| format!("a{i}: __typename")).collect();
    let body = query(&app, &format!("{{ {} }}", aliases.join(" "))).await;
    assert_eq!(codes(&body), ["TOO_MANY_ALIASES"], "{body}");
    assert!(body["data"].is_null(), "nothing is executed: {body}");
    // Thirty aliases are fine.
    let body = query(&app, &format!("{{ {} }}", aliases[..30].join(" "))).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["a29"], "Query");
    // Aliases in a fragment count each time it is spread.
    let fragment_aliases: Vec<String> = (0..10).map(|i| format!("x{i}: __typename")).collect();
    let spread = format!(
        "{{ catalog {{ a: products {{ ...P }} b: products {{ ...P }} c: products {{ ...P }} }} }} fragment P on Product {{ {} }}",
        fragment_aliases.join(" ")
    );
    assert_eq!(codes(&query(&app, &spread).await), ["TOO_MANY_ALIASES"]);

    let directives = "__typename @skip(if: false) ".repeat(60);
    let body = query(&app, &format!("{{ {directives} }}")).await;
    assert_eq!(codes(&body), ["TOO_MANY_DIRECTIVES"], "{body}");
    let body = query(
        &app,
        &format!("{{ {} }}", "__typename @skip(if: false) ".repeat(20)),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
}

async fn typename_counts_toward_complexity(app: TestApp) {
    // No aliases: the same field repeated merges into one answer, but each
    // occurrence is work the server does to validate and merge.
    let body = query(&app, &format!("{{ {} }}", "__typename ".repeat(600))).await;
    assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"], "{body}");
    let body = query(&app, &format!("{{ {} }}", "__typename ".repeat(100))).await;
    assert!(body.get("errors").is_none(), "{body}");
}

async fn every_graphql_error_has_a_specific_code(app: TestApp) {
    let slugs = "slug ".repeat(600);
    for (text, code) in [
        ("{ catalog { ", "GRAPHQL_PARSE_FAILED"),
        (
            "{ catalog { products { nope } } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (nested(12).as_str(), "QUERY_TOO_DEEP"),
        (
            &format!("{{ catalog {{ products {{ {slugs} }} }} }}"),
            "QUERY_TOO_COMPLEX",
        ),
    ] {
        let body = query(&app, text).await;
        assert_eq!(codes(&body), [code], "{text}: {body}");
    }
    // A set of bad requests: whatever goes wrong, every error has a code.
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    let bad = [
        json!({"query": "{"}),
        json!({"query": "query { catalog }"}),
        json!({"query": "{ catalog { products { slug(x: 1) } } }"}),
        json!({"query": "query A { catalog { products { slug } } } query B { __typename }"}),
        json!({"query": "query A { __typename } query B { __typename }", "operationName": "C"}),
        json!({"query": "query($n: Int!) { __typename }", "variables": {}}),
        json!({"query": "query($v: String!) { vehicle(vin: $v, product: \"ev-charging\", purpose: \"smart_charging\") { vin } }", "variables": {"v": 7}}),
        json!({"query": "{ vehicle(vin: \"x\", product: \"ev-charging\", purpose: \"smart_charging\") { vin } }"}),
        json!({"query": "subscription { __typename }"}),
        json!({"query": "{ ...Missing }"}),
        json!({"query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"}),
        json!({"query": "{ catalog @nope { products { slug } } }"}),
        json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00".repeat(32)}}}),
        json!({"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab".repeat(32)}}}),
        json!({"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 2}}}),
        json!({"query": "mutation { sendCommand(vin: \"x\", product: \"ev-charging\", purpose: \"smart_charging\", actuator: \"Vehicle\", value: 1) { id } }"}),
        json!({"query": "{ a: __typename a: catalog { products { slug } } }"}),
    ];
    for request in bad {
        let body = ask(&app, request.clone()).await;
        assert!(body["errors"].is_array(), "{request} is answered: {body}");
        assert!(!codes(&body).is_empty(), "{request}");
    }
    // With a token, a resolver's refusal has its code too.
    let res = app
        .graphql(
            Some(&token),
            "query($v: String!, $p: String!) { vehicle(vin: $v, product: $p, purpose: \"nope\") { vin } }",
            json!({"v": world.vin, "p": world.product.slug}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert!(!codes(&body).is_empty(), "{body}");
}

on_both_backends!(
    the_standard_introspection_query_loads_the_schema,
    data_queries_keep_their_depth_limit_and_introspection_its_own,
    alias_and_directive_floods_are_refused_before_execution,
    typename_counts_toward_complexity,
    every_graphql_error_has_a_specific_code,
);
