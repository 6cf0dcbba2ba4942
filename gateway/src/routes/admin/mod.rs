//! The OEM admin API under `/admin/v1`. Every handler takes the [`AdminCall`]
//! extractor (the [`Admin`] principal with the database, the audit actor and
//! the clock), so a token without the `admin` scope is refused (403) before
//! anything else happens, and no token at all is a 401. Handlers call one
//! domain service and map its answer to a DTO; they hold no rules.
//!
//! [`Admin`]: crate::auth::Admin

pub mod apps;
pub mod audit;
pub mod catalog;
pub mod partners;
pub mod products;
pub mod statements;
pub mod subscriptions;
pub mod vehicles;

use actix_web::web;
use sea_orm::DatabaseConnection;
use utoipa_actix_web::scope::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Admin;
use crate::state::AppState;

/// An admin call: the admin principal with what every admin handler takes
/// from the state: the database (outside the partner gate: the admin
/// services apply their own rules), the audit actor and the time.
pub type AdminCall = super::Call<Admin>;

impl AdminCall {
    /// The database handle the admin services write through.
    pub fn db(&self) -> &DatabaseConnection {
        self.state.db_bypassing_gate()
    }

    /// The audit actor: the admin client's id.
    pub fn actor(&self) -> &str {
        &self.principal.0.app().client_id
    }

    /// Milliseconds since the Unix epoch, by the state's clock.
    pub fn now_ms(&self) -> i64 {
        self.state.now_ms()
    }

    /// The whole state, for the rare handler that needs configuration.
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

/// The admin API's handlers, registered by [`super::rest`]. The catalog
/// import takes a larger body than the rest (`MAX_IMPORT_BYTES`), so the
/// catalog's handlers sit in a scope that carries that limit.
pub fn rest(api: &mut ServiceConfig) {
    api.service(
        scope("/admin/v1/catalog")
            .app_data(web::PayloadConfig::new(catalog::MAX_IMPORT_BYTES))
            .service(catalog::import)
            .service(catalog::signals),
    )
    .service(apps::create)
    .service(apps::rotate_secret)
    .service(products::list)
    .service(products::create)
    .service(products::get)
    .service(products::create_version)
    .service(products::update_version)
    .service(products::delete_version)
    .service(products::publish)
    .service(products::deprecate)
    .service(products::retire)
    .service(products::create_plan)
    .service(subscriptions::list)
    .service(subscriptions::decide)
    .service(partners::create)
    .service(statements::get)
    .service(audit::list)
    .service(vehicles::transfer)
    .service(vehicles::revoke_consent);
}
