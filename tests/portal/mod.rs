//! The driver portal as drivers use it: revoking asks first and says what
//! happened, sharing again renews the one consent instead of adding a second,
//! an ended consent says when and by whom it ended, and every page fits a
//! phone. Helpers shared by the submodules live here.

mod cookies;
mod ended;
mod phone;
mod revoking;
mod sharing;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use vdx_consent::test_support::consent;
use vdx_tests::TestApp;
use vdx_tests::world::Partner;

/// How the portal writes a time: `2026-11-23 17:05 UTC`.
pub(crate) fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%d %H:%M UTC")
        .to_string()
}

/// Every page of the portal a signed-in driver reaches, for consent `consent`.
pub(crate) fn every_page(consent: impl std::fmt::Display) -> [String; 5] {
    [
        "/portal".to_owned(),
        "/portal/grant".to_owned(),
        "/portal/access".to_owned(),
        format!("/portal/consents/{consent}"),
        format!("/portal/consents/{consent}/revoke"),
    ]
}

/// Every consent given to the partner's app, oldest first. In a test's
/// own world these are its driver's.
pub(crate) async fn consents_given(app: &TestApp, partner: &Partner) -> Vec<consent::Model> {
    let partner_app = vdx_catalog::marketplace::find_app_by_client_id(&app.db, &partner.client_id)
        .await
        .unwrap()
        .unwrap();
    let mut rows = consent::Entity::find()
        .filter(consent::Column::AppId.eq(partner_app.id))
        .all(&app.db)
        .await
        .unwrap();
    rows.sort_by_key(|c| c.id);
    rows
}

/// An `oauth2` client of the partner's app, redirecting to its registered URI.
pub(crate) async fn oauth_client(
    app: &TestApp,
    partner: &Partner,
) -> crate::oauth::support::Client {
    let (id, secret) = (&partner.client_id, &partner.client_secret);
    crate::oauth::support::client(app, id, secret, &partner.redirect_uri).await
}

/// The HTML of the table row of consent `id` on the portal's home page.
pub(crate) fn row_of(page: &str, id: impl std::fmt::Display) -> String {
    let start = page
        .find(&format!(r#"<tr id="consent-{id}""#))
        .unwrap_or_else(|| panic!("no row of consent {id} in {page}"));
    let rest = &page[start..];
    rest[..rest.find("</tr>").unwrap()].to_owned()
}

/// The ledger verifies: the hash chain is unbroken and every consent matches its last entry.
pub(crate) async fn assert_ledger_verifies(app: &TestApp) {
    let verification = vdx_consent::ledger::verify(&app.db).await.unwrap();
    assert_eq!(verification.first_broken, None, "{verification:?}");
}
