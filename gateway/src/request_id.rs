//! Request ids: accepted from `x-request-id` when well-formed, generated
//! otherwise, echoed on the response, attached to every log line of the
//! request (as a span field) and to every problem body.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: String;
}

/// The request id in extensions, for handlers.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The current request's id, or `-` outside a request.
pub fn current() -> String {
    CURRENT
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
}

fn acceptable(raw: &str) -> bool {
    (1..=128).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// Middleware: assigns the id, opens the request span, echoes the header.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    // `app` and `partner` are filled in by authentication, `vehicle` and
    // `product` by the partner gate's admission (the first access named), so
    // every line a request logs says who asked for what. Never a token.
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        app = tracing::field::Empty,
        partner = tracing::field::Empty,
        vehicle = tracing::field::Empty,
        product = tracing::field::Empty,
    );
    let fut = CURRENT
        .scope(id.clone(), next.call(req))
        .instrument(span.clone());
    let mut res = fut.await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    span.in_scope(|| tracing::info!(status = res.status().as_u16(), "served"));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_short_plain_ids() {
        assert!(acceptable("abc-123_x.y:z"));
        assert!(!acceptable(""));
        assert!(!acceptable("has space"));
        assert!(!acceptable("line\nbreak"));
        assert!(!acceptable(&"a".repeat(129)));
    }
}
