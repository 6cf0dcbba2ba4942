//! The OEM admin API under `/admin/v1`. Every handler takes the [`Admin`]
//! extractor, so a token without the `admin` scope is refused (403) before
//! anything else happens, and no token at all is a 401.
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
use utoipa_actix_web::scope::scope;
use utoipa_actix_web::service_config::ServiceConfig;
use vdx_core::Principal;

/// The audit actor for a principal: its client id.
pub fn actor(principal: &Principal) -> &str {
    &principal.app().client_id
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
