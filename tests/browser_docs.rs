//! Swagger UI at `/docs/` in Chromium: the Authorize button fetches a token
//! through the OAuth 2.0 client-credentials flow the OpenAPI document
//! declares, "Try it out" calls the API with it, and the token endpoint's
//! form can be filled in and sent.

use fantoccini::Locator;
use vdx_tests::world::{Partner, ProductSpec};
use vdx_tests::{Backend, TestApp};

use crate::browser::Browser;

/// A gateway with a partner subscribed to a product, and a browser on `/docs/`.
async fn docs_for_a_partner() -> (TestApp, Partner, Browser) {
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    let (partner, _) = app.subscribed(&ProductSpec::charging()).await;
    let browser = Browser::start().await;
    browser.client.goto(&app.url("/docs/")).await.unwrap();
    (app, partner, browser)
}

/// The auth section of Swagger UI's Authorize dialog that holds `css`.
fn auth_section(inner: &str) -> String {
    format!("//div[contains(@class, 'auth-container')][.//{inner}]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_gets_a_token_with_authorize_and_calls_the_api() {
    let (_app, partner, browser) = docs_for_a_partner().await;
    browser.click("button.authorize").await;
    let oauth2 = auth_section("h4[starts-with(normalize-space(.), 'oauth2')]");
    for (name, value) in [
        ("clientId", partner.client_id.as_str()),
        ("clientSecret", partner.client_secret.as_str()),
    ] {
        let field = format!("{oauth2}//input[@data-name='{name}']");
        let input = browser.wait_for(Locator::XPath(&field)).await;
        input.send_keys(value).await.unwrap();
    }
    browser
        .press(Locator::XPath(&format!(
            "{oauth2}//button[contains(@class, 'authorize')]"
        )))
        .await;
    // Authorized: the section shows the Logout button instead of Authorize.
    browser
        .wait_for(Locator::XPath(&format!(
            "{oauth2}//button[text()='Logout']"
        )))
        .await;
    browser.screenshot("swagger-authorized").await;
    browser.click(".auth-btn-wrapper button.btn-done").await;

    // GET /v1/consents with the token the dialog fetched.
    browser
        .click("#operations-consents-list_consents .opblock-summary-control")
        .await;
    browser
        .click("#operations-consents-list_consents button.try-out__btn")
        .await;
    browser
        .click("#operations-consents-list_consents button.execute")
        .await;
    let status = browser
        .wait_text(
            "#operations-consents-list_consents .live-responses-table tbody .response-col_status",
            "200",
        )
        .await;
    assert!(status.contains("200"), "{status}");
    browser.screenshot("swagger-consents").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_sends_the_token_form_it_describes() {
    let (_app, partner, browser) = docs_for_a_partner().await;
    let op = "#operations-oauth-token";
    browser
        .click(&format!("{op} .opblock-summary-control"))
        .await;
    browser.click(&format!("{op} button.try-out__btn")).await;
    // The form: grant_type is a choice, the other parameters are fields.
    let grant = browser
        .wait_for(Locator::Css(&format!(
            "{op} tr[data-property-name='grant_type'] select"
        )))
        .await;
    grant.select_by_value("client_credentials").await.unwrap();
    // Nothing is filled in for the client (no sample "string" values).
    let prefilled = browser
        .client
        .execute(
            &format!("return [...document.querySelectorAll(\"{op} tr[data-property-name] input[type=text]\")].map(i => i.value).filter(v => v !== '')"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(prefilled, serde_json::json!([]), "prefilled form fields");
    for (name, value) in [
        ("client_id", partner.client_id.as_str()),
        ("client_secret", partner.client_secret.as_str()),
    ] {
        browser
            .fill(
                &format!("{op} tr[data-property-name='{name}'] input[type=text]"),
                value,
            )
            .await;
    }
    browser.click(&format!("{op} button.execute")).await;
    let status = browser
        .wait_text(
            &format!("{op} .live-responses-table tbody .response-col_status"),
            "200",
        )
        .await;
    assert!(status.contains("200"), "{status}");
    browser
        .wait_text(&format!("{op} .live-responses-table"), "access_token")
        .await;
    browser.screenshot("swagger-token").await;
    browser.close().await;
}
