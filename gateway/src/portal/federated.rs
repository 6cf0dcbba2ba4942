//! Federated sign-in to the portal through the OEM's identity provider:
//! OpenID Connect, authorization code flow with PKCE, vdx as the relying
//! party. The protocol is [`super::oidc`]'s client; the attempts and linked
//! accounts are `vdx_identity::federated`'s; these are the two routes.
//! Configured with `oidc_issuer`, `oidc_client_id` and `oidc_client_secret`;
//! off when no issuer is set.
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

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use vdx_identity::digest::same_secret;
use vdx_identity::federated::{self as accounts, Attempt};

use super::error::{Failure, PortalError, SignInError};
use super::oidc::Provider;
use super::session;
use crate::problem::ApiError;
use crate::state::AppState;

/// The cookie that binds an attempt to the browser that started it.
const STATE_COOKIE: &str = "vdx_oidc";

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// The provider, or the 404 that federated sign-in is not configured.
fn provider(state: &AppState) -> Result<&Provider, PortalError> {
    state.federation.as_deref().ok_or_else(|| {
        PortalError::Api(ApiError::NotFound(
            "federated sign-in is not configured".into(),
        ))
    })
}

/// `GET /portal/login/federated`: off to the identity provider.
pub async fn start(
    query: web::Query<StartQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PortalError> {
    let provider = provider(&state)?;
    let result = async {
        let to = provider.authorization(&state.base_url).await?;
        let attempt = Attempt {
            nonce: to.nonce.into(),
            pkce_verifier: to.pkce_verifier.into(),
            next: query
                .next
                .as_deref()
                .and_then(session::safe_next)
                .map(str::to_owned),
        };
        accounts::begin(
            state.db_bypassing_gate(),
            &to.state,
            attempt,
            state.now_ms(),
        )
        .await?;
        Ok::<_, Failure>((to.url, to.state))
    };
    let (url, csrf) = result.await.map_err(|f| SignInError::new(f, &state))?;
    let mut res = HttpResponse::SeeOther()
        .insert_header(("location", url.to_string()))
        .insert_header(("cache-control", "no-store"))
        .finish();
    // Lax: the provider sends the browser back with a top-level GET.
    let cookie = Cookie::build(STATE_COOKIE, csrf)
        .path("/portal/login/federated")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.base_url.starts_with("https://"))
        .max_age(CookieDuration::minutes(10))
        .finish();
    let _ = res.add_cookie(&cookie);
    Ok(res)
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
    let username = claims[provider.config.username_claim.as_str()].as_str();
    accounts::driver_for(
        state.db_bypassing_gate(),
        issuer,
        subject,
        username,
        state.now_ms(),
    )
    .await?
    .ok_or_else(|| Failure::NotLinked(provider.config.name.clone()))
}

/// `GET /portal/login/federated/callback`: back from the identity provider.
pub async fn callback(
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PortalError> {
    let provider = provider(&state)?;
    let result = async {
        // The attempt must be this browser's, and is used up either way.
        let sent = query.state.as_deref().ok_or(Failure::Stale)?;
        let cookie = req.cookie(STATE_COOKIE).ok_or(Failure::Stale)?;
        if !same_secret(cookie.value(), sent) {
            return Err(Failure::Stale);
        }
        let attempt = accounts::take(state.db_bypassing_gate(), sent, state.now_ms())
            .await?
            .ok_or(Failure::Stale)?;
        if let Some(error) = &query.error {
            // An absent description is just not given.
            let detail = query.error_description.as_deref().unwrap_or_default();
            return Err(Failure::Refused(
                format!("{error} {detail}").trim().to_owned(),
            ));
        }
        let code = query
            .code
            .clone()
            .ok_or_else(|| Failure::Refused("no code".into()))?;
        let (issuer, claims) = provider
            .sign_in(
                &state.base_url,
                code,
                secrecy::ExposeSecret::expose_secret(&attempt.pkce_verifier).to_owned(),
                secrecy::ExposeSecret::expose_secret(&attempt.nonce),
            )
            .await?;
        let driver = driver_for(&state, provider, &issuer, &claims).await?;
        let session = session::start(&state, driver.id)
            .await
            .map_err(|e| Failure::Internal(e.to_string()))?;
        tracing::info!(driver = %driver.id, "portal sign-in (federated)");
        Ok::<_, Failure>((session, attempt.next))
    };
    let (session, next) = result.await.map_err(|f| SignInError::new(f, &state))?;
    let mut res = HttpResponse::SeeOther()
        .insert_header(("location", next.as_deref().unwrap_or("/portal")))
        .finish();
    let _ = res.add_cookie(&session);
    let _ = res.add_removal_cookie(
        &Cookie::build(STATE_COOKIE, "")
            .path("/portal/login/federated")
            .finish(),
    );
    Ok(res)
}
