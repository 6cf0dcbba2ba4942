//! Every portal page fits a phone: at 390 CSS pixels (Chromium's mobile
//! emulation, so the page's `<meta name=viewport>` matters as on a real
//! phone) nothing scrolls sideways. The same pages at 1280 pixels, for the
//! screenshots in `tests/artifacts/`.

use vdx_tests::world::{Consented, ProductSpec};
use vdx_tests::{Backend, TestApp};

use crate::browser::{Browser, sign_in};
use crate::oauth::support;

/// Visits every page of the portal; asserts none is wider than `width`.
async fn visit_every_page(
    app: &TestApp,
    world: &Consented,
    browser: &Browser,
    width: u32,
    label: &str,
) {
    let consent = app.active_consent_id(&world.partner, &world.vin).await;
    let check = |page: String| async move {
        let (screen, inner, scroll, viewport): (u32, u32, u32, bool) = serde_json::from_value(
            browser
                .client
                .execute(
                    "return [screen.width, window.innerWidth, document.documentElement.scrollWidth, \
                     !!document.querySelector('meta[name=viewport][content*=\"width=device-width\"]')]",
                    vec![],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        // A phone's screen is the emulated one; a desktop window is as wide as asked.
        let device = if label == "phone" { screen } else { inner };
        assert_eq!(
            device, width,
            "{page}: the device is {device} px wide, not {width}"
        );
        assert!(
            viewport,
            "{page} has no <meta name=viewport content=width=device-width>"
        );
        // On a phone a page wider than the screen also widens the viewport.
        assert!(
            scroll <= width && inner <= width,
            "{page} is {} px wide at {width} px: it scrolls sideways",
            scroll.max(inner)
        );
        let name = page
            .trim_start_matches('/')
            .split('?')
            .next()
            .unwrap()
            .replace(['/', '{', '}'], "-");
        browser.screenshot(&format!("{label}-{name}")).await;
    };
    browser
        .client
        .goto(&app.url("/portal/login"))
        .await
        .unwrap();
    check("/portal/login".into()).await;
    sign_in(browser, app, &world.driver).await;
    // Reflowed on a phone, the consents are still a table to assistive technology.
    for (css, role) in [
        ("#active-consents", "table"),
        ("#active-consents tbody tr", "row"),
        ("#active-consents tbody td", "cell"),
    ] {
        assert_eq!(browser.computed_role(css).await, role, "{label}: {css}");
    }
    for page in crate::portal::every_page(consent) {
        browser.client.goto(&app.url(&page)).await.unwrap();
        browser.wait_text("main", "").await;
        check(page).await;
    }
    // The OAuth consent screen, reached as a partner's app sends the driver there.
    let partner = &world.partner;
    let client = super::oauth_client(app, partner).await;
    let slug = &world.product.slug;
    let (url, _, _) = support::authorize_url(&client, &format!("read:{slug} command:{slug}"));
    browser.client.goto(url.as_str()).await.unwrap();
    browser.wait_text("main", "Share your vehicle data?").await;
    check("/portal/authorize".into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_portal_page_fits_a_phone_without_scrolling_sideways() {
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    let world = app.consented(&ProductSpec::charging()).await;
    // A partner's read, so the access history has a row with its long signal paths.
    let token = app.partner_token(&world.partner).await;
    let (product, purpose) = world.product.asked_for();
    let res = app.rest_latest(&token, &world.vin, product, purpose).await;
    assert_eq!(res.status(), 200);
    let phone = Browser::phone(390, 844).await;
    visit_every_page(&app, &world, &phone, 390, "phone").await;
    phone.close().await;
    let desktop = Browser::start().await;
    visit_every_page(&app, &world, &desktop, 1280, "desktop").await;
    desktop.close().await;
}
