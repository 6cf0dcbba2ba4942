//! Sharing what is already shared extends the one consent (same id, same
//! start, the later end date, the union of the scopes) instead of adding a
//! second active consent; the portal says so, the OAuth consent screen takes
//! the same path, and the ledger still verifies.

use vdx_consent::test_support::consent::Model as Consent;
use vdx_tests::world::{Consented, DAY_MS, Driver, Partner, ProductSpec};
use vdx_tests::{TestApp, on_both_backends};

use super::*;

fn active(rows: &[Consent]) -> Vec<&Consent> {
    rows.iter().filter(|c| c.status == "active").collect()
}

/// A partner subscribed to a charging product, and a driver's car not shared yet.
async fn unshared(app: &TestApp) -> (Partner, Driver, String) {
    let (partner, _) = app.subscribed(&ProductSpec::charging()).await;
    let driver = app.create_driver().await;
    let vin = app.create_vehicle(&driver).await;
    (partner, driver, vin)
}

/// The driver signs in and shares `vin` with the partner for 30 days on the
/// portal's form; returns the session, its CSRF token and the offer.
async fn share_for_30_days(
    app: &TestApp,
    driver: &Driver,
    vin: &str,
    partner: &Partner,
) -> (reqwest::Client, String, String) {
    let (portal, csrf) = app.portal_sign_in(&driver.username, &driver.password).await;
    let offer = app.offer_of(&portal, &partner.name).await;
    let res = app.share(&portal, &csrf, vin, &offer, "30").await;
    assert_eq!(res.status(), 303);
    (portal, csrf, offer)
}

async fn sharing_again_extends_the_one_active_consent_and_says_so(app: TestApp) {
    let (partner, driver, vin) = unshared(&app).await;
    let (portal, csrf, offer) = share_for_30_days(&app, &driver, &vin, &partner).await;
    let first = consents_given(&app, &partner).await;
    let shared = active(&first);
    assert_eq!(shared.len(), 1, "{first:?}");
    let id = shared[0].id;

    let res = app.share(&portal, &csrf, &vin, &offer, "90").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/portal");
    let rows = consents_given(&app, &partner).await;
    let shared = active(&rows);
    assert_eq!(shared.len(), 1, "sharing again added a consent: {rows:?}");
    let consent = shared[0];
    assert_eq!(consent.id, id, "the same consent, extended");
    assert_eq!(
        consent.granted_at,
        first.iter().find(|c| c.id == id).unwrap().granted_at
    );
    let days = (consent.expires_at - chrono::Utc::now().timestamp_millis()) as f64 / DAY_MS as f64;
    assert!((89.9..=90.0).contains(&days), "ends in {days} days, not 90");

    // The portal shows the one consent with its new end date, and says what happened.
    let page = app.page(&portal, "/portal").await;
    let status = &page[page.find(r#"role="status""#).expect("a status message")..];
    let status = &status[..status.find("</").unwrap()];
    assert!(
        status.contains(&format!("You extended {}", partner.name))
            && status.contains(&vin)
            && status.contains(&when(consent.expires_at)),
        "{status}"
    );
    let active_table =
        &page[page.find("active-consents").unwrap()..page.find("past-consents").unwrap()];
    let listed = active_table
        .split("<tr id=")
        .filter(|row| row.contains(&partner.name) && row.contains(&format!("<code>{vin}</code>")))
        .count();
    assert_eq!(listed, 1, "{active_table}");
    assert!(row_of(&page, id).contains(&when(consent.expires_at)));

    // The ledger records the extension as a change of that consent, and verifies.
    let events: Vec<String> = vdx_consent::ledger::history(&app.db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, ["created", "extended"]);
    assert_ledger_verifies(&app).await;
}

/// The driver approves the partner's authorization request for `vin` on
/// the OAuth consent screen; returns the token the partner gets for it.
async fn approve_on_the_consent_screen(app: &TestApp, world: &Consented) -> String {
    use crate::oauth::support;
    use oauth2::TokenResponse;
    let Consented {
        partner,
        driver,
        vin,
        ..
    } = world;
    let client = super::oauth_client(app, partner).await;
    let scope = format!("read:{}", world.product.slug);
    let (url, _, verifier) = support::authorize_url(&client, &scope);
    let back = support::browse(app, &url, driver, &[vin], "approve").await;
    let code = support::param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
    let token = support::exchange(&client, oauth2::AuthorizationCode::new(code), verifier)
        .await
        .unwrap();
    token.access_token().secret().clone()
}

async fn approving_on_the_oauth_consent_screen_extends_the_consent_the_driver_already_gave(
    app: TestApp,
) {
    let world = app.consented(&ProductSpec::charging()).await;
    let before = consents_given(&app, &world.partner).await;
    let given = active(&before);
    assert_eq!(given.len(), 1, "{before:?}");
    let (id, scopes) = (given[0].id, given[0].scopes.clone());

    let token = approve_on_the_consent_screen(&app, &world).await;
    let rows = consents_given(&app, &world.partner).await;
    let shared = active(&rows);
    assert_eq!(
        shared.len(),
        1,
        "the consent screen added a consent: {rows:?}"
    );
    assert_eq!(shared[0].id, id);
    // Asking for less (read only) takes nothing away: revoking does that.
    assert_eq!(shared[0].scopes, scopes);
    let last = vdx_consent::ledger::history(&app.db, id).await.unwrap();
    assert_eq!(last.last().unwrap().event, "extended");
    assert_ledger_verifies(&app).await;

    let (product, purpose) = world.product.asked_for();
    let res = app.rest_latest(&token, &world.vin, product, purpose).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn sharing_again_after_a_consent_ran_out_ends_it_and_starts_a_new_one(
    app: TestApp,
    clock: std::sync::Arc<vdx_core::ManualClock>,
) {
    use vdx_core::Clock;
    // A car shared for a day, two days ago: its consent is still marked
    // active, past its end date.
    let (partner, driver, vin) = unshared(&app).await;
    let now = clock.now_ms();
    clock.set(now - 2 * DAY_MS);
    app.grant_consent(&driver, &vin, &partner, Some(1)).await;
    clock.set(now);
    let rows = consents_given(&app, &partner).await;
    let old = active(&rows)[0].clone();
    assert!(old.expires_at < now, "{old:?} has not run out");

    share_for_30_days(&app, &driver, &vin, &partner).await;
    let rows = consents_given(&app, &partner).await;
    let shared = active(&rows);
    assert_eq!(shared.len(), 1, "{rows:?}");
    assert_ne!(
        shared[0].id, old.id,
        "a consent that ran out is not revived"
    );
    let old_now = rows.iter().find(|c| c.id == old.id).unwrap();
    assert_eq!(old_now.status, "expired");
    let entries = vdx_consent::ledger::history(&app.db, old.id).await.unwrap();
    assert_eq!(entries.last().unwrap().event, "expired");
    assert_eq!(entries.last().unwrap().actor, "system");
    assert_ledger_verifies(&app).await;
}

/// The lifecycle's other way to an active consent (pending, then approved)
/// cannot make a second one either. No API makes a pending consent beside an
/// active one, so the consent crate's own calls do.
async fn approving_a_pending_consent_is_refused_while_another_allows_the_same(app: TestApp) {
    use vdx_consent::records::{self, ConsentStatus, NewConsent};
    let world = app.consented(&ProductSpec::charging()).await;
    let rows = consents_given(&app, &world.partner).await;
    let given = active(&rows)[0].clone();
    let version = vdx_catalog::product::version_by_id(&app.db, given.product_version_id)
        .await
        .unwrap()
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let pending = records::create(
        &app.db,
        NewConsent {
            driver: given.driver_id,
            vehicle: given.vehicle_id,
            app: given.app_id,
            product: &version,
            purpose: vdx_core::Purpose::parse(&given.purpose).unwrap(),
            scopes: "read",
            status: ConsentStatus::Pending,
            source: "portal",
            granted_at: now,
            expires_at: now + DAY_MS,
        },
    )
    .await
    .unwrap();
    let approved =
        records::change_status(&app.db, pending, ConsentStatus::Active, "system", now).await;
    assert!(
        matches!(approved, Err(vdx_consent::ConsentError::Conflict(_))),
        "{approved:?}"
    );
    let rows = consents_given(&app, &world.partner).await;
    assert_eq!(active(&rows).len(), 1, "{rows:?}");
    assert_ledger_verifies(&app).await;
}

on_both_backends!(
    approving_a_pending_consent_is_refused_while_another_allows_the_same,
    sharing_again_extends_the_one_active_consent_and_says_so,
    approving_on_the_oauth_consent_screen_extends_the_consent_the_driver_already_gave;
    with_clock: sharing_again_after_a_consent_ran_out_ends_it_and_starts_a_new_one,
);
