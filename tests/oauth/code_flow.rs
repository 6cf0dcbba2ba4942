//! The authorization code flow with PKCE, driven through real pages and the
//! `oauth2` crate, and the attacks on it: code replay, PKCE mismatch,
//! redirect URI mismatch, open redirects, plain PKCE, CSRF.

use oauth2::basic::BasicErrorResponseType;
use oauth2::{RedirectUrl, TokenResponse};
use serde_json::Value;
use vdx_tests::{TestApp, on_both_backends_in_demo_world};

use super::support::*;

async fn a_driver_authorises_an_app_with_pkce_and_the_oauth2_crate_gets_tokens(app: TestApp) {
    let client = voltwise(&app).await;
    let (_, carols_ev) = driver(&app, "carol");
    let (code, verifier) = approved_code(&app, &client, "carol", &carols_ev).await;
    let token = exchange(&client, code, verifier).await.unwrap();
    assert!(token.refresh_token().is_some());
    let scopes = scopes_of(&token);
    assert_eq!(scopes, vec!["read:ev-charging"]);
    let access = token.access_token().secret();
    let claims = part(access, 1);
    assert!(
        claims["sub"].as_str().unwrap().starts_with("driver:"),
        "{claims}"
    );
    assert_eq!(
        claims["client_id"],
        app.partner("Voltwise Energy").client_id.as_str()
    );

    // The approval recorded a consent from the driver, and the token reads that car.
    let statuses = app
        .sql_strings(
            "SELECT status FROM consents WHERE source = $1",
            vec!["oauth".into()],
        )
        .await;
    assert_eq!(statuses, ["active"]);
    let res = app
        .rest_latest(access, &carols_ev, "ev-charging", "smart_charging")
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // A driver's token reaches only that driver's consents, not alice's.
    let res = super::support::read_example(&app, access).await;
    assert_eq!(res.status(), 403);
}

async fn an_authorization_code_used_twice_is_refused_and_revokes_what_it_gave(app: TestApp) {
    let client = voltwise(&app).await;
    let (_, ev) = driver(&app, "alice");
    let (code, verifier) = approved_code(&app, &client, "alice", &ev).await;
    let replay = (code.clone(), verifier.secret().clone());
    let token = exchange(&client, code, verifier).await.unwrap();
    assert_accepted(&app, token.access_token().secret(), "the first token").await;
    let again = exchange(&client, replay.0, oauth2::PkceCodeVerifier::new(replay.1)).await;
    assert_eq!(again.unwrap_err(), BasicErrorResponseType::InvalidGrant);
    assert_refused(
        &app,
        token.access_token().secret(),
        "a token of a replayed code",
    )
    .await;
}

async fn a_pkce_verifier_that_does_not_match_is_refused(app: TestApp) {
    let client = voltwise(&app).await;
    let (_, ev) = driver(&app, "alice");
    let (code, _) = approved_code(&app, &client, "alice", &ev).await;
    let wrong = oauth2::PkceCodeVerifier::new("x".repeat(64));
    let err = exchange(&client, code.clone(), wrong).await.unwrap_err();
    assert_eq!(err, BasicErrorResponseType::InvalidGrant);
    // Without any verifier at all: refused too.
    let res = http()
        .post(app.url("/oauth/token"))
        .basic_auth(
            &app.partner("Voltwise Energy").client_id,
            Some(&app.partner("Voltwise Energy").client_secret),
        )
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.secret()),
            (
                "redirect_uri",
                &app.partner("Voltwise Energy").redirect_uris[0],
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

async fn a_redirect_uri_that_differs_from_the_authorization_request_is_refused(app: TestApp) {
    let client = voltwise(&app).await;
    let (_, ev) = driver(&app, "alice");
    let (code, verifier) = approved_code(&app, &client, "alice", &ev).await;
    let elsewhere = client
        .clone()
        .set_redirect_uri(RedirectUrl::new("https://voltwise.example/oauth/other".into()).unwrap());
    let err = exchange(&elsewhere, code, verifier).await.unwrap_err();
    assert_eq!(err, BasicErrorResponseType::InvalidGrant);
}

async fn an_unregistered_redirect_uri_gets_an_error_page_and_never_a_redirect(app: TestApp) {
    let p = app.partner("Voltwise Energy");
    let registered = &p.redirect_uris[0];
    for redirect in [
        "https://evil.example/steal".to_owned(),
        format!("{registered}/../../evil"),
        format!("{registered}?next=https://evil.example"),
        format!("{registered}.evil.example"),
        registered.to_uppercase(),
    ] {
        let client = client(&app, &p.client_id, &p.client_secret, &redirect).await;
        let (url, _, _) = authorize_url(&client, "read:ev-charging");
        let res = app.client.get(url.as_str()).send().await.unwrap();
        assert_eq!(res.status(), 400, "{redirect} was accepted");
        assert!(
            res.headers().get("location").is_none(),
            "{redirect} was redirected to"
        );
        assert!(res.text().await.unwrap().contains("not registered"));
    }
    // An unknown client is not redirected anywhere either, even to a registered URI.
    let res = app
        .client
        .get(app.url("/oauth/authorize"))
        .query(&[
            ("client_id", "vdxc_nobody"),
            ("redirect_uri", registered.as_str()),
            ("response_type", "code"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
}

async fn plain_or_missing_pkce_is_refused_with_an_error_redirect(app: TestApp) {
    let p = app.partner("Voltwise Energy");
    let redirect = &p.redirect_uris[0];
    let base = [
        ("client_id", p.client_id.as_str()),
        ("redirect_uri", redirect.as_str()),
        ("response_type", "code"),
        ("scope", "read:ev-charging"),
        ("state", "s-123"),
    ];
    let plain = [
        ("code_challenge", "a".repeat(43)),
        ("code_challenge_method", "plain".into()),
    ];
    for extra in [&plain[..], &[]] {
        let mut query: Vec<(&str, &str)> = base.to_vec();
        query.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
        let res = app
            .client
            .get(app.url("/oauth/authorize"))
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let back = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
        assert!(back.as_str().starts_with(redirect.as_str()), "{back}");
        assert_eq!(param(&back, "error").as_deref(), Some("invalid_request"));
        assert!(param(&back, "error_description").is_some());
        assert_eq!(param(&back, "state").as_deref(), Some("s-123"));
    }
}

async fn a_driver_who_denies_sends_the_app_access_denied(app: TestApp) {
    let client = voltwise(&app).await;
    let (_, ev) = driver(&app, "alice");
    let (url, state, _) = authorize_url(&client, "read:ev-charging");
    let back = browse(&app, &url, "alice", &[&ev], "deny").await;
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        param(&back, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert!(param(&back, "code").is_none());
}

async fn the_consent_screen_is_a_portal_page_that_signs_in_first_and_speaks_plainly(app: TestApp) {
    let client = voltwise(&app).await;
    let (url, _, _) = authorize_url(&client, "read:ev-charging command:ev-charging");
    let screen = consent_screen(&app, &url).await;
    // Without a portal session the driver signs in and comes back here.
    let portal = vdx_tests::portal_client();
    let res = portal.get(app.url(&screen)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let login = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(login.starts_with("/portal/login?next="), "{login}");
    let form = app.page(&portal, &login).await;
    let (password, ev) = driver(&app, "alice");
    let res = portal
        .post(app.url("/portal/login"))
        .form(&[
            ("username", "alice"),
            ("password", password.as_str()),
            ("login_token", hidden(&form, "login_token").as_str()),
            ("next", hidden(&form, "next").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"].to_str().unwrap(), screen);
    let html = app.page(&portal, &screen).await;
    // Partner, app, product, purpose, signals and commands in words, the end date, her car.
    for words in [
        "Voltwise Energy",
        "EV Smart Charging",
        "Schedule and control charging",
        "Traction battery › State of charge",
        "It may also control",
        "Your consent ends on",
        ev.as_str(),
    ] {
        assert!(
            html.contains(words),
            "{words:?} is not on the screen: {html}"
        );
    }
    // A login page never sends anyone to another site.
    for next in [
        "https://evil.example/",
        "//evil.example/portal",
        "/\\evil.example",
    ] {
        let page = portal
            .get(app.url("/portal/login"))
            .query(&[("next", next)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(hidden(&page, "next"), "/portal", "{next}");
    }
}

async fn the_decision_needs_the_session_csrf_token_and_the_driver_who_opened_it(app: TestApp) {
    let client = voltwise(&app).await;
    let (_, ev) = driver(&app, "alice");
    let (url, _, _) = authorize_url(&client, "read:ev-charging");
    let screen = consent_screen(&app, &url).await;
    let (alice, _) = app.portal_login("alice").await;
    let html = app.page(&alice, &screen).await;
    let request = hidden(&html, "request");
    let csrf = hidden(&html, "csrf");
    // A forged token is refused and decides nothing.
    let res = alice
        .post(app.url("/portal/authorize"))
        .form(&[
            ("request", request.as_str()),
            ("csrf", "forged"),
            ("decision", "approve"),
            ("vehicle", ev.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
    // Bob, holding the link, can neither see nor decide Alice's request.
    let (bob, bobs_csrf) = app.portal_login("bob").await;
    let res = bob.get(app.url(&screen)).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(!res.text().await.unwrap().contains(&ev));
    let res = bob
        .post(app.url("/portal/authorize"))
        .form(&[
            ("request", request.as_str()),
            ("csrf", bobs_csrf.as_str()),
            ("decision", "deny"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Alice's request is still hers to approve.
    let res = alice
        .post(app.url("/portal/authorize"))
        .form(&[
            ("request", request.as_str()),
            ("csrf", csrf.as_str()),
            ("decision", "approve"),
            ("vehicle", ev.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let back = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    assert!(param(&back, "code").is_some(), "{back}");
}

async fn a_driver_may_share_only_vehicles_they_own(app: TestApp) {
    let client = voltwise(&app).await;
    let (_, bobs_ev) = driver(&app, "bob");
    let (url, _, _) = authorize_url(&client, "read:ev-charging");
    let screen = consent_screen(&app, &url).await;
    let (alice, _) = app.portal_login("alice").await;
    let html = app.page(&alice, &screen).await;
    assert!(!html.contains(&bobs_ev));
    let res = alice
        .post(app.url("/portal/authorize"))
        .form(&[
            ("request", hidden(&html, "request").as_str()),
            ("csrf", hidden(&html, "csrf").as_str()),
            ("decision", "approve"),
            ("vehicle", bobs_ev.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
}

on_both_backends_in_demo_world!(
    a_driver_authorises_an_app_with_pkce_and_the_oauth2_crate_gets_tokens,
    an_authorization_code_used_twice_is_refused_and_revokes_what_it_gave,
    a_pkce_verifier_that_does_not_match_is_refused,
    a_redirect_uri_that_differs_from_the_authorization_request_is_refused,
    an_unregistered_redirect_uri_gets_an_error_page_and_never_a_redirect,
    plain_or_missing_pkce_is_refused_with_an_error_redirect,
    a_driver_who_denies_sends_the_app_access_denied,
    the_consent_screen_is_a_portal_page_that_signs_in_first_and_speaks_plainly,
    the_decision_needs_the_session_csrf_token_and_the_driver_who_opened_it,
    a_driver_may_share_only_vehicles_they_own,
);
