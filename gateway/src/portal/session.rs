//! Driver sessions: a random token in an HttpOnly, SameSite=Lax cookie,
//! stored only as its SHA-256, with a per-session CSRF token that every
//! state-changing form must echo. Lax (not Strict) so that a driver who
//! arrives from a partner's app (the OAuth consent screen) or from the OEM's
//! identity provider is recognised; no state changes on a GET, and every POST
//! carries the CSRF token.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use vdx_core::DriverId;

use crate::problem::ApiError;
use crate::state::AppState;

pub const COOKIE: &str = "vdx_session";
/// A session lasts 12 hours.
const TTL_MS: i64 = 12 * 3600 * 1000;

pub mod entity {
    use sea_orm::entity::prelude::*;
    use vdx_core::DriverId;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "portal_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub driver_id: DriverId,
        pub csrf: String,
        pub created_at: i64,
        pub expires_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Starts a session; returns the cookie to set.
pub async fn start(state: &AppState, driver: DriverId) -> Result<Cookie<'static>, ApiError> {
    let token = vdx_core::secret::generate("");
    let now = state.now_ms();
    entity::ActiveModel {
        token_hash: Set(digest(&token)),
        driver_id: Set(driver),
        csrf: Set(vdx_core::secret::generate("")),
        created_at: Set(now),
        expires_at: Set(now + TTL_MS),
    }
    .insert(state.db_bypassing_gate())
    .await?;
    Ok(cookie(state, token, CookieDuration::hours(12)))
}

/// The session cookie with its protections; a zero age clears it.
pub fn cookie(state: &AppState, value: String, age: CookieDuration) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/portal")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.base_url.starts_with("https://"))
        .max_age(age)
        .finish()
}

/// Ends the session of this request, if any.
pub async fn end(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    if let Some(c) = req.cookie(COOKIE) {
        entity::Entity::delete_by_id(digest(c.value()))
            .exec(state.db_bypassing_gate())
            .await?;
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

/// A signed-in driver. Without a valid session, handlers redirect to login.
#[derive(Debug, Clone)]
pub struct DriverSession {
    pub driver: vdx_consent::Driver,
    pub csrf: String,
}

impl DriverSession {
    /// Checks the CSRF token a form sent.
    pub fn check_csrf(&self, sent: &str) -> Result<(), ApiError> {
        if same(sent, &self.csrf) {
            Ok(())
        } else {
            Err(ApiError::bad_request(
                "CSRF_MISMATCH",
                "the form is stale or forged; reload the page",
            ))
        }
    }
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
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::internal("app state missing"))?;
            // A page the driver wanted comes back after signing in; forms do not.
            let sign_in = || {
                NoSession::SignIn(
                    (req.method() == actix_web::http::Method::GET)
                        .then(|| req.uri().to_string())
                        .and_then(|next| safe_next(&next).map(str::to_owned)),
                )
            };
            let token = req.cookie(COOKIE).ok_or_else(sign_in)?;
            let session = entity::Entity::find_by_id(digest(token.value()))
                .filter(entity::Column::ExpiresAt.gt(state.now_ms()))
                .one(state.db_bypassing_gate())
                .await
                .map_err(ApiError::from)?
                .ok_or_else(sign_in)?;
            let driver =
                vdx_consent::people::driver_by_id(state.db_bypassing_gate(), session.driver_id)
                    .await
                    .map_err(ApiError::from)?
                    .ok_or_else(sign_in)?;
            Ok(DriverSession {
                driver,
                csrf: session.csrf,
            })
        })
    }
}
