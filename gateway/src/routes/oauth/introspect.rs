//! `POST /oauth/introspect` (RFC 7662) and `POST /oauth/revoke` (RFC 7009).
//! Both require client authentication. A client sees and revokes only its own
//! tokens; an OEM client with the `admin` scope may handle anyone's. Anything
//! else (unknown, expired, revoked, rotated, someone else's) introspects as
//! `{"active": false}` and revokes as a silent 200, so neither endpoint tells
//! a caller whether a token it does not own exists.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde_json::json;
use vdx_catalog::App;

use super::{authenticate, form_of, invalid_request, is_admin, lifetimes, server_error};
use crate::auth::grants;
use crate::auth::revocation;
use crate::auth::token::{Claims, LEEWAY_SECS};
use crate::state::AppState;

fn inactive() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "active": false }))
}

fn owns(app: &App, client_id: &str) -> bool {
    app.client_id == client_id || is_admin(app)
}

/// The valid, unrevoked access token `token` and its claims, if it is one.
async fn live_access_token(state: &AppState, token: &str) -> Result<Option<Claims>, String> {
    let Ok(checked) = state.tokens.verify_claims(token).await else {
        return Ok(None);
    };
    match state.tokens.is_revoked(&checked.claims).await {
        Ok(true) => Ok(None),
        Ok(false) => Ok(Some(checked.claims)),
        Err(e) => Err(e.to_string()),
    }
}

/// RFC 7662 token introspection, for access and refresh tokens.
#[utoipa::path(post, path = "/oauth/introspect", tag = "oauth", operation_id = "introspect",
    request_body(content_type = "application/x-www-form-urlencoded", description = "token=…&token_type_hint=access_token"),
    responses(
        (status = 200, description = "`{\"active\": true, …claims}` or `{\"active\": false}`", body = serde_json::Value),
        (status = 400, description = "Bad request, or client_secret_post authentication failed (invalid_client, no challenge)", body = super::OAuthError),
        (status = 401, description = "client_secret_basic authentication failed, or no client authentication at all (WWW-Authenticate: Basic)", body = super::OAuthError),
    ),
    security(("client_secret_basic" = [])))]
#[post("/oauth/introspect")]
pub async fn introspect(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let params = match form_of(&req, &body) {
        Ok(params) => params,
        Err(res) => return res,
    };
    let app = match authenticate(&req, &params, &state).await {
        Ok(app) => app,
        Err(res) => return res,
    };
    let Some(token) = params.get("token") else {
        return invalid_request("token is required");
    };
    let now_ms = state.now_ms();
    match grants::find_refresh_token(state.db_bypassing_gate(), token).await {
        Err(e) => return server_error("refresh token lookup failed", e),
        Ok(Some((row, family))) => {
            let live =
                family.revoked_at.is_none() && row.rotated_at.is_none() && row.expires_at > now_ms;
            let client = match vdx_catalog::marketplace::find_app_by_id(
                state.db_bypassing_gate(),
                family.app_id,
            )
            .await
            {
                Ok(client) => client,
                Err(e) => return server_error("client lookup failed", e),
            };
            return match client {
                Some(client) if live && owns(&app, &client.client_id) => HttpResponse::Ok()
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .json(json!({
                        "active": true,
                        "token_type": "refresh_token",
                        "client_id": client.client_id,
                        "scope": family.scope,
                        "sub": family.driver_id.map_or(client.client_id.clone(), |d| format!("driver:{d}")),
                        "iat": row.created_at / 1000,
                        "exp": row.expires_at / 1000,
                        "iss": state.tokens.issuer(),
                    })),
                _ => inactive(),
            };
        }
        Ok(None) => {}
    }
    match live_access_token(&state, token).await {
        Err(e) => server_error("revocation lookup failed", e),
        Ok(Some(claims)) if owns(&app, &claims.client_id) => {
            let mut body = serde_json::to_value(&claims).unwrap_or_default();
            body["active"] = true.into();
            body["token_type"] = "Bearer".into();
            HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(body)
        }
        Ok(_) => inactive(),
    }
}

/// RFC 7009 token revocation. Revoking a refresh token revokes its whole
/// grant, including the access tokens issued from it; revoking an access
/// token revokes that token. Always 200 for tokens that are unknown.
#[utoipa::path(post, path = "/oauth/revoke", tag = "oauth", operation_id = "revoke",
    request_body(content_type = "application/x-www-form-urlencoded", description = "token=…&token_type_hint=refresh_token"),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, description = "Bad request, or client_secret_post authentication failed (invalid_client, no challenge)", body = super::OAuthError),
        (status = 401, description = "client_secret_basic authentication failed, or no client authentication at all (WWW-Authenticate: Basic)", body = super::OAuthError),
    ),
    security(("client_secret_basic" = [])))]
#[post("/oauth/revoke")]
pub async fn revoke(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let params = match form_of(&req, &body) {
        Ok(params) => params,
        Err(res) => return res,
    };
    let app = match authenticate(&req, &params, &state).await {
        Ok(app) => app,
        Err(res) => return res,
    };
    let Some(token) = params.get("token") else {
        return invalid_request("token is required");
    };
    let now_ms = state.now_ms();
    let done = HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish();
    match grants::find_refresh_token(state.db_bypassing_gate(), token).await {
        Err(e) => return server_error("refresh token lookup failed", e),
        Ok(Some((_, family))) => {
            if family.app_id == app.id || is_admin(&app) {
                let revoked = grants::revoke_family(
                    state.db_bypassing_gate(),
                    &family.id,
                    "revoked_by_client",
                    now_ms,
                    lifetimes(&state),
                )
                .await;
                if let Err(e) = revoked {
                    return server_error("revocation failed", e);
                }
            }
            return done;
        }
        Ok(None) => {}
    }
    match live_access_token(&state, token).await {
        Err(e) => server_error("revocation lookup failed", e),
        Ok(Some(claims)) if owns(&app, &claims.client_id) => {
            let leeway = i64::try_from(LEEWAY_SECS).unwrap_or_default();
            let until = claims.exp.saturating_add(leeway).saturating_mul(1000);
            match revocation::revoke(state.db_bypassing_gate(), &claims.jti, now_ms, until).await {
                Ok(()) => {
                    tracing::info!(client_id = %app.client_id, jti = %claims.jti, "access token revoked");
                    done
                }
                Err(e) => server_error("revocation failed", e),
            }
        }
        Ok(_) => done,
    }
}
