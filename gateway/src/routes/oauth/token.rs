//! `POST /oauth/token`: the grants `client_credentials`,
//! `authorization_code` (PKCE S256 required) and `refresh_token` (rotated on
//! every use; reuse revokes the grant). Scopes are always cut down to what
//! the app's active subscriptions allow at the moment of issue.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, post};
use serde::Serialize;
use vdx_catalog::App;
use vdx_core::{DriverId, ScopeSet};

use vdx_identity::{codes, grants, revocation};

use super::{ClientRequest, OAuthError, lifetimes};
use crate::auth::token::AccessGrant;
use crate::revealed::Revealed;
use crate::routes::responses::ClientAuthErrors;
use crate::state::AppState;

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    #[schema(value_type = String)]
    pub access_token: Revealed,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// The scopes granted, space-separated.
    pub scope: String,
    /// A one-time refresh token (authorization_code and refresh_token grants);
    /// each use returns a new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub refresh_token: Option<Revealed>,
}

/// A token request's form (RFC 6749 §4.1.3, §4.4.2, §6). The client
/// authenticates with HTTP Basic (`client_secret_basic`) or with `client_id`
/// and `client_secret` in this form (`client_secret_post`), never both.
// The handler reads the form itself (a repeated parameter is an error); this
// type describes it in the OpenAPI document. The empty examples keep Swagger
// UI from filling the form with sample values it would then send.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub grant_type: GrantType,
    /// Space-separated scopes, e.g. `read:ev-charging command:ev-charging`;
    /// absent: every scope the client may have.
    #[schema(example = "")]
    pub scope: Option<String>,
    /// With `client_secret_post`: the client id.
    #[schema(example = "")]
    pub client_id: Option<String>,
    /// With `client_secret_post`: the client secret.
    #[schema(example = "")]
    pub client_secret: Option<String>,
    /// `authorization_code`: the code the authorization endpoint returned.
    #[schema(example = "")]
    pub code: Option<String>,
    /// `authorization_code`: the redirect URI of the authorization request.
    #[schema(example = "")]
    pub redirect_uri: Option<String>,
    /// `authorization_code`: the PKCE verifier (S256).
    #[schema(example = "")]
    pub code_verifier: Option<String>,
    /// `refresh_token`: the refresh token (each use returns a new one).
    #[schema(example = "")]
    pub refresh_token: Option<String>,
}

/// The grants the token endpoint serves.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    ClientCredentials,
    AuthorizationCode,
    RefreshToken,
}

/// Issues tokens. Grants: `client_credentials`, `authorization_code` (with
/// `code`, `redirect_uri`, `code_verifier`) and `refresh_token`.
#[utoipa::path(tag = "oauth", operation_id = "token",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded", description = "grant_type=client_credentials&scope=read:ev-charging, grant_type=authorization_code&code=…&redirect_uri=…&code_verifier=…, or grant_type=refresh_token&refresh_token=…"),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "Bad request, invalid grant or scope, or client_secret_post authentication failed (invalid_client, no challenge)", body = super::OAuthErrorBody),
        ClientAuthErrors,
    ),
    security(("client_secret_basic" = [])))]
#[post("/oauth/token")]
pub async fn token(client: ClientRequest) -> Result<HttpResponse, OAuthError> {
    let ClientRequest { app, params, state } = client;
    // The request span names the client that authenticated (never its secret).
    tracing::Span::current().record("app", app.client_id.as_str());
    match params.get("grant_type").map(String::as_str) {
        Some("client_credentials") => client_credentials(&state, &app, &params).await,
        Some("authorization_code") => authorization_code(&state, &app, &params).await,
        Some("refresh_token") => refresh_token(&state, &app, &params).await,
        Some(other) => Err(OAuthError::UnsupportedGrantType(format!(
            "grant type {other:?} is not supported"
        ))),
        None => Err(OAuthError::InvalidRequest("grant_type is required".into())),
    }
}

type Outcome = Result<HttpResponse, OAuthError>;

async fn allowed(state: &AppState, app: &App) -> Result<ScopeSet, OAuthError> {
    vdx_catalog::marketplace::allowed_scopes(state.db_bypassing_gate(), app)
        .await
        .map_err(|e| OAuthError::server("scope lookup failed", e))
}

/// `scope`, if given, cut down to `available`; otherwise all of `available`.
fn narrow(params: &HashMap<String, String>, available: ScopeSet) -> Result<ScopeSet, OAuthError> {
    match params.get("scope").filter(|s| !s.trim().is_empty()) {
        None => Ok(available),
        Some(requested) => {
            let requested =
                ScopeSet::parse(requested).map_err(|e| OAuthError::InvalidScope(e.to_string()))?;
            let granted = requested.intersection(&available);
            if granted.is_empty() {
                return Err(OAuthError::InvalidScope(
                    "none of the requested scopes is allowed for this client".into(),
                ));
            }
            Ok(granted)
        }
    }
}

async fn client_credentials(
    state: &AppState,
    app: &App,
    params: &HashMap<String, String>,
) -> Outcome {
    let scope = narrow(params, allowed(state, app).await?)?;
    let family = revocation::credential_family(&app.client_secret_hash);
    respond(state, app, None, scope, Some(&family), None).await
}

async fn authorization_code(
    state: &AppState,
    app: &App,
    params: &HashMap<String, String>,
) -> Outcome {
    let Some(code) = params.get("code") else {
        return Err(OAuthError::InvalidRequest("code is required".into()));
    };
    let redeemed = codes::redeem(
        state.db_bypassing_gate(),
        code,
        app.id,
        params.get("redirect_uri").map(String::as_str),
        params.get("code_verifier").map(String::as_str),
        state.now_ms(),
        lifetimes(state),
    )
    .await?;
    let scope = redeemed.scope.intersection(&allowed(state, app).await?);
    tracing::info!(client_id = %app.client_id, driver = %redeemed.driver, "authorization code redeemed");
    respond(
        state,
        app,
        Some(redeemed.driver),
        scope,
        Some(&redeemed.family_id),
        Some(Revealed::from(&redeemed.refresh_token)),
    )
    .await
}

async fn refresh_token(state: &AppState, app: &App, params: &HashMap<String, String>) -> Outcome {
    let Some(presented) = params.get("refresh_token") else {
        return Err(OAuthError::InvalidRequest(
            "refresh_token is required".into(),
        ));
    };
    // RFC 6749 §6: a refresh may narrow the scope, never widen it. Checked
    // before rotating, so a refused request does not use the token up.
    if let Some(requested) = params.get("scope").filter(|s| !s.trim().is_empty()) {
        let requested =
            ScopeSet::parse(requested).map_err(|e| OAuthError::InvalidScope(e.to_string()))?;
        let granted = grants::find_refresh_token(state.db_bypassing_gate(), presented)
            .await
            .map_err(|e| OAuthError::server("refresh token lookup failed", e))?
            .map(|(_, family)| family.scope);
        if let Some(granted) = granted
            && requested.intersection(&granted) != requested
        {
            return Err(OAuthError::InvalidScope(
                "a refresh may not ask for scopes the grant does not have".into(),
            ));
        }
    }
    let rotated = grants::rotate(
        state.db_bypassing_gate(),
        presented,
        app.id,
        state.now_ms(),
        lifetimes(state),
    )
    .await?;
    let scope =
        narrow(params, rotated.family.scope.clone())?.intersection(&allowed(state, app).await?);
    respond(
        state,
        app,
        rotated.family.driver_id,
        scope,
        Some(&rotated.family.id),
        Some(Revealed::from(&rotated.refresh_token)),
    )
    .await
}

async fn respond(
    state: &AppState,
    app: &App,
    driver: Option<DriverId>,
    scope: ScopeSet,
    family: Option<&str>,
    refresh_token: Option<Revealed>,
) -> Outcome {
    let issued = state
        .tokens
        .issue(AccessGrant {
            client_id: &app.client_id,
            driver,
            scope,
            family,
        })
        .await
        .map_err(|e| OAuthError::server("token signing failed", e))?;
    // Tokens without a family (none today) log an empty one.
    tracing::info!(client_id = %app.client_id, scope = %issued.scope, family = family.unwrap_or_default(), "token issued");
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: issued.access_token.into(),
            token_type: "Bearer",
            expires_in: issued.expires_in,
            scope: issued.scope.to_string(),
            refresh_token,
        }))
}
