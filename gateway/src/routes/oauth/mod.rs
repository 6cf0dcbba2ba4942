//! The OAuth 2.0 authorization server endpoints: token (RFC 6749), server
//! metadata (RFC 8414) and the JWKS. Errors here follow RFC 6749 §5.2
//! (`error`, `error_description`), not problem+json: standard clients parse them.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde::Serialize;
use serde_json::json;
use vdx_core::{ScopeSet, secret};

use crate::state::AppState;

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

/// An OAuth error response (RFC 6749 §5.2).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type` or `invalid_scope`.
    pub error: &'static str,
    pub error_description: String,
}

fn oauth_error(
    status: StatusCode,
    error: &'static str,
    description: impl Into<String>,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    if error == "invalid_client" {
        res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"vdx\""));
    }
    res.json(OAuthError {
        error,
        error_description: description.into(),
    })
}

/// Parses a form body; a repeated parameter is an error (RFC 6749 §3.2).
fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if params.insert(key.to_string(), value.to_string()).is_some() {
            return Err(format!("parameter {key} is repeated"));
        }
    }
    Ok(params)
}

/// Client credentials from HTTP Basic (client_secret_basic) or the body (client_secret_post), never both.
// The error is the finished OAuth response; it is built once per failed request.
#[allow(clippy::result_large_err)]
fn client_credentials(
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<(String, String), HttpResponse> {
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
        (Some(_), (_, Some(_))) => Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
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
            decoded.ok_or_else(|| {
                oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "the Basic credentials are malformed",
                )
            })
        }
        (None, (Some(id), Some(secret))) => Ok((id.clone(), secret.clone())),
        (None, _) => Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication is required",
        )),
    }
}

fn percent_decode(raw: &str) -> String {
    url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Issues an access token. Supported grant: `client_credentials`.
#[utoipa::path(post, path = "/oauth/token", tag = "oauth", operation_id = "token",
    request_body(content_type = "application/x-www-form-urlencoded", description = "grant_type=client_credentials&scope=read:ev-charging"),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "Bad request", body = OAuthError),
        (status = 401, description = "Client authentication failed", body = OAuthError),
    ),
    security(("client_secret_basic" = [])))]
pub async fn token(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !form_type.starts_with("application/x-www-form-urlencoded") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let params = match parse_form(&body) {
        Ok(params) => params,
        Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e),
    };
    let (client_id, client_secret) = match client_credentials(&req, &params) {
        Ok(creds) => creds,
        Err(res) => return res,
    };
    let app = match vdx_catalog::marketplace::find_app_by_client_id(&state.db, &client_id).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "client lookup failed");
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the server failed to handle this request",
            );
        }
    };
    // Verify against a decoy hash for unknown clients so both take the same time.
    let hash = app
        .as_ref()
        .map_or(secret::decoy_hash(), |a| a.client_secret_hash.as_str());
    let secret_ok = secret::verify(&client_secret, hash);
    let Some(app) = app.filter(|_| secret_ok) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    };
    match params.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant type {other:?} is not supported"),
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    }
    let allowed = match vdx_catalog::marketplace::allowed_scopes(&state.db, &app).await {
        Ok(scopes) => scopes,
        Err(e) => {
            tracing::error!(error = %e, "scope lookup failed");
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the server failed to handle this request",
            );
        }
    };
    let granted = match params.get("scope").filter(|s| !s.trim().is_empty()) {
        None => allowed,
        Some(requested) => match ScopeSet::parse(requested) {
            Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", e.to_string()),
            Ok(requested) => {
                let granted = requested.intersection(&allowed);
                if granted.is_empty() {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        "none of the requested scopes is allowed for this client",
                    );
                }
                granted
            }
        },
    };
    match state.tokens.issue(&app.client_id, granted) {
        Ok(issued) => {
            tracing::info!(client_id = %app.client_id, scope = %issued.scope, "token issued");
            HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(TokenResponse {
                    access_token: issued.access_token,
                    token_type: "Bearer",
                    expires_in: issued.expires_in,
                    scope: issued.scope.to_string(),
                })
        }
        Err(e) => {
            tracing::error!(error = %e, "token signing failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the server failed to handle this request",
            )
        }
    }
}

/// RFC 8414 authorization server metadata.
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth", operation_id = "oauth_metadata",
    responses((status = 200, description = "Authorization server metadata", body = serde_json::Value)))]
pub async fn metadata(state: web::Data<AppState>) -> HttpResponse {
    let issuer = state.tokens.issuer();
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "token_endpoint": format!("{}/oauth/token", state.base_url),
        "jwks_uri": format!("{}/.well-known/jwks.json", state.base_url),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["admin", "ingest"],
        "service_documentation": format!("{}/docs", state.base_url),
    }))
}

/// The public keys that verify access tokens (RFC 7517).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "oauth", operation_id = "jwks",
    responses((status = 200, description = "JSON Web Key Set", body = serde_json::Value)))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.tokens.jwks())
}
