//! The edge's one error type, [`ApiError`], and its RFC 9457
//! `application/problem+json` rendering. Every variant has a stable `code`;
//! 5xx details are logged, never sent. Any error can carry response headers
//! ([`ApiError::with_header`], as dropshot's `HttpError` does), so this module
//! knows no producer of them: the partner gate's RateLimit headers are added
//! in `partner`, not here. Storage constraint violations arrive already
//! classified by the domain crates (see `vdx_core::constraint`).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use vdx_consent::Denial;
use vdx_core::constraint::Violation;

use crate::request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The RFC 9457 body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Stable, machine-readable code (UPPER_SNAKE).
    pub code: String,
    /// The request id, as in the `x-request-id` header and the logs.
    pub request_id: String,
    /// Paths or fields the problem concerns, where there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// On bearer token failures, the RFC 6750 error code (`invalid_token`,
    /// `insufficient_scope`), as in the `WWW-Authenticate` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    /// With `error`: what was wrong with the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum ApiError {
    /// {detail}
    BadRequest { code: &'static str, detail: String },
    /// {detail}
    Unprocessable {
        code: &'static str,
        detail: String,
        errors: Vec<String>,
    },
    /// this endpoint needs a bearer access token
    Unauthenticated,
    /// the access token is invalid: {0}
    InvalidToken(String),
    /// {0}
    Denied(Denial),
    /// {0}
    NotFound(String),
    /// {0}
    Conflict(String),
    /// this method is not allowed here
    MethodNotAllowed,
    /// {0}
    RequestTimeout(String),
    /// {0}
    PayloadTooLarge(String),
    /// {0}
    HeadTooLarge(String),
    /// the request body must be {expected}
    UnsupportedMediaType { expected: &'static str },
    /// {detail}
    TooManyRequests { code: &'static str, detail: String },
    /// the service is not ready: {0}
    Unavailable(String),
    /// internal error
    Internal(String),
    /// {error}
    WithHeaders {
        error: Box<ApiError>,
        /// Sent with the problem, one value per name; each replaces a header
        /// of the same name the error would carry by itself.
        headers: Vec<(HeaderName, HeaderValue)>,
    },
}

impl ApiError {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        Self::Internal(err.to_string())
    }

    /// This error, answered with one more response header (`Retry-After`,
    /// RateLimit, `Allow`, `Deprecation`, ...).
    #[must_use]
    pub fn with_header(self, name: HeaderName, value: HeaderValue) -> Self {
        match self {
            Self::WithHeaders { error, mut headers } => {
                headers.push((name, value));
                Self::WithHeaders { error, headers }
            }
            error => Self::WithHeaders {
                error: Box::new(error),
                headers: vec![(name, value)],
            },
        }
    }

    /// The error itself, without the headers it carries.
    pub fn kind(&self) -> &ApiError {
        match self {
            Self::WithHeaders { error, .. } => error.kind(),
            other => other,
        }
    }

    /// The headers this error carries (not those of its variant, such as the
    /// bearer challenge).
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        match self {
            Self::WithHeaders { headers, .. } => headers,
            _ => &[],
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WithHeaders { error, .. } => error.code(),
            Self::BadRequest { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::TooManyRequests { code, .. } => code,
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::InvalidToken(_) => "INVALID_TOKEN",
            Self::Denied(denial) => denial_code(denial),
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) => "CONFLICT",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            Self::HeadTooLarge(_) => "REQUEST_HEAD_TOO_LARGE",
            Self::RequestTimeout(_) => "REQUEST_TIMEOUT",
            Self::UnsupportedMediaType { .. } => "UNSUPPORTED_MEDIA_TYPE",
            Self::Unavailable(_) => "NOT_READY",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// Renders the problem body with the given request id.
    pub fn to_problem(&self, request_id: &str) -> Problem {
        let status = self.status_code();
        let detail = match self.kind() {
            Self::Internal(_) => {
                "the server failed to handle this request; quote the request_id when reporting it"
                    .to_owned()
            }
            other => other.to_string(),
        };
        Problem {
            type_uri: format!(
                "urn:vdx:problem:{}",
                self.code().to_ascii_lowercase().replace('_', "-")
            ),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: self.code().to_owned(),
            request_id: request_id.to_owned(),
            errors: match self.kind() {
                Self::Unprocessable { errors, .. } => errors.clone(),
                _ => Vec::new(),
            },
            error: self.bearer_error(),
            error_description: self.bearer_error().map(|_| self.to_string()),
        }
    }

    /// The RFC 6750 error code of a bearer token failure.
    pub fn bearer_error(&self) -> Option<&'static str> {
        match self.kind() {
            Self::InvalidToken(_) => Some("invalid_token"),
            Self::Denied(Denial::InsufficientScope(_)) => Some("insufficient_scope"),
            _ => None,
        }
    }

    /// The RFC 6750 `WWW-Authenticate` challenge of a bearer token failure.
    fn challenge(&self) -> Option<HeaderValue> {
        match self.kind() {
            Self::Unauthenticated => Some(HeaderValue::from_static("Bearer")),
            Self::InvalidToken(_) => {
                Some(HeaderValue::from_static("Bearer error=\"invalid_token\""))
            }
            Self::Denied(Denial::InsufficientScope(scope)) => HeaderValue::from_str(&format!(
                "Bearer error=\"insufficient_scope\", scope=\"{scope}\""
            ))
            .ok(),
            _ => None,
        }
    }

    /// The best `ApiError` for a bare status produced outside our handlers.
    pub fn from_status(status: StatusCode, detail: Option<String>) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound("no route matches this path".into()),
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge(
                "the request body is larger than this endpoint accepts".into(),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType {
                expected: "a supported content type",
            },
            StatusCode::UNAUTHORIZED => Self::Unauthenticated,
            s if s.is_client_error() => Self::bad_request(
                "BAD_REQUEST",
                detail.unwrap_or_else(|| "the request is malformed".into()),
            ),
            _ => Self::Internal(
                detail.unwrap_or_else(|| format!("a bare {status} from outside the handlers")),
            ),
        }
    }
}

/// The stable code of each denial.
pub fn denial_code(denial: &Denial) -> &'static str {
    match denial {
        Denial::InsufficientScope(_) => "INSUFFICIENT_SCOPE",
        Denial::UnknownProduct(_) => "UNKNOWN_PRODUCT",
        Denial::NotSubscribed => "NOT_SUBSCRIBED",
        Denial::PurposeNotAllowed(_) => "PURPOSE_NOT_ALLOWED",
        Denial::NoConsent => "NO_CONSENT",
        Denial::ProductRetired => "PRODUCT_RETIRED",
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::WithHeaders { error, .. } => error.status_code(),
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::Denied(Denial::UnknownProduct(_)) => StatusCode::NOT_FOUND,
            Self::Denied(Denial::ProductRetired) => StatusCode::GONE,
            Self::Denied(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::HeadTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let request_id = request_id::current();
        if let Self::Internal(detail) = self.kind() {
            tracing::error!(request_id = %request_id, error = %detail, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(challenge) = self.challenge() {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        for (name, value) in self.headers() {
            response.insert_header((name.clone(), value.clone()));
        }
        match serde_json::to_string(&self.to_problem(&request_id)) {
            Ok(body) => response.body(body),
            Err(err) => {
                // Unreachable in practice (the body is strings and numbers),
                // but never an empty body: log it and answer an opaque 500.
                tracing::error!(request_id = %request_id, error = %err, "could not render a problem body");
                let body = serde_json::json!({
                    "type": "urn:vdx:problem:internal",
                    "title": "Internal Server Error",
                    "status": 500,
                    "detail": "the server failed to handle this request; quote the request_id when reporting it",
                    "code": "INTERNAL",
                    "request_id": request_id,
                });
                HttpResponse::InternalServerError()
                    .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
                    .body(body.to_string())
            }
        }
    }
}

impl From<vdx_consent::ConsentError> for ApiError {
    fn from(err: vdx_consent::ConsentError) -> Self {
        match err {
            vdx_consent::ConsentError::Denied(denial) => Self::Denied(denial),
            vdx_consent::ConsentError::Invalid(detail) => {
                Self::bad_request("INVALID_INPUT", detail)
            }
            vdx_consent::ConsentError::NotFound(detail) => Self::NotFound(detail),
            vdx_consent::ConsentError::Conflict(detail) => Self::Conflict(detail),
            vdx_consent::ConsentError::Constraint(violation) => violation.into(),
            vdx_consent::ConsentError::Catalog(inner) => inner.into(),
            other => Self::internal(other),
        }
    }
}

impl From<vdx_telemetry::TelemetryError> for ApiError {
    fn from(err: vdx_telemetry::TelemetryError) -> Self {
        match err {
            vdx_telemetry::TelemetryError::Consent(inner) => inner.into(),
            vdx_telemetry::TelemetryError::Catalog(inner) => inner.into(),
            vdx_telemetry::TelemetryError::Rejected { summary, errors } => Self::Unprocessable {
                code: "INVALID_SAMPLES",
                detail: summary,
                errors,
            },
            e @ vdx_telemetry::TelemetryError::BatchTooLarge { .. } => {
                Self::PayloadTooLarge(e.to_string())
            }
            vdx_telemetry::TelemetryError::InvalidCommand(detail) => Self::Unprocessable {
                code: "INVALID_COMMAND",
                detail,
                errors: Vec::new(),
            },
            e @ vdx_telemetry::TelemetryError::IdempotencyKeyReused => Self::Unprocessable {
                code: "IDEMPOTENCY_KEY_REUSED",
                detail: e.to_string(),
                errors: Vec::new(),
            },
            vdx_telemetry::TelemetryError::Invalid(detail) => {
                Self::bad_request("INVALID_INPUT", detail)
            }
            vdx_telemetry::TelemetryError::Constraint(violation) => violation.into(),
            other => Self::internal(other),
        }
    }
}

impl From<vdx_catalog::CatalogError> for ApiError {
    fn from(err: vdx_catalog::CatalogError) -> Self {
        use vdx_catalog::CatalogError as E;
        match err {
            E::Rejected { message, errors } => Self::Unprocessable {
                code: "VALIDATION_FAILED",
                detail: message,
                errors,
            },
            E::InvalidVss(detail) => Self::Unprocessable {
                code: "INVALID_VSS",
                detail,
                errors: Vec::new(),
            },
            E::Conflict(detail) => Self::Conflict(detail),
            E::NotFound(detail) | E::UnknownProduct(detail) => Self::NotFound(detail),
            E::Invalid(detail) => Self::bad_request("INVALID_INPUT", detail),
            E::Parse(e) => Self::bad_request("INVALID_INPUT", e.to_string()),
            E::Constraint(violation) => violation.into(),
            other => Self::internal(other),
        }
    }
}

/// A write refused by a storage constraint (a duplicate that raced past a
/// pre-check, a dangling reference): 409 `CONFLICT` or 422
/// `REFERENCE_NOT_FOUND`. The database's message names indexes and values,
/// so it is logged, not sent.
impl From<Violation> for ApiError {
    fn from(violation: Violation) -> Self {
        tracing::info!(request_id = %request_id::current(), %violation, "a write was refused by a constraint");
        match violation {
            Violation::Unique(_) => {
                Self::Conflict("a record with these values already exists".to_owned())
            }
            Violation::ForeignKey(_) => Self::Unprocessable {
                code: "REFERENCE_NOT_FOUND",
                detail: "the request refers to a record that does not exist, or removes one still referred to".to_owned(),
                errors: Vec::new(),
            },
        }
    }
}

/// A database error from a handler that writes directly: constraint
/// violations as above, anything else an opaque 500.
impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        match vdx_core::constraint::violation(&err) {
            Some(violation) => violation.into(),
            None => Self::internal(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_access_log_writer_is_an_opaque_500() {
        let err = ApiError::from(vdx_consent::ConsentError::Unavailable(
            "the access log writer has stopped".into(),
        ));
        assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let problem = err.to_problem("req-1");
        assert_eq!(problem.code, "INTERNAL");
        assert!(!problem.detail.contains("writer"), "{}", problem.detail);
    }

    #[test]
    fn carried_headers_are_sent_and_the_error_keeps_its_status_and_code() {
        let err = ApiError::MethodNotAllowed
            .with_header(header::ALLOW, HeaderValue::from_static("GET, POST"))
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(err.status_code(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(err.code(), "METHOD_NOT_ALLOWED");
        assert_eq!(err.to_string(), "this method is not allowed here");
        let response = err.error_response();
        assert_eq!(response.headers().get(header::ALLOW).unwrap(), "GET, POST");
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "3");
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
    }

    #[test]
    fn a_bearer_failure_carries_its_challenge_and_a_carried_one_replaces_it() {
        let own = ApiError::InvalidToken("expired".into()).error_response();
        assert_eq!(
            own.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer error=\"invalid_token\""
        );
        let replaced = ApiError::Unauthenticated
            .with_header(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vdx\""),
            )
            .error_response();
        let values: Vec<_> = replaced
            .headers()
            .get_all(header::WWW_AUTHENTICATE)
            .collect();
        assert_eq!(values, ["Bearer realm=\"vdx\""]);
    }

    #[test]
    fn a_catalog_error_keeps_its_answer_when_another_domain_carries_it() {
        let not_found = || vdx_catalog::CatalogError::NotFound("no product \"x\"".into());
        for err in [
            ApiError::from(not_found()),
            ApiError::from(vdx_consent::ConsentError::Catalog(not_found())),
            ApiError::from(vdx_telemetry::TelemetryError::Catalog(not_found())),
            ApiError::from(vdx_telemetry::TelemetryError::Consent(
                vdx_consent::ConsentError::Catalog(not_found()),
            )),
        ] {
            assert_eq!(err.status_code(), StatusCode::NOT_FOUND);
        }
    }

    #[test]
    fn constraint_violations_from_any_domain_are_409_or_422_never_500() {
        let unique = || Violation::Unique("UNIQUE constraint failed: product.slug".into());
        for err in [
            ApiError::from(vdx_catalog::CatalogError::Constraint(unique())),
            ApiError::from(vdx_consent::ConsentError::Constraint(unique())),
            ApiError::from(vdx_telemetry::TelemetryError::Constraint(unique())),
        ] {
            assert_eq!(err.status_code(), StatusCode::CONFLICT);
            let problem = err.to_problem("req-1");
            assert_eq!(problem.code, "CONFLICT");
            assert!(
                !problem.detail.contains("product.slug"),
                "{}",
                problem.detail
            );
        }
        let dangling = ApiError::from(vdx_catalog::CatalogError::Constraint(
            Violation::ForeignKey("FOREIGN KEY constraint failed".into()),
        ));
        assert_eq!(dangling.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(dangling.code(), "REFERENCE_NOT_FOUND");
    }
}
