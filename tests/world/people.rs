//! More of a test's world, built like the rest of [`crate::world`]: another
//! driver whose car has reported, consents found through the partner API,
//! and a driver ending a consent on the portal. Never raw SQL.

use serde_json::Value;

use super::{Driver, Partner};
use crate::TestApp;

impl TestApp {
    /// A new driver owning a new car that reported `values` just now.
    pub async fn driver_with_car(&self, values: &[(&str, Value)]) -> (Driver, String) {
        let driver = self.create_driver().await;
        let vin = self.create_vehicle(&driver).await;
        self.report(&vin, values, chrono::Utc::now().timestamp_millis())
            .await;
        (driver, vin)
    }

    /// A new car of `driver` that reported `values` at `at_ms`, shared with
    /// the partner through the portal for `days` (the product's most when
    /// `None`); its VIN.
    pub async fn share_new_car(
        &self,
        (driver, partner): (&Driver, &Partner),
        values: &[(&str, Value)],
        at_ms: i64,
        days: Option<u32>,
    ) -> String {
        let vin = self.create_vehicle(driver).await;
        self.report(&vin, values, at_ms).await;
        self.grant_consent(driver, &vin, partner, days).await;
        vin
    }

    /// The partner's consents for `vin`, as the partner's consent listing
    /// (`GET /v1/consents`) shows them.
    async fn consents_for(&self, partner: &Partner, vin: &str) -> Vec<Value> {
        let token = self.partner_token(partner).await;
        let listing: Value = self.get_json("/v1/consents?limit=100", Some(&token)).await;
        let all = listing["consents"].as_array().expect("consents");
        all.iter().filter(|c| c["vin"] == vin).cloned().collect()
    }

    /// The id of the partner's newest consent for `vin`, whatever its status.
    pub async fn consent_id(&self, partner: &Partner, vin: &str) -> i64 {
        let consents = self.consents_for(partner, vin).await;
        let newest = consents.iter().filter_map(|c| c["id"].as_i64()).max();
        newest.unwrap_or_else(|| panic!("{} holds no consent for {vin}", partner.name))
    }

    /// The id of the partner's active consent for `vin`.
    pub async fn active_consent_id(&self, partner: &Partner, vin: &str) -> i64 {
        let consents = self.consents_for(partner, vin).await;
        let active = consents.iter().find(|c| c["status"] == "active");
        let id = active.and_then(|c| c["id"].as_i64());
        id.unwrap_or_else(|| panic!("{} holds no active consent for {vin}", partner.name))
    }

    /// The driver revokes the partner's active consent for `vin` on the
    /// portal (`POST /portal/consents/{id}/revoke` with the session's CSRF
    /// token).
    pub async fn revoke_on_portal(&self, driver: &Driver, partner: &Partner, vin: &str) {
        let id = self.active_consent_id(partner, vin).await;
        let (portal, csrf) = self
            .portal_sign_in(&driver.username, &driver.password)
            .await;
        let res = portal
            .post(self.url(&format!("/portal/consents/{id}/revoke")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .expect("revoke");
        assert_eq!(res.status(), 303, "revocation failed");
    }

    /// Fills in and posts the portal's sign-in form in `browser`, as a
    /// driver would; the answer, whatever it is.
    pub async fn try_sign_in(
        &self,
        browser: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let form = self.page(browser, "/portal/login").await;
        let token = crate::hidden(&form, "login_token");
        browser
            .post(self.url("/portal/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("login_token", token.as_str()),
            ])
            .send()
            .await
            .expect("sign-in")
    }
}

/// Asserts `res` answers `status` with a page that says `words`.
pub async fn assert_says(res: reqwest::Response, status: u16, words: &str) {
    assert_eq!(res.status(), status, "answering {words:?}");
    let text = res.text().await.expect("text");
    assert!(text.contains(words), "{words:?} is not in {text}");
}

/// The seconds a `Retry-After` header asks the client to wait.
pub fn retry_after(res: &reqwest::Response) -> u64 {
    let header = res.headers()["retry-after"].to_str().expect("ascii");
    header.parse().expect("seconds")
}
