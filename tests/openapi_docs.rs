//! The OpenAPI document is enough to get a token: `/oauth/token` describes
//! its form body, and the security schemes include HTTP Basic (client
//! authentication) and an OAuth 2.0 client-credentials flow pointing at the
//! token endpoint, which Swagger UI's Authorize button uses.

use serde_json::Value;
use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, on_both_backends};

/// Follows a `$ref` into `components`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

async fn a_token_can_be_fetched_as_the_openapi_document_describes(app: TestApp) {
    let doc = app.get_json("/openapi.json", None).await;
    let body = &doc["paths"]["/oauth/token"]["post"]["requestBody"];
    let form = &body["content"]["application/x-www-form-urlencoded"]["schema"];
    assert!(!form.is_null(), "no form body for /oauth/token: {body}");
    let form = resolve(&doc, form);
    let properties = form["properties"].as_object().expect("form properties");
    for name in [
        "grant_type",
        "scope",
        "client_id",
        "client_secret",
        "code",
        "redirect_uri",
        "code_verifier",
        "refresh_token",
    ] {
        assert!(properties.contains_key(name), "{name} missing from {form}");
    }
    assert_eq!(
        form["required"],
        serde_json::json!(["grant_type"]),
        "{form}"
    );
    let grant_types = resolve(&doc, &properties["grant_type"])["enum"].clone();
    for grant in ["client_credentials", "authorization_code", "refresh_token"] {
        assert!(
            grant_types.as_array().unwrap().iter().any(|g| g == grant),
            "{grant} missing from {grant_types}"
        );
    }

    // The OAuth 2.0 flow Swagger UI's Authorize button follows.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        schemes["client_secret_basic"]["scheme"], "basic",
        "{schemes}"
    );
    let flow = &schemes["oauth2"]["flows"]["clientCredentials"];
    let token_url = flow["tokenUrl"].as_str().expect("a tokenUrl");
    assert_eq!(token_url, "/oauth/token");
    // A partner operation accepts the token the flow gets.
    let security = &doc["paths"]["/v1/consents"]["get"]["security"];
    assert!(
        security
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.get("oauth2").is_some()),
        "{security}"
    );

    // The request, built from the description: the form's grant_type, the
    // client authenticated by the form (client_secret_post) or Basic.
    let (partner, _) = app.subscribed(&ProductSpec::charging()).await;
    let form_post = [
        ("grant_type", "client_credentials"),
        ("client_id", partner.client_id.as_str()),
        ("client_secret", partner.client_secret.as_str()),
    ];
    let basic = app
        .client
        .post(app.url(token_url))
        .basic_auth(&partner.client_id, Some(&partner.client_secret))
        .form(&[("grant_type", "client_credentials")]);
    let post = app.client.post(app.url(token_url)).form(&form_post);
    for request in [basic, post] {
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), 200);
        let token: Value = res.json().await.unwrap();
        let access = token["access_token"].as_str().unwrap();
        let consents = app
            .client
            .get(app.url("/v1/consents"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        assert_eq!(consents.status(), 200);
    }
}

on_both_backends!(a_token_can_be_fetched_as_the_openapi_document_describes);
