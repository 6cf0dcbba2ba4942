//! The driver portal as a browser-like client uses it: sign-in, pages, the
//! grant form. It signs drivers in with their password only; it must not
//! reach into the session store.

use serde_json::Value;

use crate::TestApp;

/// A browser-like client for the driver portal: keeps cookies, no redirects.
pub fn portal_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    /// Signs a driver into the portal with the login form; returns the
    /// client and the portal page's CSRF token.
    pub async fn portal_sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> (reqwest::Client, String) {
        let client = portal_client();
        let res = self.try_sign_in(&client, username, password).await;
        assert_eq!(res.status(), 303, "login failed");
        let home = self.page(&client, "/portal").await;
        let csrf = hidden(&home, "csrf");
        (client, csrf)
    }

    /// The HTML of a page as `browser` (a portal client) gets it.
    pub async fn page(&self, browser: &reqwest::Client, path: &str) -> String {
        let res = browser.get(self.url(path)).send().await.expect("page");
        res.text().await.expect("html")
    }

    /// The JSON a `GET path` answers to `browser` (a portal client, or `self.client`).
    pub async fn page_json(&self, browser: &reqwest::Client, path: &str) -> Value {
        let res = browser.get(self.url(path)).send().await.expect("page");
        res.json().await.expect("json")
    }

    /// The value of the portal grant form's offer whose text starts with `partner`.
    pub async fn offer_of(&self, portal: &reqwest::Client, partner: &str) -> String {
        let form = self.page(portal, "/portal/grant").await;
        form.split(r#"<option value=""#)
            .find(|o| {
                o.split_once('>')
                    .is_some_and(|(_, text)| text.starts_with(partner))
            })
            .unwrap_or_else(|| panic!("no offer of {partner} in {form}"))
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// `POST /portal/grant`: shares `vin` for `days` (empty: the product's default).
    pub async fn share(
        &self,
        portal: &reqwest::Client,
        csrf: &str,
        vin: &str,
        offer: &str,
        days: &str,
    ) -> reqwest::Response {
        portal
            .post(self.url("/portal/grant"))
            .form(&[
                ("csrf", csrf),
                ("vin", vin),
                ("offer", offer),
                ("days", days),
            ])
            .send()
            .await
            .expect("grant")
    }
}

/// The value of the first hidden input named `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in:\n{html}"))
        + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}
