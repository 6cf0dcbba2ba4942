//! Driver sessions at the edge: the session token in an HttpOnly,
//! SameSite=Lax cookie, and the extractor that finds the signed-in driver.
//! The sessions themselves (stored as SHA-256, with a per-session CSRF token
//! that every state-changing form must echo) are `vdx_identity::sessions`'s.
//! Lax (not Strict) so that a driver who arrives from a partner's app (the OAuth consent screen) or from the OEM's
//! identity provider is recognised; no state changes on a GET, and every POST
//! carries the CSRF token.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use sea_orm::DatabaseConnection;
use vdx_consent::Vehicle;
use vdx_consent::people::{self, Role};
use vdx_core::{Clock, DriverId};
use vdx_identity::digest::same_secret;
use vdx_identity::sessions;

use crate::problem::ApiError;
use crate::state::AppState;

pub const COOKIE: &str = "vdx_session";

/// Starts a session; returns the cookie to set.
pub async fn start(state: &AppState, driver: DriverId) -> Result<Cookie<'static>, ApiError> {
    let token = sessions::start(state.db_bypassing_gate(), driver, state.now_ms()).await?;
    Ok(cookie(state, token, CookieDuration::hours(12)))
}

/// The session cookie with its protections; a zero age clears it.
pub fn cookie(state: &AppState, value: String, age: CookieDuration) -> Cookie<'static> {
    portal_cookie(state, COOKIE, value, SameSite::Lax, age)
}

/// A cookie for the portal's pages (`/portal`): HttpOnly, Secure when the
/// gateway is served over https, living `age` (a zero age clears it).
pub fn portal_cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    same_site: SameSite,
    age: CookieDuration,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/portal")
        .http_only(true)
        .same_site(same_site)
        .secure(state.base_url.starts_with("https://"))
        .max_age(age)
        .finish()
}

/// Ends the session of this request, if any.
pub async fn end(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    if let Some(c) = req.cookie(COOKIE) {
        sessions::end(state.db_bypassing_gate(), c.value()).await?;
    }
    Ok(())
}

/// `next` if it is a portal page of this gateway (never another origin).
pub fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with("/portal")
        && !next.starts_with("//")
        && !next.contains(['\\', '\r', '\n'])
        && next.len() <= 2048;
    local.then_some(next)
}

/// What the [`DriverSession`] extractor needs, registered as its own app
/// data: the database (sessions and drivers) and the clock, not the whole
/// application state.
#[derive(Clone)]
pub struct SessionStore {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
}

impl SessionStore {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock }
    }
}

/// A signed-in driver. Without a valid session, handlers redirect to login.
#[derive(Debug, Clone)]
pub struct DriverSession {
    pub driver: vdx_consent::Driver,
    pub csrf: String,
}

impl DriverSession {
    /// Checks the CSRF token a form sent.
    pub fn check_csrf(&self, sent: &str) -> Result<(), ApiError> {
        if same_secret(sent, &self.csrf) {
            Ok(())
        } else {
            Err(ApiError::bad_request(
                "CSRF_MISMATCH",
                "the form is stale or forged; reload the page",
            ))
        }
    }

    /// The vehicle `vin` if this driver owns it: only an owner may share a
    /// car's data or add drivers to it.
    pub async fn owned_vehicle(
        &self,
        state: &AppState,
        vin: &str,
    ) -> Result<Option<Vehicle>, ApiError> {
        let vehicles = people::vehicles_of(state.db_bypassing_gate(), self.driver.id).await?;
        Ok(vehicles
            .into_iter()
            .find(|(v, role)| v.vin == vin && is_owner(role))
            .map(|(v, _)| v))
    }
}

/// Whether a role read by `people::vehicles_of` is the owner's.
pub fn is_owner(role: &str) -> bool {
    role == Role::Owner.as_str()
}

/// Why there is no session: the portal answers with a redirect to the login page.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum NoSession {
    /// sign in first
    SignIn(Option<String>),
    /// {0}
    Api(#[from] ApiError),
}

impl actix_web::ResponseError for NoSession {
    fn status_code(&self) -> actix_web::http::StatusCode {
        match self {
            Self::SignIn(_) => actix_web::http::StatusCode::SEE_OTHER,
            Self::Api(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        match self {
            Self::SignIn(next) => {
                let location = match next {
                    Some(next) => format!(
                        "/portal/login?{}",
                        url::form_urlencoded::Serializer::new(String::new())
                            .append_pair("next", next)
                            .finish()
                    ),
                    None => "/portal/login".to_owned(),
                };
                actix_web::HttpResponse::SeeOther()
                    .insert_header(("location", location))
                    .finish()
            }
            Self::Api(e) => e.error_response(),
        }
    }
}

impl FromRequest for DriverSession {
    type Error = NoSession;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let store = req
                .app_data::<web::Data<SessionStore>>()
                .ok_or_else(|| ApiError::internal("the session store is not registered"))?;
            // A page the driver wanted comes back after signing in; forms do not.
            let sign_in = || {
                NoSession::SignIn(
                    (req.method() == actix_web::http::Method::GET)
                        .then(|| req.uri().to_string())
                        .and_then(|next| safe_next(&next).map(str::to_owned)),
                )
            };
            let token = req.cookie(COOKIE).ok_or_else(sign_in)?;
            let signed_in = sessions::find(&store.db, token.value(), store.clock.now_ms())
                .await
                .map_err(ApiError::from)?
                .ok_or_else(sign_in)?;
            Ok(DriverSession {
                driver: signed_in.driver,
                csrf: signed_in.csrf,
            })
        })
    }
}
