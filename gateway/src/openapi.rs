//! The OpenAPI 3.1 document (`/openapi.json`, checked in as `openapi.json`)
//! and Swagger UI at `/docs`, served from the vendored bundle. The document's
//! operations are not listed here: [`register`] collects them from the same
//! registration that routes the REST API ([`routes::rest`]), so what is
//! routed and what is documented cannot differ. This module adds what no
//! handler carries (info, tags, security schemes) and must not route
//! anything itself.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ClientCredentials, Flow, Http, HttpAuthScheme, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::{problem, routes};

#[derive(OpenApi)]
#[openapi(
    info(title = "vdx partner API", description = "Consented connected-car data and commands. Every vehicle read passes the driver's consent; an unknown VIN and an unconsented VIN get the same answer."),
    components(schemas(problem::Problem, routes::oauth::token::TokenRequest)),
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
struct ApiDoc;

/// The security schemes: bearer tokens, HTTP Basic client authentication,
/// and the OAuth 2.0 client-credentials flow at `/oauth/token` (Swagger UI's
/// Authorize button fetches a token with it). Every operation that takes a
/// bearer token also accepts one from that flow.
struct Security;

/// The token endpoint, relative to the document (Swagger UI resolves it).
const TOKEN_URL: &str = "/oauth/token";

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
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    TOKEN_URL,
                    Scopes::from_iter([
                        ("admin", "OEM administration (OEM clients only)"),
                        ("ingest", "OEM telemetry ingest (OEM clients only)"),
                    ]),
                ))],
                "A client-credentials token from /oauth/token (client_secret_basic or client_secret_post). Product scopes are `read:<product>` and `command:<product>`; with no scope selected, the token carries every scope the app's subscriptions allow.",
            )),
        );
        let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
        let oauth2 = SecurityRequirement::new("oauth2", Vec::<String>::new());
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                accept_flow_tokens(operation, &bearer, &oauth2);
            }
        }
    }
}

fn accept_flow_tokens(
    operation: &mut Operation,
    bearer: &SecurityRequirement,
    oauth2: &SecurityRequirement,
) {
    if let Some(security) = operation.security.as_mut()
        && security.contains(bearer)
        && !security.contains(oauth2)
    {
        security.push(oauth2.clone());
    }
}

/// Registers the REST API ([`routes::rest`]) on `app` and returns the app
/// with the document built from that registration.
pub fn register<T>(app: actix_web::App<T>) -> (actix_web::App<T>, utoipa::openapi::OpenApi)
where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Error = actix_web::Error,
            InitError = (),
        >,
{
    let (app, mut document) = app
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::rest)
        .split_for_parts();
    // After the paths are in: the modifier adds the OAuth flow to their security.
    Security.modify(&mut document);
    (app, document)
}

/// The document the gateway serves, without a server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    register(actix_web::App::new()).1
}

/// The document as pretty JSON with a trailing newline, exactly as checked
/// in. An error, never an empty document, if it cannot be serialized.
pub fn document() -> Result<String, serde_json::Error> {
    let mut json = openapi().to_pretty_json()?;
    json.push('\n');
    Ok(json)
}
