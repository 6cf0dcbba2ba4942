//! Extractors: `Authenticated` requires a valid bearer token; `MaybeAuthenticated`
//! allows none, but a *bad* token is still a 401, never silently anonymous.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use vdx_core::Principal;

use crate::problem::ApiError;
use crate::state::AppState;

/// A request with a verified access token.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

/// A request with a verified access token, or none at all.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Principal>);

/// The bearer token of a request: `Ok(None)` if there is no Authorization header.
pub fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::InvalidToken("the Authorization header is not ASCII".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(ApiError::InvalidToken(
            "use the Bearer scheme: Authorization: Bearer <token>".into(),
        )),
    }
}

/// Verifies the request's bearer token, if it has one.
pub async fn principal_of(req: &HttpRequest) -> Result<Option<Principal>, ApiError> {
    let Some(token) = bearer(req)? else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("app state missing"))?;
    match state.tokens.verify(&token).await {
        Ok(principal) => Ok(Some(principal)),
        Err(super::token::TokenError::Internal(e)) => Err(ApiError::internal(e)),
        Err(e) => Err(ApiError::InvalidToken(e.to_string())),
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { principal_of(&req).await.map(MaybeAuthenticated) })
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            principal_of(&req)
                .await?
                .map(Authenticated)
                .ok_or(ApiError::Unauthenticated)
        })
    }
}

/// A request whose token carries the `admin` scope. Any other token is a 403
/// with `insufficient_scope`; no token is a 401.
#[derive(Debug, Clone)]
pub struct Admin(pub Principal);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = principal_of(&req).await?.ok_or(ApiError::Unauthenticated)?;
            if !principal.has_scope(&vdx_core::Scope::Admin) {
                return Err(ApiError::Denied(vdx_consent::Denial::InsufficientScope(
                    vdx_core::Scope::Admin,
                )));
            }
            Ok(Admin(principal))
        })
    }
}
