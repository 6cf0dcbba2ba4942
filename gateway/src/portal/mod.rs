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

use actix_web::{FromRequest, Handler, Responder, web};

/// Registers the portal's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/portal").route(web::get().to(consents::dashboard)))
        .service(form_page("/portal/login", login::show, login::submit))
        .service(form_page(
            "/portal/authorize",
            authorize::show,
            authorize::decide,
        ))
        .service(web::resource("/portal/login/federated").route(web::get().to(federated::start)))
        .service(
            web::resource("/portal/login/federated/callback")
                .route(web::get().to(federated::callback)),
        )
        .service(web::resource("/portal/logout").route(web::post().to(login::logout)))
        .service(form_page("/portal/grant", grant::grant_form, grant::grant))
        .service(web::resource("/portal/consents/{id}").route(web::get().to(receipt::show)))
        .service(form_page(
            "/portal/consents/{id}/revoke",
            revoke::confirm,
            revoke::revoke,
        ))
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

/// A page whose form posts back to it: `GET` shows it, `POST` submits it.
fn form_page<S, SArgs, P, PArgs>(path: &str, show: S, submit: P) -> actix_web::Resource
where
    S: Handler<SArgs>,
    SArgs: FromRequest + 'static,
    S::Output: Responder + 'static,
    P: Handler<PArgs>,
    PArgs: FromRequest + 'static,
    P::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(show))
        .route(web::post().to(submit))
}
