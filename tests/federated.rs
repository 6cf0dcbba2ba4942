//! Federated sign-in to the driver portal through an OEM identity provider
//! (OpenID Connect, vdx as relying party).
//!
//! The provider is a small OpenID Connect provider written for these tests
//! (discovery, authorization, token and JWKS endpoints; Ed25519-signed ID
//! tokens; PKCE and client-secret checks). It stands in for the OEM's
//! identity provider, which vdx does not ship; it treats its user as already
//! signed in at the provider, and can be told to misbehave.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};
use vdx_tests::world::{Driver, assert_says};
use vdx_tests::{Backend, TestApp, portal_client, spawn_app, spawn_app_with};

use crate::oauth::support::{OAuth, authorize_url, consent_screen, login_page};

const CLIENT_ID: &str = "vdx-portal";
const CLIENT_SECRET: &str = "s3cret-at-the-idp";

/// How the provider should misbehave in its next ID token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tamper {
    None,
    Nonce,
    Audience,
    Expired,
    ForeignKey,
}

struct IdpState {
    base: String,
    /// The user signed in at the provider: (sub, preferred_username).
    user: (String, String),
    tamper: Tamper,
    /// code → (redirect_uri, code_challenge, nonce, user)
    codes: HashMap<String, (String, String, String, (String, String))>,
    kid: String,
    key: Vec<u8>,
    public: Vec<u8>,
}

#[derive(Clone)]
struct Idp {
    base: String,
    state: Arc<Mutex<IdpState>>,
}

fn ed25519() -> (Vec<u8>, Vec<u8>) {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    (pkcs8.as_ref().to_vec(), pair.public_key().as_ref().to_vec())
}

async fn discovery(idp: web::Data<Idp>) -> HttpResponse {
    let b = &idp.base;
    HttpResponse::Ok().json(json!({
        "issuer": b,
        "authorization_endpoint": format!("{b}/authorize"),
        "token_endpoint": format!("{b}/token"),
        "jwks_uri": format!("{b}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(idp: web::Data<Idp>) -> HttpResponse {
    let s = idp.state.lock().unwrap();
    HttpResponse::Ok().json(json!({"keys": [{
        "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA",
        "kid": s.kid, "x": URL_SAFE_NO_PAD.encode(&s.public),
    }]}))
}

async fn authorize(req: HttpRequest, idp: web::Data<Idp>) -> HttpResponse {
    let q: HashMap<String, String> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["scope"].split(' ').any(|s| s == "openid"), "{q:?}");
    let mut back = url::Url::parse(&q["redirect_uri"]).unwrap();
    let mut s = idp.state.lock().unwrap();
    let code = uuid::Uuid::new_v4().to_string();
    let user = s.user.clone();
    s.codes.insert(
        code.clone(),
        (
            q["redirect_uri"].clone(),
            q["code_challenge"].clone(),
            q["nonce"].clone(),
            user,
        ),
    );
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &q["state"]);
    HttpResponse::SeeOther()
        .insert_header(("location", back.to_string()))
        .finish()
}

async fn token(req: HttpRequest, body: web::Bytes, idp: web::Data<Idp>) -> HttpResponse {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .map(|v| {
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(v).unwrap()).unwrap()
        });
    let refuse = |e: &str| HttpResponse::BadRequest().json(json!({"error": e}));
    if basic.as_deref() != Some(&format!("{CLIENT_ID}:{CLIENT_SECRET}")) {
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_client"}));
    }
    let mut s = idp.state.lock().unwrap();
    let Some((redirect, challenge, nonce, (sub, username))) = s.codes.remove(&form["code"]) else {
        return refuse("invalid_grant");
    };
    let verifier = URL_SAFE_NO_PAD.encode(Sha256::digest(form["code_verifier"].as_bytes()));
    if form["redirect_uri"] != redirect || verifier != challenge {
        return refuse("invalid_grant");
    }
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": s.base, "aud": CLIENT_ID, "sub": sub, "preferred_username": username,
        "iat": now, "exp": now + 300, "nonce": nonce,
    });
    let (mut kid, mut key) = (s.kid.clone(), s.key.clone());
    match s.tamper {
        Tamper::None => {}
        Tamper::Nonce => claims["nonce"] = json!("another-nonce"),
        Tamper::Audience => claims["aud"] = json!("some-other-client"),
        Tamper::Expired => claims["exp"] = json!(now - 3600),
        Tamper::ForeignKey => (kid, key) = ("other-kid".into(), ed25519().0),
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(kid);
    let id_token = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ed_der(&key),
    )
    .unwrap();
    HttpResponse::Ok().json(json!({
        "access_token": uuid::Uuid::new_v4().to_string(), "token_type": "Bearer",
        "expires_in": 300, "id_token": id_token,
    }))
}

impl Idp {
    async fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let (key, public) = ed25519();
        let idp = Idp {
            base: base.clone(),
            state: Arc::new(Mutex::new(IdpState {
                base,
                user: ("oem-user-0001".into(), "unlinked".into()),
                tamper: Tamper::None,
                codes: HashMap::new(),
                kid: "idp-key-1".into(),
                key,
                public,
            })),
        };
        let data = web::Data::new(idp.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery),
                )
                .route("/jwks", web::get().to(jwks))
                .route("/authorize", web::get().to(authorize))
                .route("/token", web::post().to(token))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        idp
    }

    fn signed_in_as(&self, sub: &str, username: &str) {
        self.state.lock().unwrap().user = (sub.into(), username.into());
    }

    fn tamper(&self, how: Tamper) {
        self.state.lock().unwrap().tamper = how;
    }
}

/// A gateway that trusts `idp`, and a driver the provider has signed in
/// (subject `oem-user-0001`, named by the driver's username).
async fn app_with(idp: &Idp) -> (TestApp, Driver) {
    let issuer = idp.base.clone();
    let app = spawn_app_with(Backend::Sqlite, move |c| {
        c.oidc_issuer = Some(issuer);
        c.oidc_client_id = Some(CLIENT_ID.into());
        c.oidc_client_secret = Some(CLIENT_SECRET.into());
        c.oidc_provider_name = "Volta ID".into();
    })
    .await;
    let driver = app.create_driver().await;
    idp.signed_in_as("oem-user-0001", &driver.username);
    (app, driver)
}

/// Follows a federated sign-in from the portal's button to vdx's final answer.
async fn federated_sign_in(
    app: &TestApp,
    portal: &reqwest::Client,
    next: &str,
) -> reqwest::Response {
    let login = login_page(app, portal, next).await;
    assert!(login.contains("Sign in with Volta ID"), "{login}");
    let start = login
        .split("id=\"federated-login\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let res = portal.get(app.url(&start)).send().await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let at_idp = res.headers()["location"].to_str().unwrap().to_owned();
    let res = portal.get(&at_idp).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let callback = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.starts_with(&app.url("/portal/login/federated/callback")));
    portal.get(&callback).send().await.unwrap()
}

async fn signed_in_name(app: &TestApp, portal: &reqwest::Client) -> Option<String> {
    let res = portal.get(app.url("/portal")).send().await.unwrap();
    if res.status() != 200 {
        return None;
    }
    let html = res.text().await.unwrap();
    html.split("Signed in as <strong>")
        .nth(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_signs_in_with_the_oem_account_and_is_linked_by_subject() {
    let idp = Idp::start().await;
    let (app, driver) = app_with(&idp).await;
    // First sign-in: linked to the driver whose username the provider names.
    let portal = portal_client();
    let res = federated_sign_in(&app, &portal, "/portal").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(res.headers()["location"], "/portal");
    let alice = signed_in_name(&app, &portal).await.expect("signed in");
    assert_eq!(alice, driver.username);
    // Later the account is found by its subject, whatever its username says now.
    idp.signed_in_as("oem-user-0001", "renamed-at-the-oem");
    let again = portal_client();
    let res = federated_sign_in(&app, &again, "/portal").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        signed_in_name(&app, &again).await.as_deref(),
        Some(alice.as_str())
    );
    // An account that matches no driver signs nobody in.
    idp.signed_in_as("oem-user-9999", "nobody-here");
    let stranger = portal_client();
    let res = federated_sign_in(&app, &stranger, "/portal").await;
    assert_says(res, 403, "not linked to a vdx driver").await;
    assert_eq!(signed_in_name(&app, &stranger).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federated_sign_in_returns_to_the_oauth_consent_screen() {
    let idp = Idp::start().await;
    let (app, _) = app_with(&idp).await;
    let oauth = OAuth::new(&app).await;
    let (url, _, _) = authorize_url(&oauth.client, &oauth.scope());
    let screen = consent_screen(&app, &url).await;
    let portal = portal_client();
    let res = portal.get(app.url(&screen)).send().await.unwrap();
    let login = res.headers()["location"].to_str().unwrap().to_owned();
    let next = url::Url::parse(&app.url(&login))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "next")
        .unwrap()
        .1
        .into_owned();
    let res = federated_sign_in(&app, &portal, &next).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"].to_str().unwrap(), screen);
    let html = app.page(&portal, &screen).await;
    assert!(html.contains("Share your vehicle data?"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_replayed_or_foreign_callbacks_sign_nobody_in() {
    let idp = Idp::start().await;
    let (app, _) = app_with(&idp).await;
    // ID tokens that fail verification: each is refused and signs nobody in.
    for how in [
        Tamper::Nonce,
        Tamper::Audience,
        Tamper::Expired,
        Tamper::ForeignKey,
    ] {
        idp.tamper(how);
        let portal = portal_client();
        let res = federated_sign_in(&app, &portal, "/portal").await;
        assert_eq!(res.status(), 502, "{how:?}");
        assert!(
            res.text().await.unwrap().contains("ID token is not valid"),
            "{how:?}"
        );
        assert_eq!(signed_in_name(&app, &portal).await, None, "{how:?}");
    }
    idp.tamper(Tamper::None);

    // A callback opened in another browser (no state cookie), or replayed, is stale.
    let portal = portal_client();
    let res = portal
        .get(app.url("/portal/login/federated"))
        .send()
        .await
        .unwrap();
    let at_idp = res.headers()["location"].to_str().unwrap().to_owned();
    let res = portal.get(&at_idp).send().await.unwrap();
    let callback = res.headers()["location"].to_str().unwrap().to_owned();
    let other_browser = portal_client();
    let res = other_browser.get(&callback).send().await.unwrap();
    assert_says(res, 400, "try again").await;
    let res = portal.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 303, "the right browser still completes");
    assert!(signed_in_name(&app, &portal).await.is_some());
    let res = portal.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 400, "a replayed callback is refused");

    // The provider's refusal is shown, not a crash.
    let res = portal
        .get(app.url("/portal/login/federated"))
        .send()
        .await
        .unwrap();
    let at_idp = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let state = at_idp
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let res = portal
        .get(app.url("/portal/login/federated/callback"))
        .query(&[
            ("error", "access_denied"),
            ("error_description", "the user cancelled"),
            ("state", state.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_says(res, 400, "access_denied the user cancelled").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_provider_the_portal_offers_passwords_only() {
    let app = spawn_app(Backend::Sqlite).await;
    let login = app.page(&portal_client(), "/portal/login").await;
    assert!(!login.contains("federated-login"));
    let res = portal_client()
        .get(app.url("/portal/login/federated"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
