//! The edge of the gateway: the landing page at `/`, the problem+json 404 of
//! unknown paths, and the errors actix-http raises before the app sees a
//! request (oversized or malformed request heads, slow clients).

use serde_json::Value;
use vdx_tests::{TestApp, on_both_backends};

async fn the_landing_page_says_what_vdx_is_and_links_every_surface(app: TestApp) {
    let res = app
        .client
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(html.contains("connected-car data"), "{html}");
    assert!(html.contains(r#"href="/assets/vdx.css""#), "{html}");
    for link in ["/marketplace", "/docs/", "/graphql", "/portal", "/admin"] {
        assert!(html.contains(&format!(r#"href="{link}""#)), "no link to {link}");
        let page = app.client.get(app.url(link)).send().await.unwrap();
        assert!(
            page.status().is_success() || page.status().is_redirection(),
            "{link} answers {}",
            page.status()
        );
    }
    for bad in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!html.contains(bad), "the page reaches out: {bad}");
    }
}

async fn unknown_paths_are_404_problems_whatever_the_method(app: TestApp) {
    for (method, path) in [
        (reqwest::Method::GET, "/no/such/page"),
        (reqwest::Method::POST, "/v1/nothing-here"),
        (reqwest::Method::DELETE, "/admin/v1/nothing"),
        (reqwest::Method::GET, "/assets/no-such-asset.js"),
    ] {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{method} {path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{method} {path}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "NOT_FOUND", "{body}");
        assert_eq!(body["status"], 404, "{body}");
        for key in ["type", "title", "detail", "request_id"] {
            assert!(body[key].is_string(), "{key} missing in {body}");
        }
    }
}

on_both_backends!(
    the_landing_page_says_what_vdx_is_and_links_every_surface,
    unknown_paths_are_404_problems_whatever_the_method,
);
