//! The OEM admin console (`/admin`) in Chromium, against the real gateway and
//! a world of products each test makes: the draft form and its product picker, confirmation
//! before publish, retire and delete, editing drafts, sign-in errors, and the
//! layout at desktop width. Screenshots go to `tests/artifacts/`.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use vdx_tests::world::{CHARGE_LIMIT, Product, ProductSpec, RANGE, SOC, START_STOP};
use vdx_tests::{Backend, TestApp, spawn_app};

use crate::browser::{Browser, admin_signed_in};

/// Runs `script` in the page and decodes what it returns.
async fn eval<T: DeserializeOwned>(browser: &Browser, script: &str) -> T {
    let value = browser.client.execute(script, vec![]).await.unwrap();
    serde_json::from_value(value).unwrap()
}

/// The products a test's console shows: one published product of each
/// fixture kind (the VSS subset imported). In the order of the specs.
async fn products(app: &TestApp, specs: &[ProductSpec]) -> Vec<Product> {
    app.import_signals().await;
    let mut made = Vec::new();
    for spec in specs {
        made.push(app.create_product(spec).await);
    }
    made
}

/// A browser on `/admin`, signed in with the OEM admin client, once the
/// product list shows `product` (a product's name).
async fn signed_in(app: &TestApp, product: &str) -> Browser {
    let browser = admin_signed_in(app).await;
    browser.wait_text("#products", product).await;
    browser
}

/// Drafts version 1.1.0 of `slug` with these signals, commands and
/// purposes (terms: 7 days of history) through the admin API.
async fn draft_1_1_0(
    app: &TestApp,
    slug: &str,
    signals: &[&str],
    commands: &[&str],
    purposes: &[&str],
) {
    let body = json!({
        "version": "1.1.0", "signals": signals, "commands": commands, "purposes": purposes,
        "terms": {"history_days": 7, "retention_days": 30, "location_precision_km": null, "default_consent_days": 365}
    });
    let path = format!("/admin/v1/products/{slug}/versions");
    let res = app
        .call(
            Method::POST,
            &path,
            Some(&app.admin_token().await),
            Some(body),
        )
        .await;
    assert_eq!(res.status(), 201);
}

/// Presses `button`, which asks first: the question names `names`; Cancel
/// closes it and does nothing (the caller checks that nothing changed).
async fn ask_and_cancel(browser: &Browser, button: &str, names: [&str; 2]) {
    browser.click(button).await;
    let question = confirmation(browser).await;
    assert!(
        names.iter().all(|name| question.contains(name)),
        "{names:?} missing from {question}"
    );
    browser.click("#confirm-cancel").await;
    dialog_closed(browser).await;
}

/// Presses `button` and confirms; waits for the status line to say `done`.
async fn confirm(browser: &Browser, button: &str, done: &str) {
    browser.click(button).await;
    confirmation(browser).await;
    browser.click("#confirm-ok").await;
    browser.wait_text("#status", done).await;
}

/// Saves the visible page as `tests/artifacts/{name}.png`, as it is.
async fn snapshot(browser: &Browser, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    let png = browser.client.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Waits for the confirmation dialog to be open; returns its text.
async fn confirmation(browser: &Browser) -> String {
    browser.wait_for(Locator::Css("dialog#confirm[open]")).await;
    let modal: bool = eval(
        browser,
        "return document.getElementById('confirm').matches(':modal')",
    )
    .await;
    assert!(modal, "the dialog leaves the page behind it usable");
    browser.wait_text("dialog#confirm", "").await
}

/// Waits until the confirmation dialog has closed.
async fn dialog_closed(browser: &Browser) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while eval::<bool>(browser, "return document.getElementById('confirm').open").await {
        assert!(Instant::now() < deadline, "the dialog stayed open");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give a wrongly wired Cancel the time to send its request.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// The product's versions as the admin API has them: version → the whole version.
async fn versions(app: &TestApp, admin: &str, slug: &str) -> Vec<Value> {
    let product: Value = app
        .get_json(&format!("/admin/v1/products/{slug}"), Some(admin))
        .await;
    product["versions"].as_array().unwrap().clone()
}

async fn status_of(app: &TestApp, admin: &str, slug: &str, version: &str) -> Option<String> {
    versions(app, admin, slug)
        .await
        .iter()
        .find(|v| v["version"] == version)
        .map(|v| v["status"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draft_form_keeps_its_product_and_publishing_or_retiring_asks_first() {
    let app = spawn_app(Backend::Sqlite).await;
    let made = products(
        &app,
        &[
            ProductSpec::charging(),
            ProductSpec::mileage(),
            ProductSpec::coarse_location(),
        ],
    )
    .await;
    let (mileage, coarse) = (made[1].slug.as_str(), made[2].slug.as_str());
    let name = ProductSpec::mileage().name;
    let admin = app.admin_token().await;
    let browser = signed_in(&app, ProductSpec::charging().name).await;
    browser.click("#version-details summary").await;
    browser
        .wait_for(Locator::Css("#v-product"))
        .await
        .select_by_value(mileage)
        .await
        .unwrap();
    browser.wait_text("#v-target", name).await;
    browser
        .fill_draft("1.1.0", "Vehicle.TraveledDistance", "usage_based_insurance")
        .await;
    browser
        .submit(
            "#version-form",
            "#status",
            &format!("Draft 1.1.0 of {mileage} saved"),
        )
        .await;
    // The product list re-rendered; the picker still holds the admin's choice.
    let picked: String = eval(
        &browser,
        "return document.getElementById('v-product').value",
    )
    .await;
    assert_eq!(picked, mileage);
    browser.wait_text("#v-target", name).await;
    browser.fill("#v-version", "1.2.0").await;
    browser
        .submit(
            "#version-form",
            "#status",
            &format!("Draft 1.2.0 of {mileage} saved"),
        )
        .await;
    let status = |version: &'static str| status_of(&app, &admin, mileage, version);
    assert_eq!(status("1.2.0").await.as_deref(), Some("draft"));
    assert_eq!(versions(&app, &admin, coarse).await.len(), 1);
    snapshot(&browser, "admin-draft-form").await;

    // Publishing asks first, naming product and version; Cancel does nothing.
    let publish =
        format!("button[data-action=publish][data-product={mileage}][data-version='1.2.0']");
    ask_and_cancel(&browser, &publish, [name, "1.2.0"]).await;
    snapshot(&browser, "admin-confirm-publish").await;
    assert_eq!(status("1.2.0").await.as_deref(), Some("draft"));
    confirm(&browser, &publish, "publish done").await;
    assert_eq!(status("1.2.0").await.as_deref(), Some("published"));

    // Retiring asks too.
    let sunset = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let res = app
        .call(
            Method::POST,
            &format!("/admin/v1/products/{mileage}/versions/1.0.0/deprecate"),
            Some(&admin),
            Some(json!({ "sunset_at": sunset })),
        )
        .await;
    assert_eq!(res.status(), 200);
    browser.click("button[data-tab=products]").await;
    let retire =
        format!("button[data-action=retire][data-product={mileage}][data-version='1.0.0']");
    ask_and_cancel(&browser, &retire, [name, "1.0.0"]).await;
    assert_eq!(status("1.0.0").await.as_deref(), Some("deprecated"));
    confirm(&browser, &retire, "retire done").await;
    assert_eq!(status("1.0.0").await.as_deref(), Some("retired"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_at_sign_in_shows_an_error_in_the_page_and_no_request_hangs() {
    let app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::start().await;
    browser.client.goto(&app.url("/admin")).await.unwrap();
    browser.fill("#client-id", &app.creds.admin.client_id).await;
    browser.fill("#client-secret", "not-the-secret").await;
    let shown = browser
        .submit("#login-form", "#status", "Sign-in failed")
        .await;
    assert!(shown.contains("wrong secret"), "{shown}");
    // A resource timing entry exists only once its response has fully arrived.
    let finished: Vec<u16> = eval(
        &browser,
        "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('/oauth/token')).map(e => e.responseStatus)",
    )
    .await;
    assert_eq!(finished, [400], "the token request did not settle once");
    let still_signed_out: bool = eval(
        &browser,
        "return !document.getElementById('login').hidden && document.getElementById('app').hidden",
    )
    .await;
    assert!(still_signed_out);
    snapshot(&browser, "admin-sign-in-failed").await;

    // The right secret still signs in.
    browser
        .fill("#client-secret", &app.creds.admin.client_secret)
        .await;
    browser.submit("#login-form", "#status", "Signed in").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_edited_and_deleted_in_the_console() {
    let app = spawn_app(Backend::Sqlite).await;
    let charging = ProductSpec::charging();
    let ev = &products(&app, std::slice::from_ref(&charging)).await[0].slug;
    let admin = app.admin_token().await;
    let (current, range) = (SOC, RANGE);
    draft_1_1_0(&app, ev, &[current], &[], &["smart_charging"]).await;
    let browser = signed_in(&app, charging.name).await;
    let on_published: usize = eval(
        &browser,
        &format!("return document.querySelectorAll('[data-product={ev}][data-version=\"1.0.0\"]:is([data-action=edit], [data-action=delete])').length"),
    )
    .await;
    assert_eq!(on_published, 0, "a published version offers edit or delete");

    browser
        .click(&format!(
            "button[data-action=edit][data-product={ev}][data-version='1.1.0']"
        ))
        .await;
    browser
        .wait_text(
            "#v-target",
            &format!("Editing draft 1.1.0 of {}", charging.name),
        )
        .await;
    let form: (String, String, bool, String, String, bool) = eval(
        &browser,
        "const v = id => document.getElementById(id); \
         return [v('v-product').value, v('v-version').value, v('v-version').readOnly, v('v-signals').value, v('v-history').value, \
                 document.querySelector('#v-purposes input[value=smart_charging]').checked]",
    )
    .await;
    assert_eq!(
        form,
        (
            ev.clone(),
            "1.1.0".into(),
            true,
            current.into(),
            "7".into(),
            true
        )
    );
    browser
        .fill("#v-signals", &format!("{current}\n{range}"))
        .await;
    browser.fill("#v-history", "3").await;
    snapshot(&browser, "admin-edit-draft").await;
    browser
        .submit(
            "#version-form",
            "#status",
            &format!("Draft 1.1.0 of {ev} updated"),
        )
        .await;
    let listed = versions(&app, &admin, ev).await;
    assert_eq!(
        listed.len(),
        2,
        "editing drafted another version: {listed:?}"
    );
    assert_eq!(listed[0]["signals"], json!([current, range]));
    assert_eq!(listed[0]["terms"]["history_days"], 3);

    // Deleting asks first; Cancel keeps the draft.
    let delete = format!("button[data-action=delete][data-product={ev}][data-version='1.1.0']");
    ask_and_cancel(&browser, &delete, [charging.name, "1.1.0"]).await;
    assert_eq!(versions(&app, &admin, ev).await.len(), 2);
    confirm(&browser, &delete, &format!("Draft 1.1.0 of {ev} deleted")).await;
    let listed = versions(&app, &admin, ev).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["version"], "1.0.0");
    let rows: usize = eval(
        &browser,
        &format!("return document.querySelectorAll('#product-{ev} tbody tr').length"),
    )
    .await;
    assert_eq!(rows, 1);
    browser.close().await;
}

/// For every table on the visible tab: how much wider it is than the card or
/// section that holds it, and how much that container overflows (both 0 when all fits).
const OVERFLOW: &str = r#"
return [...document.querySelectorAll('table')].filter(t => t.getClientRects().length).map(t => {
  const box = t.closest('.card, section');
  return [box.id || t.closest('[id]').id, Math.round(t.getBoundingClientRect().width - box.clientWidth), box.scrollWidth - box.clientWidth];
}).filter(([, wider, overflow]) => wider > 0 || overflow > 0);
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_fit_their_cards_the_status_stays_in_view_and_the_audit_names_people_and_changes() {
    let app = spawn_app(Backend::Sqlite).await;
    // The products of a marketplace, and a partner subscribed to one.
    let charging = ProductSpec::charging();
    let made = products(
        &app,
        &[
            charging.clone(),
            ProductSpec::mileage(),
            ProductSpec::coarse_location(),
            ProductSpec::vehicle_access(),
        ],
    )
    .await;
    let ev = &made[0].slug;
    let partner = app.create_partner().await;
    app.subscribe(&partner, &made[0]).await;
    // A realistic draft: long VSS paths and commands, several purposes.
    draft_1_1_0(
        &app,
        ev,
        &[
            SOC,
            "Vehicle.Powertrain.TractionBattery.Charging.TimeToComplete",
            RANGE,
        ],
        &[START_STOP, CHARGE_LIMIT],
        &[
            "smart_charging",
            "fleet_management",
            "predictive_maintenance",
        ],
    )
    .await;
    let browser = signed_in(&app, charging.name).await;
    let width: u32 = eval(&browser, "return window.innerWidth").await;
    assert!((1200..=1280).contains(&width), "window {width} px wide");
    let overflowing: Vec<(String, i64, i64)> = eval(&browser, OVERFLOW).await;
    assert!(overflowing.is_empty(), "products: {overflowing:?}");
    snapshot(&browser, "admin-products").await;

    // An action far down the page: its outcome shows where the admin is.
    browser
        .click("#tab-products details:nth-of-type(4) summary")
        .await;
    browser.fill("#pl-name", "premium").await;
    browser.submit("#plan-form", "#status", "Plan added").await;
    let (top, bottom, height): (f64, f64, f64) = eval(
        &browser,
        "const r = document.getElementById('status').getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]",
    )
    .await;
    let scrolled: f64 = eval(&browser, "return window.scrollY").await;
    assert!(
        scrolled > 0.0,
        "the page did not scroll; the check proves nothing"
    );
    assert!(
        top >= 0.0 && bottom <= height && bottom > top,
        "the status line is at {top}..{bottom} of a {height} px viewport"
    );
    snapshot(&browser, "admin-status-after-action").await;

    // Publish in the console, then read the audit trail.
    let publish = format!("button[data-action=publish][data-product={ev}][data-version='1.1.0']");
    confirm(&browser, &publish, "publish done").await;
    browser.click("button[data-tab=audit]").await;
    let trail = browser.wait_text("#audit", "version.published").await;
    let newest = browser.wait_text("#audit tbody tr:first-child", "").await;
    assert!(newest.contains("version.published"), "{newest}");
    assert!(newest.contains("OEM console"), "no actor name: {newest}");
    assert!(
        !trail.contains(&app.creds.admin.client_id),
        "the trail shows a client id: {trail}"
    );
    for words in ["status", "draft", "published"] {
        assert!(newest.contains(words), "{words:?} missing from {newest}");
    }
    let overflowing: Vec<(String, i64, i64)> = eval(&browser, OVERFLOW).await;
    assert!(overflowing.is_empty(), "audit: {overflowing:?}");
    browser
        .client
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    snapshot(&browser, "admin-audit").await;
    browser.click("button[data-tab=subscriptions]").await;
    browser.wait_text("#subscriptions", &partner.name).await;
    let overflowing: Vec<(String, i64, i64)> = eval(&browser, OVERFLOW).await;
    assert!(overflowing.is_empty(), "subscriptions: {overflowing:?}");
    snapshot(&browser, "admin-subscriptions").await;
    browser.close().await;
}
