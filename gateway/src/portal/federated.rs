//! Federated sign-in to the portal through the OEM's identity provider:
//! OpenID Connect, authorization code flow with PKCE, vdx as the relying
//! party, using the `oauth2` crate for the protocol and `jsonwebtoken` for
//! the ID token. Configured with `oidc_issuer`, `oidc_client_id` and
//! `oidc_client_secret`; off when no issuer is set.
//!
//! - `GET /portal/login/federated?next=…` discovers the provider
//!   (`/.well-known/openid-configuration`, cached), stores the attempt's
//!   state (as SHA-256), nonce, PKCE verifier and return page for ten minutes,
//!   binds the attempt to this browser with an HttpOnly cookie holding the
//!   state, and redirects to the provider.
//! - `GET /portal/login/federated/callback` checks the state against the
//!   cookie and the stored attempt (single use), exchanges the code with the
//!   PKCE verifier and the client secret, and verifies the ID token: signature
//!   by a key from the provider's JWKS (asymmetric algorithms only), `iss`,
//!   `aud`, `exp`, `nbf` and the nonce.
//! - The account is the pair (issuer, `sub`). The first time, it is linked to
//!   the driver whose username equals the configured claim
//!   (`oidc_username_claim`, default `preferred_username`); afterwards the
//!   link alone counts. An account that matches no driver signs nobody in:
//!   drivers and their vehicles come from the OEM's records, not from logins.

use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::RwLock;

use super::login;
use super::session;
use crate::state::AppState;

/// The cookie that binds an attempt to the browser that started it.
const STATE_COOKIE: &str = "vdx_oidc";
const CALLBACK_PATH: &str = "/portal/login/federated/callback";
/// How long a driver has to sign in at the provider.
const ATTEMPT_TTL_MS: i64 = 10 * 60_000;

pub mod entity {
    pub mod login_attempt {
        use sea_orm::entity::prelude::*;

        #[sea_orm::model]
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "oidc_logins")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub state_hash: String,
            pub nonce: String,
            pub pkce_verifier: String,
            pub next: Option<String>,
            pub expires_at: i64,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod identity {
        use sea_orm::entity::prelude::*;
        use vdx_core::DriverId;

        #[sea_orm::model]
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "driver_identities")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub issuer: String,
            #[sea_orm(primary_key, auto_increment = false)]
            pub subject: String,
            pub driver_id: DriverId,
            pub linked_at: i64,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }
}

use entity::{identity, login_attempt};

/// What the configuration says about the provider.
#[derive(Clone)]
pub struct ProviderConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: secrecy::SecretString,
    /// Shown on the sign-in button.
    pub name: String,
    /// The ID-token claim matched against driver usernames on first sign-in.
    pub username_claim: String,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("name", &self.name)
            .field("username_claim", &self.username_claim)
            .finish()
    }
}

/// What discovery found.
#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// The provider, with its discovery document and keys cached after first use.
#[derive(Debug)]
pub struct Provider {
    pub config: ProviderConfig,
    http: reqwest::Client,
    discovery: RwLock<Option<Discovery>>,
    keys: RwLock<JwkSet>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdTokenField {
    id_token: String,
}

impl ExtraTokenFields for IdTokenField {}

type OidcClient = oauth2::Client<
    BasicErrorResponse,
    StandardTokenResponse<IdTokenField, BasicTokenType>,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Why a federated sign-in failed; shown to the driver on the sign-in page.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
enum Failure {
    /// the sign-in attempt expired or was started in another browser; please try again
    Stale,
    /// the identity provider refused the sign-in: {0}
    Refused(String),
    /// the identity provider could not be reached or answered wrongly: {0}
    Provider(String),
    /// the identity provider's ID token is not valid: {0}
    BadToken(String),
    /// your {0} account is not linked to a vdx driver; ask your carmaker's support
    NotLinked(String),
    /// the server failed to complete the sign-in
    Internal(String),
}

impl Failure {
    fn status(&self) -> StatusCode {
        match self {
            Self::Stale | Self::Refused(_) => StatusCode::BAD_REQUEST,
            Self::Provider(_) | Self::BadToken(_) => StatusCode::BAD_GATEWAY,
            Self::NotLinked(_) => StatusCode::FORBIDDEN,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<vdx_consent::ConsentError> for Failure {
    fn from(e: vdx_consent::ConsentError) -> Self {
        Self::Internal(e.to_string())
    }
}

fn digest(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

impl Provider {
    /// A provider for `config`; nothing is fetched until the first sign-in.
    pub fn new(config: ProviderConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            // The protocol never needs redirects; following them invites SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot build the HTTP client for OIDC: {e}"))?;
        Ok(Self {
            config,
            http,
            discovery: RwLock::new(None),
            keys: RwLock::new(JwkSet { keys: Vec::new() }),
        })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, Failure> {
        let res = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| Failure::Provider(format!("GET {url}: {e}")))?;
        if !res.status().is_success() {
            return Err(Failure::Provider(format!(
                "GET {url} answered {}",
                res.status()
            )));
        }
        res.json()
            .await
            .map_err(|e| Failure::Provider(format!("GET {url}: {e}")))
    }

    async fn discovery(&self) -> Result<Discovery, Failure> {
        if let Some(found) = self.discovery.read().await.clone() {
            return Ok(found);
        }
        let issuer = self.config.issuer.trim_end_matches('/');
        let found: Discovery = self
            .get_json(&format!("{issuer}/.well-known/openid-configuration"))
            .await?;
        // OpenID Connect Discovery §4.3: the document must name the issuer asked for.
        if found.issuer.trim_end_matches('/') != issuer {
            return Err(Failure::Provider(format!(
                "the discovery document names issuer {:?}, not {issuer:?}",
                found.issuer
            )));
        }
        *self.discovery.write().await = Some(found.clone());
        Ok(found)
    }

    fn client(&self, found: &Discovery, base_url: &str) -> Result<OidcClient, Failure> {
        let bad = |what: &str, e: &dyn std::fmt::Display| Failure::Provider(format!("{what}: {e}"));
        Ok(
            oauth2::Client::new(ClientId::new(self.config.client_id.clone()))
                .set_client_secret(ClientSecret::new(
                    secrecy::ExposeSecret::expose_secret(&self.config.client_secret).to_owned(),
                ))
                .set_auth_uri(
                    AuthUrl::new(found.authorization_endpoint.clone())
                        .map_err(|e| bad("authorization_endpoint", &e))?,
                )
                .set_token_uri(
                    TokenUrl::new(found.token_endpoint.clone())
                        .map_err(|e| bad("token_endpoint", &e))?,
                )
                .set_redirect_uri(
                    RedirectUrl::new(format!("{base_url}{CALLBACK_PATH}"))
                        .map_err(|e| Failure::Internal(e.to_string()))?,
                ),
        )
    }

    /// The key for `kid`, fetching the JWKS again when the kid is new
    /// (the provider rotated its keys).
    async fn key(&self, found: &Discovery, kid: Option<&str>) -> Result<DecodingKey, Failure> {
        let pick = |set: &JwkSet| match kid {
            Some(kid) => set.find(kid).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        if let Some(jwk) = pick(&*self.keys.read().await) {
            return DecodingKey::from_jwk(&jwk).map_err(|e| Failure::BadToken(e.to_string()));
        }
        let fresh: JwkSet = self.get_json(&found.jwks_uri).await?;
        let jwk = pick(&fresh);
        *self.keys.write().await = fresh;
        let jwk =
            jwk.ok_or_else(|| Failure::BadToken(format!("no key {kid:?} in the provider's JWKS")))?;
        DecodingKey::from_jwk(&jwk).map_err(|e| Failure::BadToken(e.to_string()))
    }

    /// Verifies an ID token and returns its claims.
    async fn verify(
        &self,
        found: &Discovery,
        id_token: &str,
        nonce: &str,
    ) -> Result<serde_json::Value, Failure> {
        let header =
            jsonwebtoken::decode_header(id_token).map_err(|e| Failure::BadToken(e.to_string()))?;
        let asymmetric = [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ];
        if !asymmetric.contains(&header.alg) {
            return Err(Failure::BadToken(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let key = self.key(found, header.kid.as_deref()).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[found.issuer.as_str()]);
        validation.set_audience(&[self.config.client_id.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        let claims = jsonwebtoken::decode::<serde_json::Value>(id_token, &key, &validation)
            .map_err(|e| Failure::BadToken(e.to_string()))?
            .claims;
        if claims["nonce"].as_str() != Some(nonce) {
            return Err(Failure::BadToken("the nonce does not match".into()));
        }
        Ok(claims)
    }
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

fn failed(state: &AppState, failure: &Failure) -> HttpResponse {
    match failure {
        Failure::Internal(e) | Failure::Provider(e) => {
            tracing::warn!(error = %e, "federated sign-in failed");
        }
        other => tracing::info!(reason = %other, "federated sign-in refused"),
    }
    login::page_with_error(state, failure.status(), &failure.to_string(), None)
}

fn not_configured() -> HttpResponse {
    use actix_web::ResponseError;
    crate::problem::ApiError::NotFound("federated sign-in is not configured".into())
        .error_response()
}

fn provider(state: &AppState) -> Option<&Arc<Provider>> {
    state.federation.as_ref()
}

/// `GET /portal/login/federated`: off to the identity provider.
#[tracing::instrument(skip_all)]
pub async fn start(query: web::Query<StartQuery>, state: web::Data<AppState>) -> HttpResponse {
    let Some(provider) = provider(&state) else {
        return not_configured();
    };
    let result = async {
        let found = provider.discovery().await?;
        let client = provider.client(&found, &state.base_url)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = vdx_core::secret::generate("");
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.clone());
        for scope in ["openid", "profile"] {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        let (url, csrf) = request.url();
        let now = state.now_ms();
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::ExpiresAt.lt(now))
            .exec(state.db_bypassing_gate())
            .await?;
        login_attempt::ActiveModel {
            state_hash: Set(digest(csrf.secret())),
            nonce: Set(nonce),
            pkce_verifier: Set(verifier.secret().clone()),
            next: Set(query
                .next
                .as_deref()
                .and_then(session::safe_next)
                .map(str::to_owned)),
            expires_at: Set(now + ATTEMPT_TTL_MS),
        }
        .insert(state.db_bypassing_gate())
        .await?;
        Ok::<_, Failure>((url, csrf))
    };
    match result.await {
        Ok((url, csrf)) => {
            let mut res = HttpResponse::SeeOther()
                .insert_header(("location", url.to_string()))
                .insert_header(("cache-control", "no-store"))
                .finish();
            // Lax: the provider sends the browser back with a top-level GET.
            let cookie = Cookie::build(STATE_COOKIE, csrf.secret().clone())
                .path("/portal/login/federated")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(state.base_url.starts_with("https://"))
                .max_age(CookieDuration::minutes(10))
                .finish();
            let _ = res.add_cookie(&cookie);
            res
        }
        Err(f) => failed(&state, &f),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The driver an ID token's claims belong to, linking on first sign-in.
async fn driver_for(
    state: &AppState,
    provider: &Provider,
    issuer: &str,
    claims: &serde_json::Value,
) -> Result<vdx_consent::Driver, Failure> {
    let subject = claims["sub"]
        .as_str()
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or_else(|| Failure::BadToken("sub is missing or too long".into()))?;
    let linked = identity::Entity::find_by_id((issuer.to_owned(), subject.to_owned()))
        .one(state.db_bypassing_gate())
        .await?;
    if let Some(link) = linked {
        return vdx_consent::people::driver_by_id(state.db_bypassing_gate(), link.driver_id)
            .await?
            .ok_or_else(|| Failure::NotLinked(provider.config.name.clone()));
    }
    let Some(username) = claims[provider.config.username_claim.as_str()].as_str() else {
        return Err(Failure::NotLinked(provider.config.name.clone()));
    };
    let driver = vdx_consent::people::driver_by_username(state.db_bypassing_gate(), username)
        .await?
        .ok_or_else(|| Failure::NotLinked(provider.config.name.clone()))?;
    identity::ActiveModel {
        issuer: Set(issuer.to_owned()),
        subject: Set(subject.to_owned()),
        driver_id: Set(driver.id),
        linked_at: Set(state.now_ms()),
    }
    .insert(state.db_bypassing_gate())
    .await?;
    tracing::info!(driver = %driver.id, "federated account linked");
    Ok(driver)
}

/// `GET /portal/login/federated/callback`: back from the identity provider.
#[tracing::instrument(skip_all)]
pub async fn callback(
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(provider) = provider(&state) else {
        return not_configured();
    };
    let result = async {
        // The attempt must be this browser's, and is used up either way.
        let sent = query.state.as_deref().ok_or(Failure::Stale)?;
        let cookie = req.cookie(STATE_COOKIE).ok_or(Failure::Stale)?;
        if !session::same(cookie.value(), sent) {
            return Err(Failure::Stale);
        }
        let attempt = login_attempt::Entity::find_by_id(digest(sent))
            .one(state.db_bypassing_gate())
            .await?
            .ok_or(Failure::Stale)?;
        let taken = login_attempt::Entity::delete_by_id(attempt.state_hash.clone())
            .exec(state.db_bypassing_gate())
            .await?;
        if taken.rows_affected != 1 || attempt.expires_at <= state.now_ms() {
            return Err(Failure::Stale);
        }
        if let Some(error) = &query.error {
            let detail = query.error_description.as_deref().unwrap_or_default();
            return Err(Failure::Refused(
                format!("{error} {detail}").trim().to_owned(),
            ));
        }
        let code = query
            .code
            .clone()
            .ok_or_else(|| Failure::Refused("no code".into()))?;
        let found = provider.discovery().await?;
        let client = provider.client(&found, &state.base_url)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.pkce_verifier))
            .request_async(&provider.http)
            .await
            .map_err(|e| match e {
                oauth2::RequestTokenError::ServerResponse(r) => {
                    Failure::Refused(r.error().to_string())
                }
                other => Failure::Provider(other.to_string()),
            })?;
        let claims = provider
            .verify(&found, &token.extra_fields().id_token, &attempt.nonce)
            .await?;
        let driver = driver_for(&state, provider, &found.issuer, &claims).await?;
        let session = session::start(&state, driver.id)
            .await
            .map_err(|e| Failure::Internal(e.to_string()))?;
        tracing::info!(driver = %driver.id, "portal sign-in (federated)");
        Ok::<_, Failure>((session, attempt.next))
    };
    match result.await {
        Ok((session, next)) => {
            let mut res = HttpResponse::SeeOther()
                .insert_header(("location", next.as_deref().unwrap_or("/portal")))
                .finish();
            let _ = res.add_cookie(&session);
            let _ = res.add_removal_cookie(
                &Cookie::build(STATE_COOKIE, "")
                    .path("/portal/login/federated")
                    .finish(),
            );
            res
        }
        Err(f) => failed(&state, &f),
    }
}
