//! A consent that ended says when it ended and who ended it (the driver, the
//! partner, the vehicle manufacturer, or its end date), instead of the end
//! date it had while it ran.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use vdx_consent::test_support::{consent, driver};
use vdx_tests::world::{Partner, ProductSpec};
use vdx_tests::{TestApp, on_both_backends};

use super::*;

/// The driver's consents to the partner's app, oldest first.
async fn consents_of(
    app: &TestApp,
    username: &str,
    partner: &Partner,
) -> Vec<vdx_consent::ConsentRecord> {
    let driver = driver::Entity::find()
        .filter(driver::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let partner_app = vdx_catalog::marketplace::find_app_by_client_id(&app.db, &partner.client_id)
        .await
        .unwrap()
        .unwrap();
    let mut rows = consent::Entity::find()
        .filter(consent::Column::DriverId.eq(driver.id))
        .filter(consent::Column::AppId.eq(partner_app.id))
        .all(&app.db)
        .await
        .unwrap();
    rows.sort_by_key(|c| c.id);
    rows.into_iter().map(Into::into).collect()
}

async fn reload(app: &TestApp, id: vdx_core::ConsentId) -> vdx_consent::ConsentRecord {
    vdx_consent::records::find(&app.db, id)
        .await
        .unwrap()
        .unwrap()
}

/// The row of an ended consent shows when it ended and by whom, not the old end date.
fn assert_ended(page: &str, row: &vdx_consent::ConsentRecord, by: &str) {
    let html = row_of(page, row.id);
    assert!(
        html.contains(&when(row.updated_at)) && html.contains(by),
        "consent {} should say it ended at {} {by}: {html}",
        row.id,
        when(row.updated_at)
    );
    assert!(
        !html.contains(&when(row.expires_at)),
        "consent {} still shows its old end date {}: {html}",
        row.id,
        when(row.expires_at)
    );
}

async fn an_ended_consent_shows_when_and_by_whom_it_ended_instead_of_its_old_end_date(
    app: TestApp,
    clock: std::sync::Arc<vdx_core::ManualClock>,
) {
    use vdx_core::Clock;
    // A driver shares one car with three partners, and another car for a day, two days ago.
    let world = app.consented(&ProductSpec::charging()).await;
    let (driver, vin) = (&world.driver, &world.vin);
    let username = driver.username.as_str();
    let insurer = app.create_partner().await;
    let insurance = app.create_product(&ProductSpec::mileage()).await;
    app.subscribe(&insurer, &insurance).await;
    app.grant_consent(driver, vin, &insurer, None).await;
    let courier = app.create_partner().await;
    let access = app.create_product(&ProductSpec::coarse_location()).await;
    app.subscribe(&courier, &access).await;
    app.grant_consent(driver, vin, &courier, None).await;
    let second = app.create_vehicle(driver).await;
    let now = clock.now_ms();
    clock.set(now - 2 * 24 * 3600 * 1000);
    app.grant_consent(driver, &second, &world.partner, Some(1))
        .await;
    clock.set(now);

    // The driver revokes in the portal.
    let (portal, csrf) = app.portal_sign_in(&driver.username, &driver.password).await;
    let mine = consents_of(&app, username, &world.partner).await;
    let mine = mine.iter().find(|c| c.status == "active").unwrap();
    let res = portal
        .post(app.url(&format!("/portal/consents/{}/revoke", mine.id)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mine = reload(&app, mine.id).await;
    assert_eq!(mine.status, "revoked_by_driver");
    assert_ended(&app.page(&portal, "/portal").await, &mine, "by you");

    // The insurer ends one of the driver's consents; the OEM ends another.
    let insured = consents_of(&app, username, &insurer).await;
    let insured = insured.iter().find(|c| c.status == "active").unwrap();
    let partner = app.partner_token(&insurer).await;
    let res = app
        .post(
            &format!("/v1/consents/{}/revoke", insured.id),
            Some(&partner),
        )
        .await;
    assert_eq!(res.status(), 200);
    let couriered = consents_of(&app, username, &courier).await;
    let couriered = couriered.iter().find(|c| c.status == "active").unwrap();
    let admin = app.admin_token().await;
    let res = app
        .post(
            &format!("/admin/v1/consents/{}/revoke", couriered.id),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = app.page(&portal, "/portal").await;
    assert_ended(
        &page,
        &reload(&app, insured.id).await,
        &format!("by {}", insurer.name),
    );
    assert_ended(
        &page,
        &reload(&app, couriered.id).await,
        "by the vehicle manufacturer",
    );

    // A consent that ran out says so, with the date it ran out.
    let page = app.page(&portal, "/portal").await;
    let lapsed = consents_of(&app, username, &world.partner).await;
    let lapsed = lapsed
        .iter()
        .find(|c| c.status == "active" && c.expires_at < chrono::Utc::now().timestamp_millis())
        .unwrap();
    let html = row_of(&page, lapsed.id);
    assert!(
        html.contains(&when(lapsed.expires_at)) && html.contains("ran out"),
        "{html}"
    );
}

on_both_backends!(;
    with_clock: an_ended_consent_shows_when_and_by_whom_it_ended_instead_of_its_old_end_date
);
