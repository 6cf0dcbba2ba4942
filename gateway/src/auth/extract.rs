//! Step 1 of the request path. The [`middleware`] verifies a bearer token
//! once, before any handler or body extractor runs, and leaves the result in
//! the request; a *bad* token is a 401 right there, never silently anonymous.
//! The extractors then only read that result: `Authenticated` requires a
//! principal, `Admin` one with the `admin` scope, `MaybeAuthenticated` allows none.

use std::future::{Ready, ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use vdx_core::Principal;

use super::token::{TokenError, TokenService};
use crate::problem::ApiError;

/// A request with a verified access token.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

/// A request with a verified access token, or none at all.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Principal>);

/// A request whose token carries the `admin` scope. Any other token is a 403
/// with `insufficient_scope`; no token is a 401.
#[derive(Debug, Clone)]
pub struct Admin(pub Principal);

/// A partner request ready for the gate: the verified principal, the request
/// id, the time, and the policy epoch read at authentication.
#[derive(Debug, Clone)]
pub struct Partner(pub vdx_telemetry::gate::RequestContext);

/// What the middleware found: the verified principal, if there was a token,
/// with the policy epoch read then and when it was read.
#[derive(Debug, Clone)]
struct Verified(Option<(Principal, i64, std::time::Instant)>);

/// The bearer token of a request: `Ok(None)` without an Authorization header
/// or with another scheme (Basic belongs to the token endpoint).
pub fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::InvalidToken("the Authorization header is not ASCII".into()))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let token = token.trim();
            if token.is_empty() {
                Err(ApiError::InvalidToken("the bearer token is empty".into()))
            } else {
                Ok(Some(token.to_owned()))
            }
        }
        _ => Ok(None),
    }
}

/// The token service, registered as its own app data (not through the
/// whole application state: authentication needs nothing else).
fn token_service(req: &HttpRequest) -> Result<&web::Data<TokenService>, ApiError> {
    req.app_data::<web::Data<TokenService>>()
        .ok_or_else(|| ApiError::internal("the token service is not registered"))
}

/// Verifies the request's bearer token, if it has one; with it, the policy
/// epoch the request's consent decisions use.
async fn principal_of(req: &HttpRequest) -> Result<Option<(Principal, i64)>, ApiError> {
    let Some(token) = bearer(req)? else {
        return Ok(None);
    };
    let tokens = token_service(req)?;
    match tokens.verify_request(&token).await {
        Ok(verified) => Ok(Some(verified)),
        Err(TokenError::Internal(e)) => Err(ApiError::internal(e)),
        Err(e) => Err(ApiError::InvalidToken(e.to_string())),
    }
}

/// Middleware: verifies the bearer token once per request and stores the result.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match principal_of(req.request()).await {
        Ok(Some((principal, epoch))) => {
            // The request span (opened by `request_id::middleware`) names the caller.
            let span = tracing::Span::current();
            span.record("app", principal.app().client_id.as_str());
            span.record("partner", principal.app().partner_id.0);
            req.extensions_mut().insert(Verified(Some((
                principal,
                epoch,
                std::time::Instant::now(),
            ))));
            Ok(next.call(req).await?.map_into_left_body())
        }
        Ok(None) => {
            req.extensions_mut().insert(Verified(None));
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(err) => Ok(req
            .into_response(err.error_response())
            .map_into_right_body()),
    }
}

fn verified_with_epoch(
    req: &HttpRequest,
) -> Result<Option<(Principal, i64, std::time::Instant)>, ApiError> {
    req.extensions()
        .get::<Verified>()
        .map(|v| v.0.clone())
        .ok_or_else(|| ApiError::internal("the authentication middleware is not installed"))
}

fn verified(req: &HttpRequest) -> Result<Option<Principal>, ApiError> {
    Ok(verified_with_epoch(req)?.map(|(p, _, _)| p))
}

/// The gate's request context of an authenticated request, if it is one.
pub fn request_context(
    req: &HttpRequest,
) -> Result<Option<vdx_telemetry::gate::RequestContext>, ApiError> {
    let Some((principal, epoch, read_at)) = verified_with_epoch(req)? else {
        return Ok(None);
    };
    let tokens = token_service(req)?;
    let request_id = req
        .extensions()
        .get::<crate::request_id::RequestId>()
        .map(|r| r.0.clone())
        .ok_or_else(|| ApiError::internal("the request id middleware is not installed"))?;
    Ok(Some(vdx_telemetry::gate::RequestContext::new(
        principal,
        request_id,
        tokens.now_ms(),
        epoch,
        read_at,
    )))
}

/// `impl FromRequest` for an extractor that only reads what the middleware
/// left in the request: `$read` maps the request to the extractor or its error.
macro_rules! read_from_request {
    ($extractor:ty, $read:expr) => {
        impl FromRequest for $extractor {
            type Error = ApiError;
            type Future = Ready<Result<Self, Self::Error>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let read: fn(&HttpRequest) -> Result<$extractor, ApiError> = $read;
                ready(read(req))
            }
        }
    };
}

read_from_request!(Partner, |req| {
    request_context(req).and_then(|c| c.map(Partner).ok_or(ApiError::Unauthenticated))
});

read_from_request!(MaybeAuthenticated, |req| verified(req)
    .map(MaybeAuthenticated));

read_from_request!(Authenticated, |req| {
    verified(req).and_then(|p| p.map(Authenticated).ok_or(ApiError::Unauthenticated))
});

read_from_request!(Admin, |req| {
    let principal = verified(req)?.ok_or(ApiError::Unauthenticated)?;
    if !principal.has_scope(&vdx_core::Scope::Admin) {
        return Err(ApiError::Denied(vdx_consent::Denial::InsufficientScope(
            vdx_core::Scope::Admin,
        )));
    }
    Ok(Admin(principal))
});
