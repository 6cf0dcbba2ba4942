//! The OpenID Connect client for federated portal sign-in: discovery
//! (cached), the authorization URL with PKCE and nonce, the code exchange, and
//! ID token verification against the provider's JWKS (asymmetric algorithms
//! only; `iss`, `aud`, `exp`, `nbf`, nonce). Client side only: it serves no
//! route and knows no application state; the handlers in
//! `portal::federated` drive it, and `vdx_identity::federated` keeps the
//! attempts and linked accounts. It stays in the gateway because it speaks
//! HTTP (reqwest), which the domain crates never do.

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
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::config::ProviderConfig;

/// Where the provider sends the browser back to.
pub const CALLBACK_PATH: &str = "/portal/login/federated/callback";

/// Why the provider could not complete a sign-in.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum OidcError {
    /// the identity provider refused the sign-in: {0}
    Refused(String),
    /// the identity provider could not be reached or answered wrongly: {0}
    Unreachable(String),
    /// the identity provider's ID token is not valid: {0}
    BadToken(String),
    /// the callback URL is not valid: {0}
    CallbackUrl(String),
}

/// Where to send the browser, with the attempt's secrets (`Debug` leaves them out).
pub struct Authorization {
    pub url: oauth2::url::Url,
    /// The `state` parameter; the attempt is stored under it.
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("url", &self.url.origin())
            .finish_non_exhaustive()
    }
}

/// What discovery found.
#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    pub issuer: String,
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

impl Provider {
    /// A provider for `config`; nothing is fetched until the first sign-in.
    pub fn new(config: ProviderConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            // The protocol never needs redirects; following them invites SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Self {
            config,
            http,
            discovery: RwLock::new(None),
            keys: RwLock::new(JwkSet { keys: Vec::new() }),
        })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let res = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| OidcError::Unreachable(format!("GET {url}: {e}")))?;
        if !res.status().is_success() {
            return Err(OidcError::Unreachable(format!(
                "GET {url} answered {}",
                res.status()
            )));
        }
        res.json()
            .await
            .map_err(|e| OidcError::Unreachable(format!("GET {url}: {e}")))
    }

    async fn discovery(&self) -> Result<Discovery, OidcError> {
        if let Some(found) = self.discovery.read().await.clone() {
            return Ok(found);
        }
        let issuer = self.config.issuer.trim_end_matches('/');
        let found: Discovery = self
            .get_json(&format!("{issuer}/.well-known/openid-configuration"))
            .await?;
        // OpenID Connect Discovery §4.3: the document must name the issuer asked for.
        if found.issuer.trim_end_matches('/') != issuer {
            return Err(OidcError::Unreachable(format!(
                "the discovery document names issuer {:?}, not {issuer:?}",
                found.issuer
            )));
        }
        *self.discovery.write().await = Some(found.clone());
        Ok(found)
    }

    fn client(&self, found: &Discovery, base_url: &str) -> Result<OidcClient, OidcError> {
        let bad =
            |what: &str, e: &dyn std::fmt::Display| OidcError::Unreachable(format!("{what}: {e}"));
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
                        .map_err(|e| OidcError::CallbackUrl(e.to_string()))?,
                ),
        )
    }

    /// The key for `kid`, fetching the JWKS again when the kid is new
    /// (the provider rotated its keys).
    async fn key(&self, found: &Discovery, kid: Option<&str>) -> Result<DecodingKey, OidcError> {
        let pick = |set: &JwkSet| match kid {
            Some(kid) => set.find(kid).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        if let Some(jwk) = pick(&*self.keys.read().await) {
            return DecodingKey::from_jwk(&jwk).map_err(|e| OidcError::BadToken(e.to_string()));
        }
        let fresh: JwkSet = self.get_json(&found.jwks_uri).await?;
        let jwk = pick(&fresh);
        *self.keys.write().await = fresh;
        let jwk = jwk
            .ok_or_else(|| OidcError::BadToken(format!("no key {kid:?} in the provider's JWKS")))?;
        DecodingKey::from_jwk(&jwk).map_err(|e| OidcError::BadToken(e.to_string()))
    }

    /// Verifies an ID token and returns its claims.
    async fn verify(
        &self,
        found: &Discovery,
        id_token: &str,
        nonce: &str,
    ) -> Result<serde_json::Value, OidcError> {
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| OidcError::BadToken(e.to_string()))?;
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
            return Err(OidcError::BadToken(format!(
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
            .map_err(|e| OidcError::BadToken(e.to_string()))?
            .claims;
        if claims["nonce"].as_str() != Some(nonce) {
            return Err(OidcError::BadToken("the nonce does not match".into()));
        }
        Ok(claims)
    }

    /// The provider's authorization URL for a new attempt.
    pub async fn authorization(&self, base_url: &str) -> Result<Authorization, OidcError> {
        let found = self.discovery().await?;
        let client = self.client(&found, base_url)?;
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
        Ok(Authorization {
            url,
            state: csrf.secret().clone(),
            nonce,
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges `code` with the PKCE verifier and the client secret, and
    /// verifies the ID token; answers the issuer and the token's claims.
    pub async fn sign_in(
        &self,
        base_url: &str,
        code: String,
        pkce_verifier: String,
        nonce: &str,
    ) -> Result<(String, serde_json::Value), OidcError> {
        let found = self.discovery().await?;
        let client = self.client(&found, base_url)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                oauth2::RequestTokenError::ServerResponse(r) => {
                    OidcError::Refused(r.error().to_string())
                }
                other => OidcError::Unreachable(other.to_string()),
            })?;
        let claims = self
            .verify(&found, &token.extra_fields().id_token, nonce)
            .await?;
        Ok((found.issuer, claims))
    }
}
