//! Helpers for the OAuth tests: an `oauth2` client configured from the
//! metadata document alone, a browser that drives the authorization pages,
//! and a forger that signs tokens with the server's own private key (read
//! from the test database) or with keys of the attacker's choosing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    IntrospectionUrl, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError,
    RevocationUrl, Scope, TokenUrl,
};
use serde_json::{Value, json};
use vdx_tests::TestApp;

/// A client with every endpoint the metadata names.
pub type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointSet, EndpointSet, EndpointSet>;
pub type TokenResponse = oauth2::basic::BasicTokenResponse;

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// An `oauth2` client for `client_id`, configured from the metadata document alone.
pub async fn client(app: &TestApp, client_id: &str, secret: &str, redirect: &str) -> Client {
    let meta: Value = app
        .get_json("/.well-known/oauth-authorization-server", None)
        .await;
    let url = |key: &str| meta[key].as_str().unwrap().to_owned();
    BasicClient::new(ClientId::new(client_id.to_owned()))
        .set_client_secret(ClientSecret::new(secret.to_owned()))
        .set_auth_uri(AuthUrl::new(url("authorization_endpoint")).unwrap())
        .set_token_uri(TokenUrl::new(url("token_endpoint")).unwrap())
        .set_introspection_url(IntrospectionUrl::new(url("introspection_endpoint")).unwrap())
        .set_revocation_url(RevocationUrl::new(url("revocation_endpoint")).unwrap())
        .set_redirect_uri(RedirectUrl::new(redirect.to_owned()).unwrap())
}

/// The Voltwise partner's client, with its registered redirect URI.
pub async fn voltwise(app: &TestApp) -> Client {
    demo_client(app, "Voltwise Energy").await
}

/// A demo partner's client, with its registered redirect URI.
pub async fn demo_client(app: &TestApp, partner: &str) -> Client {
    let p = app.partner(partner);
    client(app, &p.client_id, &p.client_secret, &p.redirect_uris[0]).await
}

/// The scopes a token response names.
pub fn scopes_of(token: &TokenResponse) -> Vec<String> {
    use oauth2::TokenResponse as _;
    token
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// A driver's password and the first EV they own.
pub fn driver(app: &TestApp, username: &str) -> (String, String) {
    let d = app.demo_driver(username);
    let ev = d.vehicles.iter().find(|v| v.starts_with("VDXE")).unwrap();
    (d.password.clone(), ev.clone())
}

/// The value of the hidden input `name` in `html`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The authorization URL and PKCE verifier for `client`.
pub fn authorize_url(client: &Client, scope: &str) -> (url::Url, CsrfToken, PkceCodeVerifier) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new(scope.to_owned()))
        .set_pkce_challenge(challenge)
        .url();
    (url, state, verifier)
}

/// The consent screen's address that `GET /oauth/authorize` sends the browser to.
pub async fn consent_screen(app: &TestApp, url: &url::Url) -> String {
    let res = app.client.get(url.as_str()).send().await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/portal/authorize?request="),
        "{location}"
    );
    location
}

/// Drives the pages as a browser would: open `url`, sign in to the portal,
/// read the consent screen, choose `vins`, press `decision`. Returns where the
/// server finally redirects.
pub async fn browse(
    app: &TestApp,
    url: &url::Url,
    username: &str,
    vins: &[&str],
    decision: &str,
) -> url::Url {
    let screen = consent_screen(app, url).await;
    let (portal, _) = app.portal_login(username).await;
    app.decide_on_consent_screen(&portal, &screen, vins, decision)
        .await
}

/// A query parameter of `url`.
pub fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A full authorization: the driver approves `vin`; returns the code and verifier.
pub async fn approved_code(
    app: &TestApp,
    client: &Client,
    username: &str,
    vin: &str,
) -> (AuthorizationCode, PkceCodeVerifier) {
    let (url, state, verifier) = authorize_url(client, "read:ev-charging");
    let back = browse(app, &url, username, &[vin], "approve").await;
    assert_eq!(
        param(&back, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(param(&back, "iss").as_deref(), Some(app.base_url.as_str()));
    let code = param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
    (AuthorizationCode::new(code), verifier)
}

/// Exchanges a code with the `oauth2` crate.
pub async fn exchange(
    client: &Client,
    code: AuthorizationCode,
    verifier: PkceCodeVerifier,
) -> Result<TokenResponse, BasicErrorResponseType> {
    client
        .exchange_code(code)
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .map_err(server_error)
}

/// The OAuth error code of a failed `oauth2` request.
pub fn server_error<E: std::error::Error + 'static>(
    err: RequestTokenError<E, oauth2::basic::BasicErrorResponse>,
) -> BasicErrorResponseType {
    match err {
        RequestTokenError::ServerResponse(resp) => {
            assert!(resp.error_description().is_some(), "no error_description");
            resp.error().clone()
        }
        other => panic!("expected an OAuth error response, got {other:?}"),
    }
}

/// The signing key in force: (kid, PKCS#8 private key, raw public key).
pub async fn signing_key(app: &TestApp) -> (String, Vec<u8>, Vec<u8>) {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT kid, private_key, public_key FROM signing_keys ORDER BY created_at DESC LIMIT 1",
        ))
        .await
        .unwrap()
        .unwrap();
    (
        row.try_get("", "kid").unwrap(),
        row.try_get("", "private_key").unwrap(),
        row.try_get("", "public_key").unwrap(),
    )
}

/// Valid claims for the Voltwise app, `offset` seconds from now.
pub fn claims(app: &TestApp, exp_in: i64, nbf_in: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": app.base_url, "aud": app.base_url,
        "sub": app.partner("Voltwise Energy").client_id,
        "client_id": app.partner("Voltwise Energy").client_id,
        "scope": "read:ev-charging", "iat": now, "nbf": now + nbf_in, "exp": now + exp_in,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

/// Signs `claims` as EdDSA with PKCS#8 key `private_key`, under `kid`.
pub fn sign_eddsa(kid: &str, private_key: &[u8], claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.into());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_ed_der(private_key),
    )
    .unwrap()
}

/// Asserts the gateway refuses `token` with 401, `invalid_token` and a description.
pub async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let res = read_example(app, token).await;
    assert_eq!(res.status(), 401, "{what} was accepted");
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\"",
        "{what}"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token", "{what}: {body}");
    assert!(body["error_description"].is_string(), "{what}: {body}");
}

/// The demo's consented example car, read with `token`.
pub async fn read_example(app: &TestApp, token: &str) -> reqwest::Response {
    let example = &app.creds.examples.consented;
    app.rest_latest(token, &example.vin, &example.product, &example.purpose)
        .await
}

/// Asserts the gateway accepts `token` on the data plane.
pub async fn assert_accepted(app: &TestApp, token: &str, what: &str) {
    let res = read_example(app, token).await;
    assert_eq!(
        res.status(),
        200,
        "{what} was refused: {}",
        res.text().await.unwrap()
    );
}

/// Base64url JSON of a JWT part.
pub fn part(token: &str, i: usize) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(i).unwrap())
            .unwrap(),
    )
    .unwrap()
}

/// `client` with its revocation URL as the partner would see it behind TLS.
/// The `oauth2` crate insists on https for revocation (RFC 7009 §2); the test
/// server speaks plain HTTP, so requests go through [`tls_terminated`].
pub fn behind_tls(client: &Client) -> Client {
    let https = client
        .revocation_url()
        .url()
        .as_str()
        .replacen("http://", "https://", 1);
    client
        .clone()
        .set_revocation_url(RevocationUrl::new(https).unwrap())
}

/// An HTTP client for the `oauth2` crate that does what a TLS-terminating
/// proxy in front of the gateway would: forwards an https request as http.
pub async fn tls_terminated(
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let url = parts.uri.to_string().replacen("https://", "http://", 1);
    let mut builder = http().request(parts.method, url).body(body);
    for (name, value) in &parts.headers {
        builder = builder.header(name, value);
    }
    let res = builder.send().await?;
    let mut out = oauth2::http::Response::builder().status(res.status());
    for (name, value) in res.headers() {
        out = out.header(name, value);
    }
    Ok(out.body(res.bytes().await?.to_vec()).unwrap())
}
