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

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use utoipa_actix_web::service_config::ServiceConfig;
use vdx_telemetry::gate::{PartnerGate, RequestContext};

use crate::auth::Partner;
use crate::config::Config;
use crate::problem::ApiError;
use crate::state::AppState;

/// A call by an authenticated principal `P` (read by its extractor from
/// what the authentication middleware left, e.g. [`Partner`] or
/// [`crate::auth::Admin`]) with the application state, of which each kind of
/// call offers its handlers only what they need: [`PartnerCall`] the partner
/// gate, [`admin::AdminCall`] the admin services' database, actor and clock.
pub struct Call<P> {
    principal: P,
    state: web::Data<AppState>,
}

impl<P> FromRequest for Call<P>
where
    P: FromRequest<Error = ApiError, Future = Ready<Result<P, ApiError>>>,
{
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The principal first: without a (fitting) token the answer is 401
        // or 403, whatever else is wrong.
        let call = P::from_request(req, payload)
            .into_inner()
            .and_then(|principal| {
                let state = req
                    .app_data::<web::Data<AppState>>()
                    .cloned()
                    .ok_or_else(|| ApiError::internal("the application state is not registered"))?;
                Ok(Self { principal, state })
            });
        ready(call)
    }
}

/// A partner call: the gate's request context with the partner gate,
/// through which alone a REST handler reaches partner data.
pub type PartnerCall = Call<Partner>;

impl PartnerCall {
    /// The gate's context of this request: principal, request id, time, epoch.
    pub fn ctx(&self) -> &RequestContext {
        &self.principal.0
    }

    /// The partner gate: decide, charge, authorize, serve, record.
    pub fn gate(&self) -> &PartnerGate {
        &self.state.gate
    }

    pub fn config(&self) -> &Config {
        &self.state.config
    }
}

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
