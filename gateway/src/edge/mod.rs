//! The HTTP server at the edge: actix-web's application behind actix-http's
//! HTTP/1 service, on actix-server, like `actix_web::HttpServer`, with one
//! difference: every connection goes through [`head_guard::HeadGuard`], so
//! the errors actix-http would answer itself with an empty body (a request
//! head over the limit, a malformed head, a first request too slow to
//! arrive) reach the app instead, as a request for [`REFUSED_PATH`], and are
//! answered as problem+json like every other error.
//!
//! Settings are HttpServer's defaults (keep-alive 5 s, disconnect timeout
//! 1 s, half-closed connections allowed, graceful shutdown closes idle
//! keep-alive connections), except the head timeout, which the guard keeps.

pub mod head_guard;

use std::fmt;
use std::net::TcpListener;
use std::time::Duration;

use actix_http::{
    HttpService, KeepAlive, Request, Response, ServiceConfigBuilder, body::MessageBody,
};
use actix_service::{
    IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt, fn_service, map_config,
};
use actix_web::dev::{AppConfig, Server};
use actix_web::rt::net::TcpStream;
use actix_web::{ResponseError, web};

use crate::problem::ApiError;

/// The path the guard asks for in place of a refused request; the last
/// segment is the status (431, 400 or 408).
pub const REFUSED_PATH: &str = "/.vdx/refused";

const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves `factory`'s app on `listener` until stopped (SIGTERM/SIGINT or the
/// server handle), waiting up to `shutdown_timeout_secs` for requests in flight.
pub fn serve<F, I, S, B>(
    listener: TcpListener,
    shutdown_timeout_secs: u64,
    factory: F,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let addr = listener.local_addr()?;
    let builder = Server::build().shutdown_timeout(shutdown_timeout_secs);
    let shutdown = builder.graceful_shutdown_signal();
    let builder = builder.listen("vdx", listener, move || {
        let shutdown = shutdown.clone();
        // The guard's decoder runs with the same keep-alive as the service.
        let decoder_config = ServiceConfigBuilder::new()
            .keep_alive(KeepAlive::default())
            .build();
        let app = factory()
            .into_factory()
            .map_err(|err| err.into().error_response());
        let http = HttpService::build()
            .graceful_shutdown_signal(move || {
                let signal = shutdown.clone();
                async move { signal.notified().await }
            })
            .keep_alive(KeepAlive::default())
            // The guard answers slow heads (with a problem), not actix-http.
            .client_request_timeout(Duration::ZERO)
            .client_disconnect_timeout(DISCONNECT_TIMEOUT)
            .h1_allow_half_closed(true)
            .local_addr(addr)
            // vdx never reads the app config (URLs come from `public_url`).
            .finish(map_config(app, |_| AppConfig::default()));
        fn_service(move |io: TcpStream| {
            let peer = io.peer_addr().ok();
            let guarded = head_guard::HeadGuard::new(io, decoder_config.clone());
            async move {
                Ok::<_, actix_http::error::DispatchError>((
                    guarded,
                    actix_http::Protocol::Http1,
                    peer,
                ))
            }
        })
        .and_then(http)
    })?;
    Ok(builder.run())
}

/// `GET /.vdx/refused/{status}`: the problem for a request the guard refused.
pub async fn refused(status: web::Path<u16>) -> actix_web::HttpResponse {
    let err = match *status {
        431 => ApiError::HeadTooLarge(format!(
            "the request line and headers are larger than {} bytes",
            head_guard::MAX_HEAD_BYTES
        )),
        408 => ApiError::RequestTimeout(format!(
            "the request line and headers did not arrive within {} seconds",
            head_guard::HEAD_TIMEOUT.as_secs()
        )),
        _ => ApiError::bad_request(
            "MALFORMED_REQUEST",
            "the request line or headers are not valid HTTP/1.1 (RFC 9112)",
        ),
    };
    err.error_response()
}
