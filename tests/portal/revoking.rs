//! Revoking asks first, on a page that names what ends, and then says what
//! happened, once. Driven in Chromium without any script of the page's own.

use fantoccini::Locator;
use vdx_tests::Backend;
use vdx_tests::world::ProductSpec;

use crate::browser::{Browser, audit_page, sign_in};

/// Clicks "Revoke" in the active consent's row of the car.
async fn press_revoke_in_row(browser: &Browser, vin: &str) {
    browser
        .press(Locator::XPath(&format!(
            "//table[@id='active-consents']//tr[td/code='{vin}']//*[normalize-space()='Revoke']"
        )))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_asks_first_naming_what_ends_and_then_says_what_happened() {
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    let world = app.consented(&ProductSpec::charging()).await;
    let vin = world.vin.clone();
    let token = app.partner_token(&world.partner).await;
    let (product, purpose) = world.product.asked_for();
    let read = || app.rest_latest(&token, &vin, product, purpose);
    assert_eq!(read().await.status(), 200);

    let browser = Browser::start().await;
    sign_in(&browser, &app, &world.driver).await;

    // Revoke leads to a question first; Cancel leaves everything as it was.
    press_revoke_in_row(&browser, &vin).await;
    let question = browser.wait_text("main", "Revoke this consent?").await;
    for words in [
        world.partner.name.as_str(),
        "EV Smart Charging",
        vin.as_str(),
        "smart_charging",
        "charges when power is cheap",
    ] {
        assert!(
            question.contains(words),
            "{words:?} missing from {question}"
        );
    }
    assert_eq!(read().await.status(), 200, "asking revoked nothing");
    audit_page(&browser, "/portal/consents/{id}/revoke", "light").await;
    browser.screenshot("portal-revoke-question").await;
    browser.press(Locator::LinkText("Cancel")).await;
    browser.wait_text("#active-consents", &vin).await;
    assert_eq!(read().await.status(), 200, "cancelling revoked nothing");

    // Revoke, confirmed: the partner is refused, and the page says what happened.
    press_revoke_in_row(&browser, &vin).await;
    browser.wait_text("main", "Revoke this consent?").await;
    let said = browser
        .submit("#revoke-form", "[role=status]", "You revoked")
        .await;
    assert_eq!(
        said.trim(),
        format!(
            "You revoked {}'s access to EV Smart Charging for vehicle {vin}.",
            world.partner.name
        )
    );
    browser
        .wait_text("#past-consents", "revoked by driver")
        .await;
    assert_eq!(read().await.status(), 403);
    audit_page(&browser, "/portal (after revoking)", "light").await;
    browser.screenshot("portal-revoked-message").await;

    // Once: reloading the page does not say it again.
    browser.client.refresh().await.unwrap();
    browser.wait_text("main", "Signed in as").await;
    let statuses = browser
        .client
        .find_all(Locator::Css("[role=status]"))
        .await
        .unwrap();
    for status in statuses {
        let text = status.text().await.unwrap();
        assert!(!text.contains("You revoked"), "said again: {text}");
    }
    browser.close().await;
}
