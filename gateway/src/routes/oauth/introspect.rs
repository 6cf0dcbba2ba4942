//! `POST /oauth/introspect` (RFC 7662) and `POST /oauth/revoke` (RFC 7009).
//! Both require client authentication. A client sees and revokes only its own
//! tokens; an OEM client with the `admin` scope may handle anyone's. Anything
//! else (unknown, expired, revoked, rotated, someone else's) introspects as
//! `{"active": false}` and revokes as a silent 200, so neither endpoint tells
//! a caller whether a token it does not own exists.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, post, web};
use serde_json::json;
use vdx_catalog::App;

use vdx_identity::grants::{RefreshToken, TokenFamily};
use vdx_identity::{LEEWAY_MS, grants, revocation};

use super::{ClientRequest, OAuthError, is_admin, lifetimes};
use crate::auth::token::{Claims, TokenError};
use crate::routes::responses::TokenClientErrors;
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
async fn live_access_token(state: &AppState, token: &str) -> Result<Option<Claims>, TokenError> {
    let Ok(checked) = state.tokens.verify_claims(token).await else {
        return Ok(None);
    };
    let revoked = state.tokens.is_revoked(&checked.claims).await?;
    Ok((!revoked).then_some(checked.claims))
}

/// What a presented token is.
enum Token {
    /// A refresh token we issued (live or not), with its family.
    Refresh(RefreshToken, TokenFamily),
    /// A valid, unrevoked access token, with its claims.
    Access(Claims),
    /// Anything else: unknown, expired, revoked, malformed.
    Unknown,
}

/// What both endpoints start from: the authenticated client and what the
/// token it presents is (a refresh token is looked up first).
pub struct Presented {
    app: App,
    token: Token,
    state: web::Data<AppState>,
}

impl Presented {
    async fn of(client: ClientRequest) -> Result<Self, actix_web::Error> {
        let ClientRequest { app, params, state } = client;
        let presented = params
            .get("token")
            .ok_or_else(|| OAuthError::InvalidRequest("token is required".into()))?;
        let refresh = grants::find_refresh_token(state.db_bypassing_gate(), presented)
            .await
            .map_err(|e| OAuthError::server("refresh token lookup failed", e))?;
        let token = match refresh {
            Some((row, family)) => Token::Refresh(row, family),
            None => live_access_token(&state, presented)
                .await
                .map_err(|e| OAuthError::server("revocation lookup failed", e))?
                .map_or(Token::Unknown, Token::Access),
        };
        Ok(Self { app, token, state })
    }
}

impl FromRequest for Presented {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let client = ClientRequest::from_request(req, payload);
        Box::pin(async move { Self::of(client.await?).await })
    }
}

/// RFC 7662 token introspection, for access and refresh tokens.
#[utoipa::path(tag = "oauth", operation_id = "introspect",
    request_body(content_type = "application/x-www-form-urlencoded", description = "token=…&token_type_hint=access_token"),
    responses(
        (status = 200, description = "`{\"active\": true, …claims}` or `{\"active\": false}`", body = serde_json::Value),
        TokenClientErrors,
    ),
    security(("client_secret_basic" = [])))]
#[post("/oauth/introspect")]
pub async fn introspect(presented: Presented) -> Result<HttpResponse, OAuthError> {
    let Presented { app, token, state } = presented;
    match token {
        Token::Refresh(row, family) => {
            let live = family.revoked_at.is_none()
                && row.rotated_at.is_none()
                && row.expires_at > state.now_ms();
            let client =
                vdx_catalog::marketplace::find_app_by_id(state.db_bypassing_gate(), family.app_id)
                    .await
                    .map_err(|e| OAuthError::server("client lookup failed", e))?;
            Ok(match client {
                Some(client) if live && owns(&app, &client.client_id) => HttpResponse::Ok()
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .json(json!({
                        "active": true,
                        "token_type": "refresh_token",
                        "client_id": client.client_id,
                        "scope": family.scope.to_string(),
                        "sub": family.driver_id.map_or(client.client_id.clone(), |d| format!("driver:{d}")),
                        "iat": row.created_at / 1000,
                        "exp": row.expires_at / 1000,
                        "iss": state.tokens.issuer(),
                    })),
                _ => inactive(),
            })
        }
        Token::Access(claims) if owns(&app, &claims.client_id) => {
            let mut body = serde_json::to_value(&claims)
                .map_err(|e| OAuthError::server("cannot serialize the claims", e))?;
            body["active"] = true.into();
            body["token_type"] = "Bearer".into();
            Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(body))
        }
        _ => Ok(inactive()),
    }
}

/// RFC 7009 token revocation. Revoking a refresh token revokes its whole
/// grant, including the access tokens issued from it; revoking an access
/// token revokes that token. Always 200 for tokens that are unknown.
#[utoipa::path(tag = "oauth", operation_id = "revoke",
    request_body(content_type = "application/x-www-form-urlencoded", description = "token=…&token_type_hint=refresh_token"),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        TokenClientErrors,
    ),
    security(("client_secret_basic" = [])))]
#[post("/oauth/revoke")]
pub async fn revoke(presented: Presented) -> Result<HttpResponse, OAuthError> {
    let Presented { app, token, state } = presented;
    let (db, now_ms) = (state.db_bypassing_gate(), state.now_ms());
    match token {
        Token::Refresh(_, family) if family.app_id == app.id || is_admin(&app) => {
            grants::revoke_family(
                db,
                &family.id,
                "revoked_by_client",
                now_ms,
                lifetimes(&state),
            )
            .await
            .map_err(|e| OAuthError::server("revocation failed", e))?;
        }
        Token::Access(claims) if owns(&app, &claims.client_id) => {
            let until = claims.exp.saturating_mul(1000).saturating_add(LEEWAY_MS);
            revocation::revoke(db, &claims.jti, now_ms, until)
                .await
                .map_err(|e| OAuthError::server("revocation failed", e))?;
            tracing::info!(client_id = %app.client_id, jti = %claims.jti, "access token revoked");
        }
        _ => {}
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
