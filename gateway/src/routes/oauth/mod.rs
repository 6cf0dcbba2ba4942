//! The OAuth 2.0 authorization server endpoints: token (RFC 6749), revocation
//! (RFC 7009), introspection (RFC 7662), server metadata (RFC 8414) and the
//! JWKS. The authorization endpoint and its pages live in
//! [`crate::routes::authorize`]. Errors here follow RFC 6749 §5.2 (`error`,
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

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use serde::Serialize;
use vdx_catalog::App;
use vdx_core::{Scope, ScopeSet, secret};

use crate::auth::grants::Lifetimes;
use crate::state::AppState;

/// An OAuth error response (RFC 6749 §5.2).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope` or `server_error`.
    pub error: &'static str,
    pub error_description: String,
}

/// An RFC 6749 error response.
pub fn oauth_error(
    status: StatusCode,
    error: &'static str,
    description: impl Into<String>,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(OAuthError {
            error,
            error_description: description.into(),
        })
}

/// How a client presented its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientAuth {
    /// `client_secret_basic`: the Authorization header.
    Basic,
    /// `client_secret_post`: `client_id` in the form body.
    Post,
    /// No credentials at all.
    None,
}

/// An `invalid_client` answer (RFC 6749 §5.2): 401 with the `Basic`
/// challenge to a client that tried Basic or sent nothing; 400 without a
/// challenge to one that authenticated in the body.
fn invalid_client(auth: ClientAuth, description: &str) -> HttpResponse {
    if auth == ClientAuth::Post {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", description);
    }
    let mut res = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", description);
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"vdx\""),
    );
    res
}

/// A `server_error` answer; the detail goes to the log only.
pub fn server_error(what: &str, detail: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %detail, "{what}");
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "the server failed to handle this request",
    )
}

pub fn invalid_request(description: impl Into<String>) -> HttpResponse {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// Parses a form body; a repeated parameter is an error (RFC 6749 §3.2).
pub fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if params.insert(key.to_string(), value.to_string()).is_some() {
            return Err(format!("parameter {key} is repeated"));
        }
    }
    Ok(params)
}

/// Checks the content type and parses the form of an OAuth POST.
// The error is the finished OAuth response; it is built once per failed request.
#[allow(clippy::result_large_err)]
pub fn form_of(req: &HttpRequest, body: &[u8]) -> Result<HashMap<String, String>, HttpResponse> {
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !form_type.starts_with("application/x-www-form-urlencoded") {
        return Err(invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    parse_form(body).map_err(invalid_request)
}

/// Client credentials from HTTP Basic (client_secret_basic) or the body (client_secret_post), never both.
#[allow(clippy::result_large_err)]
fn client_credentials(
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<(String, String, ClientAuth), HttpResponse> {
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
        (Some(_), (_, Some(_))) => Err(invalid_request(
            "use one client authentication method, not two",
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
            let (id, secret) = decoded.ok_or_else(|| {
                invalid_client(ClientAuth::Basic, "the Basic credentials are malformed")
            })?;
            Ok((id, secret, ClientAuth::Basic))
        }
        (None, (Some(id), Some(secret))) => Ok((id.clone(), secret.clone(), ClientAuth::Post)),
        (None, (None, None)) => Err(invalid_client(
            ClientAuth::None,
            "client authentication is required",
        )),
        (None, _) => Err(invalid_client(
            ClientAuth::Post,
            "client_secret_post needs both client_id and client_secret",
        )),
    }
}

fn percent_decode(raw: &str) -> String {
    url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Authenticates the calling client; the error is the finished response.
#[allow(clippy::result_large_err)]
pub async fn authenticate(
    req: &HttpRequest,
    params: &HashMap<String, String>,
    state: &AppState,
) -> Result<App, HttpResponse> {
    let (client_id, client_secret, auth) = client_credentials(req, params)?;
    let app =
        vdx_catalog::marketplace::find_app_by_client_id(state.db_bypassing_gate(), &client_id)
            .await
            .map_err(|e| server_error("client lookup failed", e))?;
    // Verify against a decoy hash for unknown clients so both take the same time.
    let hash = app
        .as_ref()
        .map_or(secret::decoy_hash(), |a| a.client_secret_hash.as_str());
    let secret_ok = secret::verify(&client_secret, hash);
    app.filter(|_| secret_ok)
        .ok_or_else(|| invalid_client(auth, "unknown client or wrong secret"))
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
