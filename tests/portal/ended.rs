//! A consent that ended says when it ended and who ended it (the driver, the
//! partner, the vehicle manufacturer, or its end date), instead of the end
//! date it had while it ran.

use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, on_both_backends};

use super::*;

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
    let mine = app.active_consent_id(&world.partner, vin).await;
    let res = portal
        .post(app.url(&format!("/portal/consents/{mine}/revoke")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mine = reload(&app, vdx_core::ConsentId(mine)).await;
    assert_eq!(mine.status, "revoked_by_driver");
    assert_ended(&app.page(&portal, "/portal").await, &mine, "by you");

    // The insurer ends one of the driver's consents; the OEM ends another.
    let (insurer_token, admin) = (app.partner_token(&insurer).await, app.admin_token().await);
    let mut ended = Vec::new();
    for (partner, consents, token) in [
        (&insurer, "/v1/consents", &insurer_token),
        (&courier, "/admin/v1/consents", &admin),
    ] {
        let id = app.active_consent_id(partner, vin).await;
        let res = app
            .post(&format!("{consents}/{id}/revoke"), Some(token))
            .await;
        assert_eq!(res.status(), 200);
        ended.push(reload(&app, vdx_core::ConsentId(id)).await);
    }
    let page = app.page(&portal, "/portal").await;
    assert_ended(&page, &ended[0], &format!("by {}", insurer.name));
    assert_ended(&page, &ended[1], "by the vehicle manufacturer");

    // A consent that ran out says so, with the date it ran out.
    let page = app.page(&portal, "/portal").await;
    let lapsed = app.active_consent_id(&world.partner, &second).await;
    let lapsed = reload(&app, vdx_core::ConsentId(lapsed)).await;
    assert!(
        lapsed.expires_at < clock.now_ms(),
        "{lapsed:?} has not run out"
    );
    let html = row_of(&page, lapsed.id);
    assert!(
        html.contains(&when(lapsed.expires_at)) && html.contains("ran out"),
        "{html}"
    );
}

on_both_backends!(;
    with_clock: an_ended_consent_shows_when_and_by_whom_it_ended_instead_of_its_old_end_date
);
