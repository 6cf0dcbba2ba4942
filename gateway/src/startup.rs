//! Building and running the HTTP server. `Application::build` binds first
//! (port 0 picks a free port), so callers know the real port before serving.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, web};
use sea_orm::DatabaseConnection;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::TokenService;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::problem::ApiError;
use crate::routes::fallback::{self, endpoint};
use crate::run_error::{Context, RunError};
use crate::state::AppState;
use crate::{auth, db, edge, graphql, metrics, openapi, pages, problem_mw, request_id, routes};

/// A bound, not yet running, gateway.
pub struct Application {
    port: u16,
    state: AppState,
    server: Server,
}

debug_showing!(Application { port });

impl Application {
    /// Connects, migrates, binds.
    pub async fn build(config: Config) -> Result<Self, RunError> {
        let db = db::connect(
            config.database_url.expose(),
            config.database_max_connections,
        )
        .await?;
        db::migrate(&db).await?;
        Self::build_with_db(config, db).await
    }

    /// Binds on an already connected and migrated database.
    pub async fn build_with_db(config: Config, db: DatabaseConnection) -> Result<Self, RunError> {
        Self::build_with_clock(config, db, Arc::new(vdx_core::SystemClock)).await
    }

    /// Binds on an already connected and migrated database, reading the time
    /// from `clock` (tests pass a `ManualClock`).
    pub async fn build_with_clock(
        config: Config,
        db: DatabaseConnection,
        clock: Arc<dyn vdx_core::Clock>,
    ) -> Result<Self, RunError> {
        let listener = TcpListener::bind((config.host, config.port))
            .context(format!("cannot listen on {}:{}", config.host, config.port))?;
        let port = listener
            .local_addr()
            .context("cannot read the bound address")?
            .port();
        let base_url = config.public_url_for(port);
        let gate = vdx_telemetry::gate::PartnerGate::new(
            db.clone(),
            config.latest_cache_mb.saturating_mul(1024 * 1024),
        );
        let tokens = TokenService::new(
            db.clone(),
            base_url.clone(),
            Duration::from_secs(config.access_token_ttl_secs),
            Arc::clone(&clock),
            gate.policy().clone(),
        )
        .await
        .context("cannot load the signing keys")?;
        let federation = config
            .oidc_provider()
            .map(crate::portal::oidc::Provider::new)
            .transpose()
            .context("cannot build the HTTP client for OIDC")?
            .map(Arc::new);
        let config = Arc::new(config);
        let state = AppState::new(
            db,
            gate,
            Arc::clone(&config),
            tokens,
            clock,
            base_url,
            federation,
        );
        let mut metrics = Metrics::new();
        let schema = graphql::schema_counting_into(&mut metrics);
        let metrics = Arc::new(metrics);
        let app_state = state.clone();
        // Like actix_web::HttpServer, with every connection behind the head guard.
        let server = edge::serve(listener, config.shutdown_timeout_secs, move || {
            let max_body = app_state.config.max_body_bytes;
            let graphql_max_body = app_state.config.graphql_max_body_bytes;
            let app = App::new()
                .app_data(web::Data::new(app_state.clone()))
                // The token service on its own, for the authentication extractors.
                .app_data(web::Data::from(Arc::clone(&app_state.tokens)))
                // The portal's sessions on their own, for the session extractor.
                .app_data(web::Data::new(crate::portal::session::SessionStore::new(
                    app_state.db_bypassing_gate().clone(),
                    Arc::clone(&app_state.clock),
                )))
                .app_data(web::Data::new(schema.clone()))
                .app_data(web::Data::new(Arc::clone(&metrics)))
                .app_data(web::PayloadConfig::new(max_body))
                .app_data(
                    web::JsonConfig::default()
                        .limit(max_body)
                        .error_handler(json_error),
                )
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::bad_request("INVALID_QUERY", e.to_string()).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|e, _| {
                    ApiError::bad_request("INVALID_PATH", e.to_string()).into()
                }))
                // actix runs the last .wrap() first. Order per request:
                //   1. request_id (outermost: every line below it logs the id)
                //   2. metrics (times everything inside, including error mapping)
                //   3. problem_mw (turns every 4xx/5xx into problem+json)
                //   4. authn (verifies a bearer token once, before any handler or body extractor)
                //   5. policy_writes (after a write, raises this node's policy epoch before the answer)
                .wrap(from_fn(crate::policy_writes::middleware))
                .wrap(from_fn(auth::middleware))
                .wrap(from_fn(problem_mw::middleware))
                .wrap(from_fn(metrics::middleware))
                .wrap(from_fn(request_id::middleware));
            // The REST API and its document, from one registration.
            let (app, document) = openapi::register(app);
            let allowed = fallback::Allowed::from_document(&document);
            app.configure(|cfg| not_rest(cfg, graphql_max_body))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", document))
                .app_data(web::Data::new(allowed))
                .default_service(web::to(fallback::unmatched))
        })
        .context("cannot serve")?;
        Ok(Self {
            port,
            state,
            server,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (or `handle().stop(true)`), then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // Every minute: keep the limiter state bounded (idle keys and past
        // days dropped). Every hour: history retention.
        let gate = self.state.gate.clone();
        let login = Arc::clone(&self.state.login);
        let clock = Arc::clone(&self.state.clock);
        let db = self.state.db_bypassing_gate().clone();
        let sweeper = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            let mut minutes: u64 = 0;
            loop {
                every.tick().await;
                let now = clock.now_ms();
                gate.limits().sweep(now);
                login.sweep();
                if minutes.is_multiple_of(60)
                    && let Err(e) = vdx_telemetry::history::prune(&db, now).await
                {
                    tracing::warn!(error = %e, "history retention failed");
                }
                minutes += 1;
            }
        });
        let served = self.server.await;
        sweeper.abort();
        served
    }
}

/// Everything routed that is not REST, so not in the OpenAPI document: the
/// OAuth authorization page a browser follows, the portal, GraphQL, the
/// pages and their assets, the edge's refusals and the docs redirect (Swagger
/// UI and `/openapi.json` are added beside it). The only place besides
/// [`routes::rest`] that registers a route.
fn not_rest(cfg: &mut web::ServiceConfig, graphql_max_body: usize) {
    cfg.service(
        endpoint("/oauth/authorize", "GET").route(web::get().to(routes::authorize::authorize)),
    )
    .configure(crate::portal::routes)
    .service(
        endpoint("/graphql", "GET, POST")
            .app_data(web::PayloadConfig::new(graphql_max_body))
            .route(web::post().to(graphql::execute))
            .route(web::get().to(pages::graphiql)),
    )
    .service(endpoint("/assets/{name}", "GET").route(web::get().to(pages::asset)))
    .service(endpoint("/", "GET").route(web::get().to(pages::index)))
    .service(
        endpoint(&format!("{}/{{status}}", edge::REFUSED_PATH), "GET")
            .route(web::get().to(edge::refused)),
    )
    .service(endpoint("/admin", "GET").route(web::get().to(pages::admin)))
    .service(endpoint("/marketplace", "GET").route(web::get().to(pages::marketplace)))
    .service(endpoint("/docs", "GET").route(web::get().to(|| async {
        HttpResponse::PermanentRedirect()
            .insert_header(("location", "/docs/"))
            .finish()
    })));
}

fn json_error(err: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::ContentType => ApiError::UnsupportedMediaType {
            expected: "application/json",
        },
        E::OverflowKnownLength { length, limit } => ApiError::PayloadTooLarge(format!(
            "the request body has {length} bytes; the limit is {limit}"
        )),
        E::Overflow { limit } => ApiError::PayloadTooLarge(format!(
            "the request body is larger than the limit of {limit} bytes"
        )),
        E::Deserialize(e) if e.is_data() => ApiError::Unprocessable {
            code: "INVALID_BODY",
            detail: e.to_string(),
            errors: Vec::new(),
        },
        other => ApiError::bad_request("MALFORMED_JSON", other.to_string()),
    }
    .into()
}
