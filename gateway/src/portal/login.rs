//! Signing in and out. The login form carries a double-submit token (cookie
//! plus hidden field) against login CSRF; `vdx_identity::drivers::sign_in`
//! checks the password against its Argon2id hash, with a decoy hash for
//! unknown usernames, and the sign-in throttle brakes guessing. When an OEM
//! identity provider is configured, the page also offers federated sign-in
//! (`portal::federated`).

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};

use serde::Deserialize;
use vdx_identity::digest::same_secret;
use vdx_identity::drivers;

use super::html::{esc, page};
use super::session::{self, DriverSession};
use crate::pages::PAGE_CSP;
use crate::problem::ApiError;
use crate::state::AppState;

const LOGIN_COOKIE: &str = "vdx_login";

pub fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", PAGE_CSP))
        .insert_header(("cache-control", "no-store"))
        .body(body)
}

/// The name of the federated sign-in provider, if one is configured.
fn provider_name(state: &AppState) -> Option<&str> {
    state.federation.as_ref().map(|p| p.config.name.as_str())
}

/// The sign-in page; `provider` adds the federated sign-in button.
fn form(
    provider: Option<&str>,
    token: &str,
    error: Option<&str>,
    username: &str,
    next: &str,
) -> String {
    // No error, no federation: those parts of the page are empty.
    let error = error
        .map(|e| format!(r#"<p class="error-box" role="alert">{}</p>"#, esc(e)))
        .unwrap_or_default();
    let federated = provider
        .map(|name| {
            let href = format!(
                "/portal/login/federated?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", next)
                    .finish()
            );
            format!(
                r#"<p><a class="button" id="federated-login" href="{}">Sign in with {}</a></p><p>or with your vdx username and password:</p>"#,
                esc(&href),
                esc(name)
            )
        })
        .unwrap_or_default();
    page(
        "Sign in",
        None,
        &format!(
            r#"{error}{federated}<form method="post" action="/portal/login">
<input type="hidden" name="login_token" value="{token}"><input type="hidden" name="next" value="{next}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required value="{username}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>"#,
            token = esc(token),
            username = esc(username),
            next = esc(next),
        ),
    )
}

fn with_login_cookie(state: &AppState, body: String) -> (HttpResponse, String) {
    let token = vdx_core::secret::generate("");
    let mut res = html(body.replace("__LOGIN_TOKEN__", &esc(&token)));
    let cookie = session::portal_cookie(
        state,
        LOGIN_COOKIE,
        token.clone(),
        SameSite::Strict,
        CookieDuration::hours(1),
    );
    let _ = res.add_cookie(&cookie);
    (res, token)
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where to go after signing in: `next` if it is a portal page, else the dashboard.
fn next_or_home(next: Option<&str>) -> &str {
    next.and_then(session::safe_next).unwrap_or("/portal")
}

/// `GET /portal/login`.
pub async fn show(query: web::Query<NextQuery>, state: web::Data<AppState>) -> HttpResponse {
    let next = next_or_home(query.next.as_deref());
    let shown = form(provider_name(&state), "__LOGIN_TOKEN__", None, "", next);
    with_login_cookie(&state, shown).0
}

/// The sign-in page with an error, answered with `status`.
pub fn page_with_error(
    state: &AppState,
    status: actix_web::http::StatusCode,
    error: &str,
    next: Option<&str>,
) -> HttpResponse {
    let next = next_or_home(next);
    let shown = form(
        provider_name(state),
        "__LOGIN_TOKEN__",
        Some(error),
        "",
        next,
    );
    let mut res = with_login_cookie(state, shown).0;
    *res.status_mut() = status;
    res
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    login_token: String,
    next: Option<String>,
}

/// `POST /portal/login`.
pub async fn submit(
    req: HttpRequest,
    body: web::Form<LoginForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // The form again, with the username kept, an error, and a fresh login token.
    let again = |error: &str| {
        let next = next_or_home(body.next.as_deref());
        let shown = form(
            provider_name(&state),
            "__LOGIN_TOKEN__",
            Some(error),
            &body.username,
            next,
        );
        with_login_cookie(&state, shown).0
    };
    let cookie_token = req.cookie(LOGIN_COOKIE).map(|c| c.value().to_owned());
    let double_submitted =
        cookie_token.is_some_and(|c| !c.is_empty() && same_secret(&c, &body.login_token));
    if !double_submitted {
        return Ok(again("The sign-in form expired. Please try again."));
    }
    let address = req.peer_addr().map(|a| a.ip());
    if let Err(wait) = state.login.attempt(&body.username, address) {
        tracing::warn!("portal sign-in throttled");
        let mut res = page_with_error(
            &state,
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            &format!("Too many sign-in attempts. Please try again in {wait} seconds."),
            body.next.as_deref(),
        );
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&wait.to_string()) {
            res.headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, value);
        }
        return Ok(res);
    }
    let signed_in =
        drivers::sign_in(state.db_bypassing_gate(), &body.username, &body.password).await?;
    let Some(driver) = signed_in else {
        tracing::info!("portal sign-in refused");
        return Ok(again("Unknown username or wrong password."));
    };
    let cookie = session::start(&state, driver.id).await?;
    tracing::info!(driver = %driver.id, "portal sign-in");
    let mut res = HttpResponse::SeeOther()
        .insert_header(("location", next_or_home(body.next.as_deref())))
        .finish();
    let _ = res.add_cookie(&cookie);
    let _ = res.add_removal_cookie(&Cookie::build(LOGIN_COOKIE, "").path("/portal").finish());
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `POST /portal/logout`.
pub async fn logout(
    req: HttpRequest,
    me: DriverSession,
    body: web::Form<CsrfForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    me.check_csrf(&body.csrf)?;
    session::end(&state, &req).await?;
    let mut res = HttpResponse::SeeOther()
        .insert_header(("location", "/portal/login"))
        .finish();
    let _ = res.add_cookie(&session::cookie(
        &state,
        String::new(),
        CookieDuration::ZERO,
    ));
    Ok(res)
}
