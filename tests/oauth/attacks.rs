//! Forged and stale tokens the gateway must refuse, each with 401,
//! `WWW-Authenticate: Bearer error="invalid_token"` and an `error` /
//! `error_description` body. Every forgery is first shown to be otherwise
//! well-formed: the same claims signed properly are accepted.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::Ed25519KeyPair;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;
use vdx_tests::{TestApp, on_both_backends, vdx_binary};

use super::support::*;

fn attacker_key() -> Vec<u8> {
    Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .unwrap()
        .as_ref()
        .to_vec()
}

async fn a_token_hmac_signed_with_the_public_key_is_refused(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let (kid, private, public) = signing_key(&app).await;
    let claims = oauth.claims(&app, 300, 0);
    oauth
        .assert_accepted(
            &app,
            &sign_eddsa(&kid, &private, &claims),
            "the control token",
        )
        .await;
    let jwks: Value = app.get_json("/.well-known/jwks.json", None).await;
    let x = jwks["keys"][0]["x"].as_str().unwrap().to_owned();
    for (alg, secret) in [
        (Algorithm::HS256, public.clone()),
        (Algorithm::HS256, x.clone().into_bytes()),
        (Algorithm::HS512, public.clone()),
    ] {
        let mut header = Header::new(alg);
        header.typ = Some("at+jwt".into());
        header.kid = Some(kid.clone());
        let forged =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap();
        oauth
            .assert_refused(&app, &forged, &format!("{alg:?} with the public key"))
            .await;
    }
}

async fn a_token_with_an_unknown_kid_is_refused(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let attacker = attacker_key();
    let claims = oauth.claims(&app, 300, 0);
    oauth
        .assert_refused(
            &app,
            &sign_eddsa("attacker-key-1", &attacker, &claims),
            "an unknown kid",
        )
        .await;
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("at+jwt".into());
    let no_kid =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(&attacker)).unwrap();
    oauth.assert_refused(&app, &no_kid, "no kid").await;
}

async fn a_kid_that_injects_a_path_query_or_foreign_key_is_refused(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let (kid, _, _) = signing_key(&app).await;
    let attacker = attacker_key();
    let claims = oauth.claims(&app, 300, 0);
    for injected in [
        "' OR '1'='1".to_owned(),
        format!("{kid}' OR kid IS NOT NULL --"),
        "../../../../../../dev/null".to_owned(),
        "/proc/self/environ".to_owned(),
        format!("{kid} "),
        format!("{kid}\u{0000}"),
        kid.clone(),
    ] {
        // Signed by the attacker, naming our key or something that smuggles it in.
        oauth
            .assert_refused(
                &app,
                &sign_eddsa(&injected, &attacker, &claims),
                &format!("kid {injected:?}"),
            )
            .await;
    }
    // A header that points at the attacker's own key set changes nothing either.
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid);
    header.jku = Some("https://evil.example/jwks.json".into());
    let forged =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(&attacker)).unwrap();
    oauth
        .assert_refused(&app, &forged, "jku to the attacker's keys")
        .await;
}

async fn expired_and_not_yet_valid_tokens_are_refused_beyond_a_small_leeway(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let (kid, private, _) = signing_key(&app).await;
    let sign = |c: &Value| sign_eddsa(&kid, &private, c);
    // (expires in, valid in, accepted, what): within the 30 s leeway for
    // clock skew, both are still fine.
    for (exp_in, nbf_in, accepted, what) in [
        (-120, -400, false, "an expired token"),
        (600, 120, false, "a token not valid yet"),
        (-5, -400, true, "a token expired 5 s ago"),
        (600, 5, true, "a token valid in 5 s"),
    ] {
        let token = sign(&oauth.claims(&app, exp_in, nbf_in));
        if accepted {
            oauth.assert_accepted(&app, &token, what).await;
        } else {
            oauth.assert_refused(&app, &token, what).await;
        }
    }
}

async fn tokens_for_another_audience_or_from_another_issuer_are_refused(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let (kid, private, _) = signing_key(&app).await;
    let mut wrong_aud = oauth.claims(&app, 300, 0);
    wrong_aud["aud"] = "https://other-gateway.example".into();
    oauth
        .assert_refused(&app, &sign_eddsa(&kid, &private, &wrong_aud), "a wrong aud")
        .await;
    let mut wrong_iss = oauth.claims(&app, 300, 0);
    wrong_iss["iss"] = "https://evil.example".into();
    oauth
        .assert_refused(&app, &sign_eddsa(&kid, &private, &wrong_iss), "a wrong iss")
        .await;
    let mut no_aud = oauth.claims(&app, 300, 0);
    no_aud.as_object_mut().unwrap().remove("aud");
    oauth
        .assert_refused(&app, &sign_eddsa(&kid, &private, &no_aud), "no aud")
        .await;
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..50 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("{what} did not happen within 10 s");
}

async fn kids_in_jwks(app: &TestApp) -> Vec<String> {
    let jwks: Value = app.get_json("/.well-known/jwks.json", None).await;
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_token_signed_by_a_rotated_out_key_is_refused_after_its_grace_period(
    app: TestApp,
    clock: std::sync::Arc<vdx_core::ManualClock>,
) {
    use vdx_core::Clock;
    let oauth = OAuth::new(&app).await;
    let partner = &oauth.world.partner;
    let (old_kid, old_private, _) = signing_key(&app).await;
    let old_token = app.partner_token(partner).await;
    assert_eq!(part(&old_token, 0)["kid"], old_kid.as_str());
    oauth
        .assert_accepted(&app, &old_token, "a token of the current key")
        .await;

    let out = std::process::Command::new(vdx_binary())
        .args(["keys", "rotate", "--database-url", &app.database_url])
        .env_remove("VDX_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let new_kid = stdout
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        stdout.contains(&format!("retiring:        {old_kid}")),
        "{stdout}"
    );

    // During the grace period both keys are published; new tokens use the new one.
    eventually("publishing the new key", async || {
        let kids = kids_in_jwks(&app).await;
        kids.contains(&new_kid) && kids.contains(&old_kid)
    })
    .await;
    eventually("signing with the new key", async || {
        part(&app.partner_token(partner).await, 0)["kid"] == new_kid.as_str()
    })
    .await;
    oauth
        .assert_accepted(&app, &old_token, "an old-key token within the grace period")
        .await;

    // The grace period ends: the clock passes the retirement the command announced.
    let retires = stdout
        .lines()
        .find(|l| l.starts_with("retiring:") && l.contains(&old_kid))
        .and_then(|l| l.rsplit_once(" at "))
        .map(|(_, at)| chrono::DateTime::parse_from_rfc3339(at).unwrap())
        .unwrap_or_else(|| panic!("no retirement time in {stdout}"))
        .timestamp_millis();
    clock.set(retires + 1);
    eventually("refusing the retired key", async || {
        let res = oauth.read(&app, &old_token).await;
        res.status() == 401
    })
    .await;
    oauth
        .assert_refused(&app, &old_token, "a token of a retired key")
        .await;
    // Fresh by the gateway's clock: refused for its key alone.
    let now = clock.now_ms() / 1000;
    let mut fresh = oauth.claims(&app, 300, 0);
    fresh["iat"] = now.into();
    fresh["nbf"] = now.into();
    fresh["exp"] = (now + 300).into();
    oauth
        .assert_refused(
            &app,
            &sign_eddsa(&old_kid, &old_private, &fresh),
            "a fresh forgery with the retired key",
        )
        .await;
    assert!(!kids_in_jwks(&app).await.contains(&old_kid));
}

on_both_backends!(
    a_token_hmac_signed_with_the_public_key_is_refused,
    a_token_with_an_unknown_kid_is_refused,
    a_kid_that_injects_a_path_query_or_foreign_key_is_refused,
    expired_and_not_yet_valid_tokens_are_refused_beyond_a_small_leeway,
    tokens_for_another_audience_or_from_another_issuer_are_refused;
    with_clock: a_token_signed_by_a_rotated_out_key_is_refused_after_its_grace_period,
);
