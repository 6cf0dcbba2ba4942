//! The OAuth 2.0 authorization server endpoints: token (RFC 6749), revocation
//! (RFC 7009), introspection (RFC 7662), server metadata (RFC 8414) and the
//! JWKS. The authorization endpoint and its pages live in
//! `routes::authorize`. Errors here follow RFC 6749 §5.2 (`error`,
//! `error_description`), not problem+json: standard clients parse them.
//!
//! Client authentication, shared by token, revocation and introspection:
//! `client_secret_basic` or `client_secret_post` (never both), checked against
//! the argon2 hash; an unknown client is checked against a decoy hash so both
//! take the same time. A failure carries the `Basic` challenge only when the
//! client tried Basic, or sent no credentials at all (RFC 6749 §5.2): a
//! `client_secret_post` failure is a 400, so a browser page signing in with a
//! form body never meets a challenge (and its own password dialog).

pub mod introspect;
pub mod metadata;
pub mod token;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use base64::Engine;
use serde::Serialize;
use vdx_catalog::App;
use vdx_core::{Scope, ScopeSet, secret};

use crate::state::AppState;
use vdx_identity::grants::Lifetimes;

/// An OAuth error response (RFC 6749 §5.2).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = OAuthError)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope` or `server_error`.
    pub error: &'static str,
    pub error_description: String,
}

/// How a client presented its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_secret_basic`: the Authorization header.
    Basic,
    /// `client_secret_post`: `client_id` in the form body.
    Post,
    /// No credentials at all.
    None,
}

/// Why an OAuth endpoint refused a request: an RFC 6749 §5.2 answer
/// (`error`, `error_description`, `Cache-Control: no-store`), 400 unless
/// said otherwise.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum OAuthError {
    /// {0}
    InvalidRequest(String),
    // 401 with the `Basic` challenge to a client that tried Basic or sent
    // nothing; 400 without a challenge to one that authenticated in the body.
    /// {description}
    InvalidClient {
        auth: ClientAuth,
        description: &'static str,
    },
    /// {0}
    InvalidGrant(String),
    /// {0}
    InvalidScope(String),
    /// {0}
    UnsupportedGrantType(String),
    // 500; the detail went to the log when the error was made (`OAuthError::server`).
    /// the server failed to handle this request
    Server,
}

impl OAuthError {
    /// A `server_error`; `what` failed for `detail`, which goes to the log only.
    pub fn server(what: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "{what}");
        Self::Server
    }

    /// The RFC 6749 `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient { .. } => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::InvalidScope(_) => "invalid_scope",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::Server => "server_error",
        }
    }

    /// Whether the answer carries the `Basic` challenge.
    fn challenges(&self) -> bool {
        matches!(self, Self::InvalidClient { auth, .. } if *auth != ClientAuth::Post)
    }
}

impl From<vdx_identity::IdentityError> for OAuthError {
    fn from(err: vdx_identity::IdentityError) -> Self {
        match err {
            vdx_identity::IdentityError::InvalidGrant(description) => {
                Self::InvalidGrant(description.to_owned())
            }
            other => Self::server("grant storage failed", other),
        }
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Server => StatusCode::INTERNAL_SERVER_ERROR,
            e if e.challenges() => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        if self.challenges() {
            res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"vdx\""));
        }
        res.json(OAuthErrorBody {
            error: self.code(),
            error_description: self.to_string(),
        })
    }
}

/// A parameter sent twice (RFC 6749 §3.2).
#[derive(Debug, displaydoc::Display, thiserror::Error)]
/// parameter {0} is repeated
pub struct RepeatedParameter(pub String);

/// Parses a form body; a repeated parameter is an error (RFC 6749 §3.2).
pub fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, RepeatedParameter> {
    let mut params = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if params.insert(key.to_string(), value.to_string()).is_some() {
            return Err(RepeatedParameter(key.into_owned()));
        }
    }
    Ok(params)
}

/// Checks the content type and parses the form of an OAuth POST.
pub fn form_of(req: &HttpRequest, body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(OAuthError::InvalidRequest(
            "the body must be application/x-www-form-urlencoded".into(),
        ));
    }
    parse_form(body).map_err(|e| OAuthError::InvalidRequest(e.to_string()))
}

/// Client credentials from HTTP Basic (client_secret_basic) or the body (client_secret_post), never both.
fn client_credentials(
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<(String, String, ClientAuth), OAuthError> {
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, encoded) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then(|| encoded.trim().to_owned())
        });
    let in_body = (params.get("client_id"), params.get("client_secret"));
    match (basic, in_body) {
        (Some(_), (_, Some(_))) => Err(OAuthError::InvalidRequest(
            "use one client authentication method, not two".into(),
        )),
        (Some(encoded), _) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| {
                    s.split_once(':')
                        .map(|(id, secret)| (percent_decode(id), percent_decode(secret)))
                });
            let (id, secret) = decoded.ok_or(OAuthError::InvalidClient {
                auth: ClientAuth::Basic,
                description: "the Basic credentials are malformed",
            })?;
            Ok((id, secret, ClientAuth::Basic))
        }
        (None, (Some(id), Some(secret))) => Ok((id.clone(), secret.clone(), ClientAuth::Post)),
        (None, (None, None)) => Err(OAuthError::InvalidClient {
            auth: ClientAuth::None,
            description: "client authentication is required",
        }),
        (None, _) => Err(OAuthError::InvalidClient {
            auth: ClientAuth::Post,
            description: "client_secret_post needs both client_id and client_secret",
        }),
    }
}

fn percent_decode(raw: &str) -> String {
    // `v=…` always parses to one pair; the default is never reached.
    url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Authenticates the calling client.
pub async fn authenticate(
    req: &HttpRequest,
    params: &HashMap<String, String>,
    state: &AppState,
) -> Result<App, OAuthError> {
    let (client_id, client_secret, auth) = client_credentials(req, params)?;
    let app =
        vdx_catalog::marketplace::find_app_by_client_id(state.db_bypassing_gate(), &client_id)
            .await
            .map_err(|e| OAuthError::server("client lookup failed", e))?;
    // Verify against a decoy hash for unknown clients so both take the same time.
    let hash = app
        .as_ref()
        .map_or(secret::decoy_hash(), |a| a.client_secret_hash.as_str());
    let secret_ok = secret::verify(&client_secret, hash);
    app.filter(|_| secret_ok).ok_or(OAuthError::InvalidClient {
        auth,
        description: "unknown client or wrong secret",
    })
}

/// A POST to an OAuth endpoint by an authenticated client: its form (a
/// form content type, no parameter repeated) and its app. Extracting it reads
/// the body; a failure is the endpoint's RFC 6749 answer.
pub struct ClientRequest {
    pub app: App,
    pub params: HashMap<String, String>,
    pub state: web::Data<AppState>,
}

impl FromRequest for ClientRequest {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let body = body.await?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| OAuthError::server("no state", "the state is not registered"))?;
            let params = form_of(&req, &body)?;
            let app = authenticate(&req, &params, &state).await?;
            Ok(Self { app, params, state })
        })
    }
}

/// Whether `app` is an OEM client with the `admin` scope, which may
/// introspect and revoke any client's tokens.
pub fn is_admin(app: &App) -> bool {
    ScopeSet::parse(&app.direct_scopes).is_ok_and(|s| s.contains(&Scope::Admin))
}

/// The configured token lifetimes, in milliseconds.
pub fn lifetimes(state: &AppState) -> Lifetimes {
    let ms = |secs: u64| i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    Lifetimes {
        access_ms: ms(state.config.access_token_ttl_secs),
        refresh_ms: ms(state.config.refresh_token_ttl_secs),
    }
}
