//! Shared application state, injected into every handler as `web::Data<AppState>`.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::TokenService;
use crate::config::Config;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenService>,
    /// The base URL partners use, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
}
