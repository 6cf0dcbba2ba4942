//! Browser tests: Debian's headless Chromium driven through chromedriver by
//! fantoccini, against the real gateway: the admin console's publish and
//! approve walk, the portal's grant and revoke, the OAuth consent screen,
//! GraphiQL. Screenshots go to `tests/artifacts/`. The harness is in
//! `harness`, the accessibility audit in `a11y`.

mod a11y;
mod harness;

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;
use vdx_tests::Backend;
use vdx_tests::world::ProductSpec;

pub(crate) use a11y::audit_page;
pub(crate) use harness::{Browser, admin_signed_in, sign_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_publishes_a_product_and_approves_a_subscription_in_the_console() {
    // A partner with an app and no subscription yet: an empty marketplace.
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    let partner = app.create_partner().await;
    let browser = admin_signed_in(&app).await;

    // Import the real VSS catalog through the file picker.
    let vss = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/vss/vss.json")
        .canonicalize()
        .unwrap();
    browser.click("#import-details summary").await;
    browser
        .wait_for(Locator::Css("#vss-file"))
        .await
        .send_keys(vss.to_str().unwrap())
        .await
        .unwrap();
    browser
        .submit("#import-form", "#status", "Catalog imported")
        .await;

    // Create a product, draft its first version, publish it, add a plan.
    browser
        .click("#tab-products details:nth-of-type(2) summary")
        .await;
    browser.fill("#p-slug", "battery-health").await;
    browser.fill("#p-name", "Battery health").await;
    browser
        .fill(
            "#p-description",
            "State of charge and range, for smart charging.",
        )
        .await;
    browser
        .submit("#product-form", "#status", "Product created")
        .await;

    browser.click("#version-details summary").await;
    browser
        .fill_draft(
            "1.0.0",
            "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current\nVehicle.Powertrain.TractionBattery.Range",
            "smart_charging",
        )
        .await;
    browser
        .submit(
            "#version-form",
            "#status",
            "Draft 1.0.0 of battery-health saved",
        )
        .await;
    browser
        .click("button[data-action=publish][data-product=battery-health]")
        .await;
    browser.click("dialog#confirm[open] #confirm-ok").await;
    browser.wait_text("#status", "publish done").await;
    browser
        .wait_text("#product-battery-health", "published")
        .await;

    browser
        .click("#tab-products details:nth-of-type(4) summary")
        .await;
    browser
        .submit("#plan-form", "#status", "Plan added to battery-health")
        .await;
    browser.screenshot("admin-console-published").await;

    // The partner asks for it; the admin approves it in the console.
    let token = app.partner_token(&partner).await;
    let res = app
        .call(
            reqwest::Method::POST,
            "/v1/subscriptions",
            Some(&token),
            Some(json!({"product": "battery-health", "version": "1.0.0", "plan": "standard"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.scopes_of(&partner).await, "");
    browser.click("button[data-tab=subscriptions]").await;
    browser.click("button[data-decision=approve]").await;
    browser.wait_text("#subscriptions", "active").await;
    browser.screenshot("admin-console-approved").await;

    // A fresh token now carries the product's scope.
    assert_eq!(app.scopes_of(&partner).await, "read:battery-health");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_grants_revokes_and_reads_the_access_history_in_the_portal() {
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    // A driver's car that has reported, not shared with the partner yet.
    let spec = ProductSpec::charging();
    let (partner, product) = app.subscribed(&spec).await;
    let driver = app.create_driver().await;
    let vin = app.create_vehicle(&driver).await;
    app.report(&vin, &spec.reported, chrono::Utc::now().timestamp_millis())
        .await;
    let token = app.partner_token(&partner).await;
    let (slug, purpose) = product.asked_for();
    let read = || app.rest_latest(&token, &vin, slug, purpose);
    assert_eq!(read().await.status(), 403, "nothing is shared yet");

    let browser = Browser::start().await;
    sign_in(&browser, &app, &driver).await;
    browser.screenshot("portal-home").await;

    // Grant the partner smart charging on the car.
    browser.click("a[href='/portal/grant']").await;
    browser.wait_text("main", "Share data").await;
    // The car, and the partner's offer (the option whose text starts with its name).
    browser
        .client
        .execute(
            "document.getElementById('vin').value = arguments[0]; \
             const offer = [...document.querySelectorAll('#offer option')].find(o => o.textContent.startsWith(arguments[1])); \
             document.getElementById('offer').value = offer.value;",
            vec![json!(vin), json!(partner.name)],
        )
        .await
        .unwrap();
    browser.fill("#days", "30").await;
    browser.screenshot("portal-grant").await;
    browser
        .submit("#grant-form", "#active-consents", &vin)
        .await;
    assert_eq!(read().await.status(), 200, "the grant takes effect at once");

    // The partner's call shows up in the access history.
    browser.click("a[href='/portal/access']").await;
    browser.wait_text("#access-history", &partner.name).await;
    browser.screenshot("portal-access-history").await;

    // Revoke (and confirm): the partner's next call fails, without any restart.
    browser.click("a[href='/portal']").await;
    let consent_row = browser
        .wait_for(Locator::XPath(&format!(
            "//table[@id='active-consents']//tr[td/code='{vin}']"
        )))
        .await;
    consent_row
        .find(Locator::LinkText("Revoke"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .submit("#revoke-form", "#past-consents", "revoked by driver")
        .await;
    browser.screenshot("portal-revoked").await;
    assert_eq!(read().await.status(), 403);
    browser.close().await;
}

/// A partner app's redirect endpoint on loopback: answers every request and
/// passes on the query of the first `GET /callback`.
fn callback_catcher() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = vec![0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            if let Some(target) = head
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("GET /callback"))
                .and_then(|l| l.split(' ').next())
            {
                let _ = tx.send(target.trim_start_matches('?').to_owned());
            }
            let body = "<!doctype html><title>Partner app</title><p id=done>The partner app received the authorization.</p>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (uri, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_authorises_a_partner_app_on_the_portal_consent_screen() {
    use crate::oauth::support;
    use oauth2::TokenResponse;

    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    // The partner's app listens on loopback, as a native or test app would
    // (RFC 8252); its redirect URI is registered like any other.
    let (redirect, callbacks) = callback_catcher();
    app.import_signals().await;
    let spec = ProductSpec::charging();
    let product = app.create_product(&spec).await;
    let partner = app
        .create_app("Loopback Energy", "Loopback charging", Some(&redirect))
        .await;
    app.subscribe(&partner, &product).await;
    let driver = app.create_driver().await;
    let ev = app.create_vehicle(&driver).await;
    app.report(&ev, &spec.reported, chrono::Utc::now().timestamp_millis())
        .await;
    let client = support::client(&app, &partner.client_id, &partner.client_secret, &redirect).await;
    let slug = &product.slug;
    let (url, state, verifier) =
        support::authorize_url(&client, &format!("read:{slug} command:{slug}"));
    let (username, password) = (&driver.username, &driver.password);

    let browser = Browser::start().await;
    browser.client.goto(url.as_str()).await.unwrap();
    // No portal session yet: sign in, and come back to the consent screen.
    browser.fill("#username", username).await;
    browser.fill("#password", password).await;
    browser.click("form[action='/portal/login'] button").await;
    let screen = browser.wait_text("main", "Share your vehicle data?").await;
    audit_page(&browser, "/portal/authorize", "light").await;
    for words in [
        "Loopback Energy",
        "EV Smart Charging",
        "Traction battery › State of charge",
        "It may also control",
        "Your consent ends on",
    ] {
        assert!(screen.contains(words), "{words:?} missing from {screen}");
    }
    browser.screenshot("oauth-consent-screen").await;
    let checkbox = browser
        .wait_for(Locator::Css(&format!("input[name=vehicle][value='{ev}']")))
        .await;
    if checkbox.prop("checked").await.unwrap().as_deref() != Some("true") {
        checkbox.click().await.unwrap();
    }
    browser.click("#approve").await;
    browser
        .wait_text("#done", "received the authorization")
        .await;
    let query = callbacks.recv_timeout(Duration::from_secs(10)).unwrap();
    browser.close().await;

    let back = url::Url::parse(&format!("{redirect}?{query}")).unwrap();
    assert_eq!(
        support::param(&back, "state").as_deref(),
        Some(state.secret().as_str())
    );
    let code = support::param(&back, "code").expect("a code");
    let token = support::exchange(&client, oauth2::AuthorizationCode::new(code), verifier)
        .await
        .unwrap();
    let (product, purpose) = product.asked_for();
    let res = app
        .rest_latest(token.access_token().secret(), &ev, product, purpose)
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_a_query_with_only_local_assets() {
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    app.import_signals().await;
    let product = app.create_product(&ProductSpec::charging()).await;
    let browser = Browser::start().await;
    // The browser has no route to the internet: a CDN script would leave the page blank.
    browser.client.goto(&app.url("/graphql")).await.unwrap();
    browser.wait_for(Locator::Css(".graphiql-container")).await;
    browser.click(".graphiql-execute-button").await;
    browser.wait_text(".result-window", &product.slug).await;
    let result = browser.wait_text(".result-window", &product.purpose).await;
    assert!(!result.contains("\"errors\""), "{result}");
    browser.screenshot("graphiql").await;
    // The Docs explorer loads the schema through the standard introspection
    // query and lists the root types.
    browser
        .click("button[aria-label='Show Documentation Explorer']")
        .await;
    let docs = browser
        .wait_text(".graphiql-doc-explorer", "query: Query")
        .await;
    assert!(!docs.contains("Error fetching schema"), "{docs}");
    assert!(docs.contains("mutation: Mutation"), "{docs}");
    browser
        .press(Locator::XPath(
            "//*[contains(@class, 'graphiql-doc-explorer')]//a[text()='Query']",
        ))
        .await;
    browser.wait_text(".graphiql-doc-explorer", "catalog").await;
    browser.wait_text(".graphiql-doc-explorer", "vehicle").await;
    browser.screenshot("graphiql-docs").await;
    // Every script and stylesheet came from the gateway itself.
    let origins = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin);",
            vec![],
        )
        .await
        .unwrap();
    let own = app.url("");
    let own = own.trim_end_matches('/');
    for origin in origins.as_array().unwrap() {
        assert_eq!(origin.as_str().unwrap(), own, "a resource from elsewhere");
    }
    browser.close().await;
}
