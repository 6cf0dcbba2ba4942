//! The OpenAPI 3.1 document (`/openapi.json`, checked in as `openapi.json`)
//! and Swagger UI at `/docs`, served from the vendored bundle.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{metrics, problem, routes};

#[derive(OpenApi)]
#[openapi(
    info(title = "vdx partner API", description = "Consented connected-car data and commands. Every vehicle read passes the driver's consent; an unknown VIN and an unconsented VIN get the same answer."),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        metrics::handler,
        routes::oauth::token::token,
        routes::oauth::introspect::introspect,
        routes::oauth::introspect::revoke,
        routes::oauth::metadata::metadata,
        routes::oauth::metadata::jwks,
        routes::admin_apps::create,
        routes::admin_apps::rotate_secret,
        routes::vehicles::latest,
        routes::history::history,
        routes::commands::send,
        routes::commands::status,
        routes::ingest::ingest,
        routes::marketplace::products,
        routes::subscriptions::request,
        routes::subscriptions::list,
        routes::subscriptions::statement,
        routes::admin::catalog::import,
        routes::admin::catalog::signals,
        routes::admin::products::list,
        routes::admin::products::create,
        routes::admin::products::get,
        routes::admin::products::create_version,
        routes::admin::products::update_version,
        routes::admin::products::delete_version,
        routes::admin::products::publish,
        routes::admin::products::deprecate,
        routes::admin::products::retire,
        routes::admin::products::create_plan,
        routes::admin::subscriptions::list,
        routes::admin::subscriptions::decide,
        routes::admin::partners::create,
        routes::admin::statements::get,
        routes::admin::audit::list,
        routes::admin::vehicles::transfer,
        routes::admin::vehicles::revoke_consent,
        routes::consents::list,
        routes::consents::revoke,
        routes::consents::receipt,
    ),
    components(schemas(problem::Problem)),
    modifiers(&Security),
    tags(
        (name = "operations", description = "Health and metrics"),
        (name = "oauth", description = "OAuth 2.0 authorization server"),
        (name = "vehicles", description = "Consented vehicle data"),
        (name = "commands", description = "Commands to consented vehicles, asynchronous"),
        (name = "ingest", description = "OEM telemetry ingest (scope ingest)"),
        (name = "marketplace", description = "The public offer: products, versions, terms, plans"),
        (name = "subscriptions", description = "A partner app's subscriptions and statements"),
        (name = "admin", description = "OEM administration (scope admin)"),
        (name = "consents", description = "Consents given to the calling app"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_secret_basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

/// The document as pretty JSON with a trailing newline, exactly as checked in.
pub fn document() -> String {
    let mut json = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
