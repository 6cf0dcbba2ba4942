//! The driver portal at `/portal`: server-rendered pages where drivers see
//! their vehicles, grant and revoke consent, read who accessed their data,
//! and download receipts and everything held about them. Sessions are
//! cookie-based with per-session CSRF tokens; assets are local.

mod authorize;
mod consents;
pub mod error;
pub mod federated;
mod grant;
mod history;
pub mod html;
mod login;
mod notice;
pub mod oidc;
mod receipt;
mod revoke;
pub mod session;

use actix_web::web;

/// Registers the portal's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/portal").route(web::get().to(consents::dashboard)))
        .service(
            web::resource("/portal/login")
                .route(web::get().to(login::show))
                .route(web::post().to(login::submit)),
        )
        .service(
            web::resource("/portal/authorize")
                .route(web::get().to(authorize::show))
                .route(web::post().to(authorize::decide)),
        )
        .service(web::resource("/portal/login/federated").route(web::get().to(federated::start)))
        .service(
            web::resource("/portal/login/federated/callback")
                .route(web::get().to(federated::callback)),
        )
        .service(web::resource("/portal/logout").route(web::post().to(login::logout)))
        .service(
            web::resource("/portal/grant")
                .route(web::get().to(grant::grant_form))
                .route(web::post().to(grant::grant)),
        )
        .service(web::resource("/portal/consents/{id}").route(web::get().to(receipt::show)))
        .service(
            web::resource("/portal/consents/{id}/revoke")
                .route(web::get().to(revoke::confirm))
                .route(web::post().to(revoke::revoke)),
        )
        .service(
            web::resource("/portal/consents/{id}/receipt").route(web::get().to(receipt::download)),
        )
        .service(
            web::resource("/portal/vehicles/{vin}/drivers")
                .route(web::post().to(consents::add_driver)),
        )
        .service(web::resource("/portal/access").route(web::get().to(history::access)))
        .service(web::resource("/portal/export").route(web::get().to(history::export)));
}
