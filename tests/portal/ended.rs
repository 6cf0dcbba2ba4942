//! A consent that ended says when it ended and who ended it (the driver, the
//! partner, the vehicle manufacturer, or its end date), instead of the end
//! date it had while it ran.

use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use vdx_consent::test_support::{consent, driver};
use vdx_tests::{TestApp, on_both_backends_in_demo_world};

use super::*;

/// The driver's consents to the partner's app, oldest first.
async fn consents_of(
    app: &TestApp,
    username: &str,
    partner: &str,
) -> Vec<vdx_consent::ConsentRecord> {
    let driver = driver::Entity::find()
        .filter(driver::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let partner_app =
        vdx_catalog::marketplace::find_app_by_client_id(&app.db, &app.partner(partner).client_id)
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

async fn home(portal: &reqwest::Client, app: &TestApp) -> String {
    portal
        .get(app.url("/portal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
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
) {
    // Alice revokes in the portal.
    let (alice, csrf) = app.portal_login("alice").await;
    let mine = consents_of(&app, "alice", "Voltwise Energy").await;
    let mine = mine.iter().find(|c| c.status == "active").unwrap();
    let res = alice
        .post(app.url(&format!("/portal/consents/{}/revoke", mine.id)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mine = reload(&app, mine.id).await;
    assert_eq!(mine.status, "revoked_by_driver");
    assert_ended(&home(&alice, &app).await, &mine, "by you");

    // Milesure ends one of Erin's consents; the OEM ends another.
    let milesure = consents_of(&app, "erin", "Milesure Insurance").await;
    let milesure = milesure.iter().find(|c| c.status == "active").unwrap();
    let partner = app.token_for("Milesure Insurance").await;
    let res = app
        .call(
            Method::POST,
            &format!("/v1/consents/{}/revoke", milesure.id),
            Some(&partner),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let parcelway = consents_of(&app, "erin", "Parcelway Logistics").await;
    let parcelway = parcelway.iter().find(|c| c.status == "active").unwrap();
    let admin = app.admin_token().await;
    let res = app
        .call(
            Method::POST,
            &format!("/admin/v1/consents/{}/revoke", parcelway.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let (erin, _) = app.portal_login("erin").await;
    let page = home(&erin, &app).await;
    assert_ended(
        &page,
        &reload(&app, milesure.id).await,
        "by Milesure Insurance",
    );
    assert_ended(
        &page,
        &reload(&app, parcelway.id).await,
        "by the vehicle manufacturer",
    );

    // A consent that ran out says so, with the date it ran out.
    let (dave, _) = app.portal_login("dave").await;
    let page = home(&dave, &app).await;
    let lapsed = consents_of(&app, "dave", "Voltwise Energy").await;
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

on_both_backends_in_demo_world!(
    an_ended_consent_shows_when_and_by_whom_it_ended_instead_of_its_old_end_date
);
