//! The authorization code flow with PKCE, driven through real pages and the
//! `oauth2` crate, and the attacks on it: code replay, PKCE mismatch,
//! redirect URI mismatch, open redirects, plain PKCE, CSRF.

use oauth2::basic::BasicErrorResponseType;
use oauth2::{RedirectUrl, TokenResponse};
use vdx_tests::world::ProductSpec;
use vdx_tests::{TestApp, hidden, on_both_backends};

use super::support::*;

async fn a_driver_authorises_an_app_with_pkce_and_the_oauth2_crate_gets_tokens(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let (carol, carols_ev) = app.driver_with_car(&ProductSpec::charging().reported).await;
    let scope = oauth.scope();
    let token = driver_tokens(&app, &oauth.client, &scope, &carol, &carols_ev).await;
    assert!(token.refresh_token().is_some());
    let scopes = scopes_of(&token);
    assert_eq!(scopes, vec![scope]);
    let access = token.access_token().secret();
    let claims = part(access, 1);
    assert!(
        claims["sub"].as_str().unwrap().starts_with("driver:"),
        "{claims}"
    );
    assert_eq!(claims["client_id"], oauth.world.partner.client_id.as_str());

    // The approval recorded a consent from the driver, and the token reads that car.
    let statuses = app
        .sql_strings(
            "SELECT status FROM consents WHERE source = $1",
            vec!["oauth".into()],
        )
        .await;
    assert_eq!(statuses, ["active"]);
    let res = oauth.read_car(&app, access, &carols_ev).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // A driver's token reaches only that driver's consents, not the other driver's.
    let res = oauth.read(&app, access).await;
    assert_eq!(res.status(), 403);
}

async fn an_authorization_code_used_twice_is_refused_and_revokes_what_it_gave(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let (code, verifier) = oauth.approved_code(&app).await;
    let replay = (code.clone(), verifier.secret().clone());
    let token = exchange(&oauth.client, code, verifier).await.unwrap();
    let access = token.access_token().secret();
    oauth.assert_accepted(&app, access, "the first token").await;
    let again = exchange(
        &oauth.client,
        replay.0,
        oauth2::PkceCodeVerifier::new(replay.1),
    )
    .await;
    assert_eq!(again.unwrap_err(), BasicErrorResponseType::InvalidGrant);
    oauth
        .assert_refused(&app, access, "a token of a replayed code")
        .await;
}

async fn a_pkce_verifier_that_does_not_match_is_refused(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let partner = &oauth.world.partner;
    let (code, _) = oauth.approved_code(&app).await;
    let wrong = oauth2::PkceCodeVerifier::new("x".repeat(64));
    let err = exchange(&oauth.client, code.clone(), wrong)
        .await
        .unwrap_err();
    assert_eq!(err, BasicErrorResponseType::InvalidGrant);
    // Without any verifier at all: refused too.
    let res = http()
        .post(app.url("/oauth/token"))
        .basic_auth(&partner.client_id, Some(&partner.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.secret()),
            ("redirect_uri", &partner.redirect_uri),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 400, "invalid_grant").await;
}

async fn a_redirect_uri_that_differs_from_the_authorization_request_is_refused(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let (code, verifier) = oauth.approved_code(&app).await;
    let other = oauth
        .world
        .partner
        .redirect_uri
        .replace("/callback", "/other");
    let elsewhere = oauth
        .client
        .clone()
        .set_redirect_uri(RedirectUrl::new(other).unwrap());
    let err = exchange(&elsewhere, code, verifier).await.unwrap_err();
    assert_eq!(err, BasicErrorResponseType::InvalidGrant);
}

async fn an_unregistered_redirect_uri_gets_an_error_page_and_never_a_redirect(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let p = &oauth.world.partner;
    let registered = &p.redirect_uri;
    for redirect in [
        "https://evil.example/steal".to_owned(),
        format!("{registered}/../../evil"),
        format!("{registered}?next=https://evil.example"),
        format!("{registered}.evil.example"),
        registered.to_uppercase(),
    ] {
        let client = client(&app, &p.client_id, &p.client_secret, &redirect).await;
        let (url, _, _) = authorize_url(&client, &oauth.scope());
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
    let oauth = OAuth::new(&app).await;
    let p = &oauth.world.partner;
    let redirect = &p.redirect_uri;
    let scope = oauth.scope();
    let base = [
        ("client_id", p.client_id.as_str()),
        ("redirect_uri", redirect.as_str()),
        ("response_type", "code"),
        ("scope", scope.as_str()),
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
        let back = location(&res);
        assert!(back.as_str().starts_with(redirect.as_str()), "{back}");
        assert_eq!(param(&back, "error").as_deref(), Some("invalid_request"));
        assert!(param(&back, "error_description").is_some());
        assert_eq!(param(&back, "state").as_deref(), Some("s-123"));
    }
}

async fn a_driver_who_denies_sends_the_app_access_denied(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let (driver, ev) = (&oauth.world.driver, oauth.world.vin.as_str());
    let (url, state, _) = authorize_url(&oauth.client, &oauth.scope());
    let back = browse(&app, &url, driver, &[ev], "deny").await;
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        param(&back, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert!(param(&back, "code").is_none());
}

async fn the_consent_screen_is_a_portal_page_that_signs_in_first_and_speaks_plainly(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let (driver, ev) = (&oauth.world.driver, &oauth.world.vin);
    let (url, _, _) = authorize_url(&oauth.client, &oauth.read_and_command());
    let screen = consent_screen(&app, &url).await;
    // Without a portal session the driver signs in and comes back here.
    let portal = vdx_tests::portal_client();
    let res = portal.get(app.url(&screen)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let login = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(login.starts_with("/portal/login?next="), "{login}");
    let form = app.page(&portal, &login).await;
    let res = portal
        .post(app.url("/portal/login"))
        .form(&[
            ("username", driver.username.as_str()),
            ("password", driver.password.as_str()),
            ("login_token", hidden(&form, "login_token").as_str()),
            ("next", hidden(&form, "next").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"].to_str().unwrap(), screen);
    let html = app.page(&portal, &screen).await;
    // Partner, app, product, purpose, signals and commands in words, the end date, the car.
    for words in [
        oauth.world.partner.name.as_str(),
        ProductSpec::charging().name,
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
        let page = login_page(&app, &portal, next).await;
        assert_eq!(hidden(&page, "next"), "/portal", "{next}");
    }
}

async fn the_decision_needs_the_session_csrf_token_and_the_driver_who_opened_it(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let ev = oauth.world.vin.as_str();
    let (url, _, _) = authorize_url(&oauth.client, &oauth.scope());
    let alice = on_consent_screen(&app, &url, &oauth.world.driver).await;
    // A forged token is refused and decides nothing.
    let res = decide(
        &app,
        &alice.portal,
        &alice.html,
        Some("forged"),
        "approve",
        &[ev],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
    // Bob, holding the link, can neither see nor decide Alice's request.
    let bob = app.create_driver().await;
    let (bob, bobs_csrf) = app.portal_sign_in(&bob.username, &bob.password).await;
    let res = bob.get(app.url(&alice.path)).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(!res.text().await.unwrap().contains(ev));
    let res = decide(&app, &bob, &alice.html, Some(&bobs_csrf), "deny", &[]).await;
    assert_eq!(res.status(), 400);
    // Alice's request is still hers to approve.
    let res = decide(&app, &alice.portal, &alice.html, None, "approve", &[ev]).await;
    assert_eq!(res.status(), 303);
    let back = location(&res);
    assert!(param(&back, "code").is_some(), "{back}");
}

async fn a_driver_may_share_only_vehicles_they_own(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let bob = app.create_driver().await;
    let bobs_ev = app.create_vehicle(&bob).await;
    let (url, _, _) = authorize_url(&oauth.client, &oauth.scope());
    let alice = on_consent_screen(&app, &url, &oauth.world.driver).await;
    assert!(!alice.html.contains(&bobs_ev));
    let res = decide(
        &app,
        &alice.portal,
        &alice.html,
        None,
        "approve",
        &[&bobs_ev],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
}

on_both_backends!(
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
