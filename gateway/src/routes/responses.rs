//! The error responses many operations share, declared once for the OpenAPI
//! document: a handler lists its own answers and adds one of these types to
//! `responses(..)`, e.g. `responses((status = 200, ..), AdminErrors)`. They
//! only describe answers; what a handler really answers is decided by its
//! error mapping (`ApiError`, `OAuthError`), not here.

use std::collections::BTreeMap;

use utoipa::IntoResponses;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response};

const NO_TOKEN: &str = "No or invalid token";

/// `responses` for `(status, description)` pairs, each with a body of the
/// named schema in `content_type`.
fn described(
    schema: &str,
    content_type: &str,
    answers: &[(u16, &str)],
) -> BTreeMap<String, RefOr<Response>> {
    answers
        .iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build();
            let response = ResponseBuilder::new()
                .description(*description)
                .content(content_type, content)
                .build();
            (status.to_string(), response.into())
        })
        .collect()
}

/// problem+json (RFC 9457) answers.
fn problems(answers: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    described("Problem", "application/problem+json", answers)
}

/// 401: a bearer endpoint called without a valid token.
pub struct Unauthenticated;

impl IntoResponses for Unauthenticated {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(401, NO_TOKEN)])
    }
}

/// 401 and 403: an admin endpoint called without a token, or with one
/// lacking the `admin` scope.
pub struct AdminErrors;

impl IntoResponses for AdminErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(401, NO_TOKEN), (403, "The token lacks the admin scope")])
    }
}

/// 401 and 403: a partner read of one vehicle, refused without leaking
/// whether the vehicle exists.
pub struct VehicleReadErrors;

impl IntoResponses for VehicleReadErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            (401, NO_TOKEN),
            (
                403,
                "No consent, scope or subscription. An unknown VIN gets the same answer as an unconsented one.",
            ),
        ])
    }
}

/// RFC 6749 §5.2 answers (the `OAuthError` schema, JSON).
fn oauth_errors(answers: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    described("OAuthError", "application/json", answers)
}

/// 401: client authentication at an OAuth endpoint failed with
/// `client_secret_basic`, or was missing.
pub struct ClientAuthErrors;

impl IntoResponses for ClientAuthErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        oauth_errors(&[(
            401,
            "client_secret_basic authentication failed, or no client authentication at all (WWW-Authenticate: Basic)",
        )])
    }
}

/// 400 and 401: the answers of the token endpoints that take a token
/// (introspection, revocation) and authenticate the client.
pub struct TokenClientErrors;

impl IntoResponses for TokenClientErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut answers = oauth_errors(&[(
            400,
            "Bad request, or client_secret_post authentication failed (invalid_client, no challenge)",
        )]);
        answers.extend(ClientAuthErrors::responses());
        answers
    }
}
