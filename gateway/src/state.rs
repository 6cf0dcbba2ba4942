//! Shared application state, injected into every handler as `web::Data<AppState>`.
//!
//! The database handle is a private field: a handler gets it only by asking
//! for it by a name that says it bypasses the partner gate.
//!
//! ```compile_fail,E0616
//! fn handler(state: &vdx_gateway::state::AppState) -> &sea_orm::DatabaseConnection {
//!     &state.db
//! }
//! ```
//!
//! ```
//! fn handler(state: &vdx_gateway::state::AppState) -> &sea_orm::DatabaseConnection {
//!     state.db_bypassing_gate()
//! }
//! ```

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use vdx_core::Clock;
use vdx_telemetry::gate::PartnerGate;

use vdx_identity::throttle::LoginThrottle;

use crate::auth::TokenService;
use crate::config::Config;
use crate::portal::oidc::Provider;

#[derive(Clone)]
pub struct AppState {
    /// Private: reached through [`AppState::db_bypassing_gate`], whose name
    /// says what it skips.
    db: DatabaseConnection,
    pub config: Arc<Config>,
    /// Also registered as its own app data, for the authentication
    /// extractors, which need nothing else.
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
    pub federation: Option<Arc<Provider>>,
}

debug_showing!(AppState { base_url });

impl AppState {
    /// The state of one gateway process around its partner gate; the
    /// sign-in throttle starts empty.
    pub fn new(
        db: DatabaseConnection,
        gate: PartnerGate,
        config: Arc<Config>,
        tokens: TokenService,
        clock: Arc<dyn Clock>,
        base_url: String,
        federation: Option<Arc<Provider>>,
    ) -> Self {
        Self {
            gate,
            db,
            config,
            tokens: Arc::new(tokens),
            login: Arc::new(LoginThrottle::default()),
            clock,
            base_url,
            federation,
        }
    }

    /// The raw database handle, outside the partner gate: for the OEM admin
    /// API, the portal (a driver's own cars and consents), OAuth and the
    /// tooling, whose domain services apply their own rules. Partner data is
    /// not reachable through it: the tables of vehicle data, consents and the
    /// catalog are private to their crates, and partner reads, commands and
    /// consents go through [`AppState::gate`] only.
    pub fn db_bypassing_gate(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Milliseconds since the Unix epoch, by the state's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
