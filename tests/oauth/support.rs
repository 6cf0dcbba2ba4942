//! Helpers for the OAuth tests: the tests' world ([`OAuth`]: a consented
//! partner from `vdx_tests::world` and its `oauth2` client, configured from
//! the metadata document alone), a browser that drives the authorization
//! pages for a fixture driver, the authorize → consent → code → token flow in
//! one place, and a forger that signs tokens with the server's own private
//! key (read from the test database) or with keys of the attacker's choosing.
//! It must not depend on the demo world, but for the marked shims at the end.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    IntrospectionUrl, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError,
    RevocationUrl, Scope, TokenUrl,
};
use serde_json::{Value, json};
use vdx_tests::world::{Consented, Driver, Partner, Product, ProductSpec};
use vdx_tests::{TestApp, hidden};

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

/// The partner's client, with its registered redirect URI.
pub async fn client_of(app: &TestApp, partner: &Partner) -> Client {
    client(
        app,
        &partner.client_id,
        &partner.client_secret,
        &partner.redirect_uri,
    )
    .await
}

/// The scope that reads `product`.
pub fn read_scope(product: &Product) -> String {
    format!("read:{}", product.slug)
}

/// The scope that commands cars through `product`.
pub fn command_scope(product: &Product) -> String {
    format!("command:{}", product.slug)
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

/// A consent screen a signed-in driver has open.
pub struct Screen {
    /// The driver's browser.
    pub portal: reqwest::Client,
    /// The screen's address.
    pub path: String,
    pub html: String,
}

/// `driver`, signed in to the portal, on the consent screen of `url`.
pub async fn on_consent_screen(app: &TestApp, url: &url::Url, driver: &Driver) -> Screen {
    let path = consent_screen(app, url).await;
    let (portal, _) = app.portal_sign_in(&driver.username, &driver.password).await;
    let res = portal.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    Screen { portal, path, html }
}

/// Presses `decision` on the consent screen `html` with the cars `vins`
/// chosen; the answer.
pub async fn decide(
    app: &TestApp,
    portal: &reqwest::Client,
    html: &str,
    csrf: Option<&str>,
    decision: &str,
    vins: &[&str],
) -> reqwest::Response {
    let (request, own_csrf) = (hidden(html, "request"), hidden(html, "csrf"));
    let mut form = vec![
        ("request", request.as_str()),
        ("csrf", csrf.unwrap_or(&own_csrf)),
        ("decision", decision),
    ];
    form.extend(vins.iter().map(|v| ("vehicle", *v)));
    portal
        .post(app.url("/portal/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Where a 303 answer sends the browser.
pub fn location(res: &reqwest::Response) -> url::Url {
    url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap()
}

/// The portal's sign-in page as `portal` gets it, asked to return to `next`.
pub async fn login_page(app: &TestApp, portal: &reqwest::Client, next: &str) -> String {
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    app.page(portal, &format!("/portal/login?next={next}"))
        .await
}

/// Drives the pages as a browser would: open `url`, sign `driver` in to the
/// portal, read the consent screen, choose `vins`, press `decision`. Returns
/// where the server finally redirects.
pub async fn browse(
    app: &TestApp,
    url: &url::Url,
    driver: &Driver,
    vins: &[&str],
    decision: &str,
) -> url::Url {
    let screen = on_consent_screen(app, url, driver).await;
    for vin in vins {
        assert!(
            screen.html.contains(vin),
            "{vin} is not offered: {}",
            screen.html
        );
    }
    let res = decide(app, &screen.portal, &screen.html, None, decision, vins).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    location(&res)
}

/// A query parameter of `url`.
pub fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A full authorization for `scope`: `driver` approves `vin`; returns the
/// code and verifier.
pub async fn approve(
    app: &TestApp,
    client: &Client,
    scope: &str,
    driver: &Driver,
    vin: &str,
) -> (AuthorizationCode, PkceCodeVerifier) {
    let (url, state, verifier) = authorize_url(client, scope);
    let back = browse(app, &url, driver, &[vin], "approve").await;
    assert_eq!(
        param(&back, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(param(&back, "iss").as_deref(), Some(app.base_url.as_str()));
    let code = param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
    (AuthorizationCode::new(code), verifier)
}

/// The whole authorization code flow for `scope`: `driver` approves `vin`,
/// and the code is exchanged for tokens.
pub async fn driver_tokens(
    app: &TestApp,
    client: &Client,
    scope: &str,
    driver: &Driver,
    vin: &str,
) -> TokenResponse {
    let (code, verifier) = approve(app, client, scope, driver, vin).await;
    exchange(client, code, verifier).await.unwrap()
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

/// The OAuth tests' world: [`Consented`] to the charging product (its
/// driver shared the car on the portal) and the partner's `oauth2` client.
pub struct OAuth {
    pub world: Consented,
    pub client: Client,
}

impl OAuth {
    pub async fn new(app: &TestApp) -> Self {
        let world = app.consented(&ProductSpec::charging()).await;
        let client = client_of(app, &world.partner).await;
        Self { world, client }
    }

    /// The scope that reads the world's product.
    pub fn scope(&self) -> String {
        read_scope(&self.world.product)
    }

    /// The scopes that read and command through the world's product.
    pub fn read_and_command(&self) -> String {
        format!(
            "{} {}",
            read_scope(&self.world.product),
            command_scope(&self.world.product)
        )
    }

    /// `vin`'s latest values through the world's product, read with `token`.
    pub async fn read_car(&self, app: &TestApp, token: &str, vin: &str) -> reqwest::Response {
        let (product, purpose) = self.world.product.asked_for();
        app.rest_latest(token, vin, product, purpose).await
    }

    /// The consented car, read with `token`.
    pub async fn read(&self, app: &TestApp, token: &str) -> reqwest::Response {
        self.read_car(app, token, &self.world.vin).await
    }

    /// Asserts the gateway accepts `token` on the data plane.
    pub async fn assert_accepted(&self, app: &TestApp, token: &str, what: &str) {
        let res = self.read(app, token).await;
        assert_eq!(
            res.status(),
            200,
            "{what} was refused: {}",
            res.text().await.unwrap()
        );
    }

    /// Asserts the gateway refuses `token` with 401, `invalid_token` and a description.
    pub async fn assert_refused(&self, app: &TestApp, token: &str, what: &str) {
        let res = self.read(app, token).await;
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

    /// The world's driver approves the consented car for the read scope.
    pub async fn approved_code(&self, app: &TestApp) -> (AuthorizationCode, PkceCodeVerifier) {
        let driver = &self.world.driver;
        approve(app, &self.client, &self.scope(), driver, &self.world.vin).await
    }

    /// The world's driver's tokens for the consented car (read scope).
    pub async fn driver_tokens(&self, app: &TestApp) -> TokenResponse {
        let (code, verifier) = self.approved_code(app).await;
        exchange(&self.client, code, verifier).await.unwrap()
    }

    /// Valid claims for the partner's app, expiring `exp_in` and valid
    /// `nbf_in` seconds from now.
    pub fn claims(&self, app: &TestApp, exp_in: i64, nbf_in: i64) -> Value {
        let now = chrono::Utc::now().timestamp();
        let client_id = &self.world.partner.client_id;
        json!({
            "iss": app.base_url, "aud": app.base_url,
            "sub": client_id, "client_id": client_id,
            "scope": self.scope(), "iat": now, "nbf": now + nbf_in, "exp": now + exp_in,
            "jti": uuid::Uuid::new_v4().to_string(),
        })
    }
}

/// A client-credentials token of `client`, every scope its app may have.
pub async fn app_token(client: &Client) -> TokenResponse {
    client
        .exchange_client_credentials()
        .request_async(&http())
        .await
        .unwrap()
}

/// Revokes `token` with `client` (RFC 7009), through [`behind_tls`].
pub async fn revoke(client: &Client, token: oauth2::StandardRevocableToken) {
    behind_tls(client)
        .revoke_token(token)
        .unwrap()
        .request_async(&tls_terminated)
        .await
        .unwrap();
}

/// Asserts `res` is an RFC 6749 error answer: `status` and `error`.
pub async fn assert_oauth_error(res: reqwest::Response, status: u16, error: &str) {
    assert_eq!(res.status(), status, "{error}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
}

/// Refreshes with `client`; the OAuth error code if refused.
pub async fn refresh(
    client: &Client,
    token: &oauth2::RefreshToken,
) -> Result<TokenResponse, BasicErrorResponseType> {
    client
        .exchange_refresh_token(token)
        .request_async(&http())
        .await
        .map_err(server_error)
}
