//! REST handlers, one module per resource. Each handler extracts, calls one
//! service function and maps the error; nothing else. [`rest`] registers
//! every one of them, once: the routing and the OpenAPI document
//! ([`crate::openapi`]) both come from that registration.

pub mod admin;
pub mod authorize;
pub mod catalog_dto;
pub mod commands;
pub mod consents;
pub mod fallback;
pub mod health;
pub mod history;
pub mod ingest;
pub mod marketplace;
pub mod oauth;
pub mod responses;
pub mod statement_dto;
pub mod subscriptions;
pub mod vehicles;

use utoipa_actix_web::service_config::ServiceConfig;

/// The REST API: every handler that carries `#[utoipa::path]` beside its
/// actix route macro (`#[get("/path")]` …), which gives both its route and
/// its operation. `ServiceConfig::service` takes only such handlers, so a
/// REST route without an operation in the document does not compile:
///
/// ```compile_fail,E0277
/// use actix_web::{HttpResponse, get};
///
/// #[get("/v1/undocumented")]
/// async fn undocumented() -> HttpResponse {
///     HttpResponse::Ok().finish()
/// }
///
/// fn register(api: &mut utoipa_actix_web::service_config::ServiceConfig) {
///     api.service(undocumented);
/// }
/// ```
///
/// Other methods on these paths get 405 with `Allow` ([`fallback`]). What is
/// not REST (pages, GraphQL, the portal, the browser's `/oauth/authorize`)
/// is registered in `startup::not_rest`, and nowhere else.
pub fn rest(api: &mut ServiceConfig) {
    api.service(health::healthz)
        .service(health::readyz)
        .service(crate::metrics::handler)
        .service(oauth::metadata::metadata)
        .service(oauth::metadata::jwks)
        .service(oauth::token::token)
        .service(oauth::introspect::introspect)
        .service(oauth::introspect::revoke)
        .service(vehicles::latest)
        .service(history::history)
        .service(commands::send)
        .service(commands::status)
        .service(ingest::ingest)
        .service(marketplace::products)
        .service(subscriptions::list)
        .service(subscriptions::request)
        .service(subscriptions::statement)
        .service(consents::list)
        .service(consents::revoke)
        .service(consents::receipt)
        .configure(admin::rest);
}
