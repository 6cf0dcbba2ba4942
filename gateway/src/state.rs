//! Shared application state, injected into every handler as `web::Data<AppState>`.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::TokenService;
use crate::config::Config;
use crate::ratelimit::RateLimits;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenService>,
    /// Group-commit writer of the access log.
    pub access_log: vdx_consent::access_log::AccessLogWriter,
    /// Consent decisions remembered per policy epoch (step 3 of the request path).
    pub decisions: Arc<vdx_consent::DecisionCache>,
    /// Rate limits and quotas (step 2 of the request path).
    pub limits: Arc<RateLimits>,
    /// The base URL partners use, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
    /// The OEM identity provider for federated portal sign-in, if configured.
    pub federation: Option<Arc<crate::portal::federated::Provider>>,
}
