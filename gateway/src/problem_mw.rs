//! Middleware that guarantees every 4xx/5xx answer is a problem+json body
//! with a stable code and the request id, including the ones actix produces
//! itself (unknown route, wrong method, extractor failures, oversized bodies).
//! Bodies that already follow a standard of their own are left alone: problem
//! bodies, OAuth error bodies and GraphQL responses (both `application/json`),
//! and the HTML error pages of the authorization flow (`text/html`).

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

use crate::problem::ApiError;

fn has_own_format(res: &ServiceResponse<impl MessageBody>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.starts_with(crate::problem::PROBLEM_JSON)
                || ct.starts_with("application/json")
                || ct.starts_with("text/html")
        })
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // Errors that escape as `Err` are rendered by actix through their own
    // `error_response`; ours (ApiError) already render as problem+json.
    let res = next.call(req).await?;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || has_own_format(&res) {
        return Ok(res.map_into_left_body());
    }
    let detail = res.response().error().map(ToString::to_string);
    // Keep the headers that matter to the client (Allow on 405, WWW-Authenticate on 401).
    let api = [header::ALLOW, header::WWW_AUTHENTICATE, header::RETRY_AFTER]
        .into_iter()
        .filter_map(|name| res.headers().get(&name).cloned().map(|value| (name, value)))
        .fold(
            ApiError::from_status(status, detail),
            |api, (name, value)| api.with_header(name, value),
        );
    Ok(res
        .into_response(api.error_response())
        .map_into_right_body())
}
