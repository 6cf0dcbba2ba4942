//! Shared application state, injected into every handler as `web::Data<AppState>`.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use vdx_core::Clock;
use vdx_telemetry::gate::PartnerGate;

use crate::auth::TokenService;
use crate::config::Config;
use crate::ratelimit::LoginThrottle;

#[derive(Clone)]
pub struct AppState {
    /// For the OEM admin API, the portal and OAuth: domain services that are
    /// not partner data. Partner data goes through `gate` only (its store
    /// functions are private to the domain crates).
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenService>,
    /// The partner gate: decide, charge, authorize, serve, record.
    pub gate: PartnerGate,
    /// The portal's sign-in throttle.
    pub login: Arc<LoginThrottle>,
    /// Wall-clock time (a `ManualClock` in tests).
    pub clock: Arc<dyn Clock>,
    /// The base URL partners use, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
    /// The OEM identity provider for federated portal sign-in, if configured.
    pub federation: Option<Arc<crate::portal::federated::Provider>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Milliseconds since the Unix epoch, by the state's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
