//! The portal's cookies when the portal is reached over https.

use reqwest::header::{COOKIE, SET_COOKIE};
use vdx_tests::{Backend, hidden, spawn_app_with};

/// The `Set-Cookie` of `res` that sets `name`.
fn set_cookie(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

/// Behind a public https URL every cookie the portal sets is `Secure`: the
/// sign-in form's double-submit token as well as the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_portal_cookie_is_secure_when_the_portal_is_served_over_https() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.public_url = Some("https://portal.vdx.test".to_owned());
    })
    .await;
    let driver = app.create_driver().await;
    // The TLS proxy's side of the connection: plain HTTP to the gateway.
    let local = format!("http://127.0.0.1:{}", app.port);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let res = client
        .get(format!("{local}/portal/login"))
        .send()
        .await
        .unwrap();
    let login = set_cookie(&res, "vdx_login");
    assert!(login.contains("; Secure"), "{login}");
    let token = hidden(&res.text().await.unwrap(), "login_token");

    let res = client
        .post(format!("{local}/portal/login"))
        .header(COOKIE, format!("vdx_login={token}"))
        .form(&[
            ("username", driver.username.as_str()),
            ("password", driver.password.as_str()),
            ("login_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let session = set_cookie(&res, "vdx_session");
    assert!(session.contains("; Secure"), "{session}");
}
