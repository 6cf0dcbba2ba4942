//! The edge of the partner request path, shared by REST and GraphQL: parsing
//! partner input, mapping the gate's answers to edge errors, and the headers
//! a served call carries. Everything past parsing happens in the partner gate
//! (`vdx_telemetry::gate`), which REST handlers and GraphQL resolvers call
//! and nothing else for partner data.

use actix_web::http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use vdx_core::SignalPath;
use vdx_telemetry::gate::{Limited, RateHeaders, Refusal, Target};

use crate::problem::ApiError;

/// `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) headers for calls served
/// under a deprecated product version; none otherwise.
pub fn lifecycle_headers(version: &vdx_catalog::ProductVersion) -> Vec<(&'static str, String)> {
    if version.status != vdx_catalog::Lifecycle::Deprecated {
        return Vec::new();
    }
    let mut headers = Vec::new();
    if let Some(at) = version.deprecated_at {
        headers.push(("deprecation", format!("@{}", at / 1000)));
    }
    if let Some(sunset) = version
        .sunset_at
        .and_then(chrono::DateTime::from_timestamp_millis)
    {
        headers.push((
            "sunset",
            sunset.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        ));
    }
    headers
}

/// A stored epoch-millisecond time as a date-time. Out of range means a
/// corrupt row: an opaque `INTERNAL` error, logged when it is answered
/// (REST and GraphQL alike), never a made-up date.
pub fn stored_time(ms: i64, what: &'static str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| ApiError::internal(format!("a stored {what} ({ms} ms) is out of range")))
}

/// Parses the raw identifiers of a partner request.
pub fn parse_target(vin: &str, product: &str, purpose: &str) -> Result<Target, ApiError> {
    Target::parse(vin, product, purpose)
        .map_err(|e| ApiError::bad_request("INVALID_INPUT", e.to_string()))
}

/// Parses requested signal paths; `None` means every signal of the product.
pub fn parse_paths(raw: Option<Vec<String>>) -> Result<Option<Vec<SignalPath>>, ApiError> {
    raw.map(|paths| {
        paths
            .iter()
            .map(|p| {
                SignalPath::parse(p.trim())
                    .map_err(|e| ApiError::bad_request("INVALID_INPUT", e.to_string()))
            })
            .collect()
    })
    .transpose()
}

/// Parses one required signal path.
pub fn parse_path(raw: &str) -> Result<SignalPath, ApiError> {
    SignalPath::parse(raw.trim()).map_err(|e| ApiError::bad_request("INVALID_INPUT", e.to_string()))
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Denied(denial) => Self::Denied(denial),
            Refusal::NotAdmitted => Self::internal("an access was served without admission"),
        }
    }
}

/// The RateLimit headers (draft-ietf-httpapi-ratelimit-headers) of a charge.
pub fn rate_headers(headers: &RateHeaders) -> Vec<(HeaderName, HeaderValue)> {
    headers
        .pairs()
        .into_iter()
        .filter_map(|(name, value)| match HeaderValue::try_from(value) {
            Ok(value) => Some((HeaderName::from_static(name), value)),
            Err(err) => {
                tracing::error!(header = name, error = %err, "a RateLimit header is not a valid value");
                None
            }
        })
        .collect()
}

/// A refused charge: 429 with `Retry-After` and the RateLimit headers.
impl From<Limited> for ApiError {
    fn from(limited: Limited) -> Self {
        let headers = rate_headers(&limited.headers);
        let error = Self::TooManyRequests {
            code: limited.code,
            detail: limited.detail,
        }
        .with_header(RETRY_AFTER, HeaderValue::from(limited.retry_after_secs));
        headers
            .into_iter()
            .fold(error, |error, (name, value)| error.with_header(name, value))
    }
}

/// Builds a command request: the actuator parsed, the expiry capped by the
/// configured maximum, the Idempotency-Key checked.
pub fn new_command(
    actuator: &str,
    value: serde_json::Value,
    ttl_secs: Option<u64>,
    idempotency_key: Option<String>,
    max_ttl_secs: u64,
) -> Result<vdx_telemetry::commands::NewCommand, ApiError> {
    let actuator = SignalPath::parse(actuator)
        .map_err(|e| ApiError::bad_request("INVALID_INPUT", e.to_string()))?;
    if let Some(key) = &idempotency_key
        && (key.is_empty() || key.len() > 255)
    {
        return Err(ApiError::bad_request(
            "INVALID_INPUT",
            "an Idempotency-Key is 1 to 255 characters",
        ));
    }
    let ttl = ttl_secs.unwrap_or(max_ttl_secs).clamp(1, max_ttl_secs);
    Ok(vdx_telemetry::commands::NewCommand {
        actuator,
        value,
        idempotency_key,
        ttl_ms: i64::try_from(ttl.saturating_mul(1000)).unwrap_or(i64::MAX),
    })
}

/// Decide and charge one REST call (cost 1) through the gate.
pub async fn admit_one(
    gate: &vdx_telemetry::gate::PartnerGate,
    ctx: &vdx_telemetry::gate::RequestContext,
    access: vdx_telemetry::gate::Access,
) -> Result<vdx_telemetry::gate::Admission, ApiError> {
    Ok(gate.admit(ctx, std::slice::from_ref(&access), 1).await??)
}

/// A response builder carrying the admission's RateLimit headers and, for a
/// deprecated product version, its lifecycle headers.
pub fn served(
    mut response: actix_web::HttpResponseBuilder,
    admission: &vdx_telemetry::gate::Admission,
    version: Option<&vdx_catalog::ProductVersion>,
) -> actix_web::HttpResponseBuilder {
    for header in version.into_iter().flat_map(lifecycle_headers) {
        response.insert_header(header);
    }
    for header in admission.rate_headers().into_iter().flat_map(rate_headers) {
        response.insert_header(header);
    }
    response
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use actix_web::http::StatusCode;

    use super::*;

    #[test]
    fn a_refused_charge_is_a_429_with_retry_after_and_the_ratelimit_headers() {
        let err = ApiError::from(Limited {
            code: "DAILY_QUOTA_EXCEEDED",
            detail: "the daily quota is used up".into(),
            retry_after_secs: 42,
            headers: RateHeaders {
                policy: "\"daily\";q=100;w=86400".into(),
                state: "\"daily\";r=0;t=42".into(),
            },
        });
        assert_eq!(err.status_code(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(err.code(), "DAILY_QUOTA_EXCEEDED");
        let response = err.error_response();
        let header = |name: &str| response.headers().get(name).unwrap().to_str().unwrap();
        assert_eq!(header("retry-after"), "42");
        assert_eq!(header("ratelimit-policy"), "\"daily\";q=100;w=86400");
        assert_eq!(header("ratelimit"), "\"daily\";r=0;t=42");
    }
}
