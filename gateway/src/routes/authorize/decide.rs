//! The driver's side of the authorization: `POST /oauth/authorize` logs the
//! driver in (password against the argon2 hash; unknown usernames take the
//! same time) and shows what the app asks for and the vehicles the driver
//! owns; `POST /oauth/authorize/decision` records the decision. Approving
//! creates one consent (source `oauth`, active, expiring after the product's
//! default consent period) per chosen vehicle and product, and a one-time
//! code, in one transaction, then redirects to the client. Denying redirects
//! with `error=access_denied`. Either consumes the pending request.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use vdx_catalog::entity::{app, partner};
use vdx_consent::ConsentStatus;
use vdx_consent::entity::{driver, vehicle};
use vdx_consent::people::{self, Role};
use vdx_consent::records::{self, NewConsent};
use vdx_core::{DriverId, Purpose, ScopeSet, secret};

use super::{Back, csrf_cookie, offers, page, server_page};
use crate::auth::code;
use crate::auth::digest::same_secret;
use crate::auth::pending::{self, Pending};
use crate::state::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn bad(message: &str) -> HttpResponse {
    page::error(StatusCode::BAD_REQUEST, message)
}

/// Form fields; `vehicle` may repeat, nothing else may.
fn fields(body: &[u8]) -> Result<(HashMap<String, String>, Vec<String>), String> {
    let mut single = HashMap::new();
    let mut vehicles = Vec::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if k == "vehicle" {
            vehicles.push(v.into_owned());
        } else if single.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(format!("field {k} is repeated"));
        }
    }
    Ok((single, vehicles))
}

/// The pending request this form continues, checked against the CSRF cookie.
async fn load(
    req: &HttpRequest,
    form: &HashMap<String, String>,
    state: &AppState,
) -> Result<(Pending, String), HttpResponse> {
    let expired = || {
        bad(
            "this authorization request has expired, was already decided, or was not started in this browser",
        )
    };
    let (Some(cookie), Some(echoed), Some(request)) = (
        csrf_cookie(req),
        form.get("csrf_token"),
        form.get("request"),
    ) else {
        return Err(expired());
    };
    if !same_secret(&cookie, echoed) {
        return Err(expired());
    }
    match pending::find(&state.db, request, &cookie, vdx_catalog::now_ms()).await {
        Ok(Some(p)) => Ok((p, cookie)),
        Ok(None) => Err(expired()),
        Err(e) => Err(server_page("cannot load the authorization request", e)),
    }
}

async fn owned_vehicles(
    state: &AppState,
    driver: DriverId,
) -> Result<Vec<vehicle::Model>, HttpResponse> {
    Ok(people::vehicles_of(&state.db, driver)
        .await
        .map_err(|e| server_page("cannot list vehicles", e))?
        .into_iter()
        .filter(|(_, role)| role == Role::Owner.as_str())
        .map(|(v, _)| v)
        .collect())
}

async fn app_of(state: &AppState, pending: &Pending) -> Result<(app::Model, String), HttpResponse> {
    let app = app::Entity::find_by_id(pending.app_id)
        .one(&state.db)
        .await
        .map_err(|e| server_page("cannot load the app", e))?
        .ok_or_else(|| bad("the app no longer exists"))?;
    let partner = partner::Entity::find_by_id(app.partner_id)
        .one(&state.db)
        .await
        .map_err(|e| server_page("cannot load the partner", e))?
        .map(|p| p.name)
        .unwrap_or_default();
    Ok((app, partner))
}

async fn current_offers(
    state: &AppState,
    pending: &Pending,
) -> Result<Result<Vec<super::Offer>, String>, HttpResponse> {
    let scope = ScopeSet::parse(&pending.params.scope).unwrap_or_default();
    let purposes = &pending.params.purposes;
    offers(&state.db, pending.app_id, &scope, |v| {
        purposes
            .get(v.slug.as_str())
            .and_then(|p| Purpose::parse(p).ok())
            .ok_or_else(|| format!("no purpose for {}", v.slug))
    })
    .await
    .map_err(|e| server_page("cannot load the products", e))
}

/// The consent page: what the app asks for, and the vehicles to choose from.
async fn consent_page(
    state: &AppState,
    pending: &Pending,
    driver: DriverId,
    csrf: &str,
    problem: Option<&str>,
) -> HttpResponse {
    let result = async {
        let (app, partner) = app_of(state, pending).await?;
        let offers = match current_offers(state, pending).await? {
            Ok(offers) => offers,
            Err(e) => return Err(bad(&e)),
        };
        let vehicles = owned_vehicles(state, driver).await?;
        let now = chrono::Utc::now();
        let mut html = format!(
            "<p><strong>{}</strong> by {} asks for your consent to:</p>\n<ul>\n",
            page::escape(&app.name),
            page::escape(&partner)
        );
        for offer in &offers {
            let until =
                now + chrono::Duration::days(i64::from(offer.version.terms.default_consent_days));
            let purpose = vdx_catalog::purposes::lookup(&offer.purpose)
                .map_or(offer.purpose.to_string(), |p| p.description.to_owned());
            html.push_str(&format!(
                "<li class=\"offer\"><strong>{}</strong> (<code>{}</code>): {} — purpose <em>{}</em>: {} Consent until {}.</li>\n",
                page::escape(&offer.version.name), page::escape(offer.version.slug.as_str()), page::escape(&offer.actions.replace(' ', " and ")),
                page::escape(offer.purpose.as_str()), page::escape(&purpose), until.format("%Y-%m-%d")
            ));
        }
        html.push_str("</ul>\n");
        if let Some(p) = problem {
            html.push_str(&format!(
                "<p class=\"error\" id=\"error\">{}</p>\n",
                page::escape(p)
            ));
        }
        html.push_str(&format!("<form method=\"post\" action=\"/oauth/authorize/decision\">\n{}\n<fieldset><legend>Your vehicles</legend>\n", page::hidden(&pending.id, csrf)));
        if vehicles.is_empty() {
            html.push_str("<p>You own no vehicles you could share.</p>\n");
        }
        for v in &vehicles {
            html.push_str(&format!(
                "<label class=\"vehicle\"><input type=\"checkbox\" name=\"vehicle\" value=\"{0}\"> {1} <code>{0}</code></label>\n",
                page::escape(&v.vin), page::escape(&v.model)
            ));
        }
        html.push_str("</fieldset>\n<div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button><button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></div>\n</form>");
        Ok(page::render(StatusCode::OK, "Share vehicle data?", &html))
    };
    result.await.unwrap_or_else(|res| res)
}

/// Logs the driver in and shows the consent page.
#[tracing::instrument(skip_all)]
pub async fn login(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    let Ok((form, _)) = fields(&body) else {
        return bad("the form is malformed");
    };
    let (pending, csrf) = match load(&req, &form, &state).await {
        Ok(loaded) => loaded,
        Err(res) => return res,
    };
    let username = form.get("username").map(String::as_str).unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    let found = match driver::Entity::find()
        .filter(driver::Column::Username.eq(username))
        .one(&state.db)
        .await
    {
        Ok(found) => found,
        Err(e) => return server_page("driver lookup failed", e),
    };
    let hash = found
        .as_ref()
        .map_or(secret::decoy_hash(), |d| d.password_hash.as_str());
    let ok = secret::verify(password, hash);
    let Some(driver) = found.filter(|_| ok) else {
        let app_name = app_of(&state, &pending)
            .await
            .map(|(a, _)| a.name)
            .unwrap_or_default();
        let products: Vec<String> = pending.params.purposes.keys().cloned().collect();
        return page::render(
            StatusCode::UNAUTHORIZED,
            "Authorize an app",
            &page::login(
                &app_name,
                &products,
                &page::hidden(&pending.id, &csrf),
                Some("wrong username or password"),
            ),
        );
    };
    if let Err(e) = pending::attach_driver(&state.db, &pending.id, driver.id).await {
        return server_page("cannot record the login", e);
    }
    consent_page(&state, &pending, driver.id, &csrf, None).await
}

/// Records the driver's decision and redirects to the client.
#[tracing::instrument(skip_all)]
pub async fn decision(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Ok((form, chosen)) = fields(&body) else {
        return bad("the form is malformed");
    };
    let (pending, csrf) = match load(&req, &form, &state).await {
        Ok(loaded) => loaded,
        Err(res) => return res,
    };
    let Some(driver) = pending.driver_id else {
        return bad("log in before deciding");
    };
    let back = Back {
        redirect_uri: &pending.params.redirect_uri,
        state: pending.params.state.as_deref(),
        issuer: state.tokens.issuer(),
    };
    match form.get("decision").map(String::as_str) {
        Some("deny") => match pending::take(&state.db, &pending.id).await {
            Ok(true) => back.error("access_denied", "the driver denied the request"),
            Ok(false) => bad("this authorization request was already decided"),
            Err(e) => server_page("cannot record the decision", e),
        },
        Some("approve") => approve(&state, &pending, driver, &csrf, &chosen, &back).await,
        _ => bad("decision must be approve or deny"),
    }
}

async fn approve(
    state: &AppState,
    pending: &Pending,
    driver: DriverId,
    csrf: &str,
    chosen: &[String],
    back: &Back<'_>,
) -> HttpResponse {
    let owned = match owned_vehicles(state, driver).await {
        Ok(owned) => owned,
        Err(res) => return res,
    };
    let Some(vehicles) = chosen
        .iter()
        .map(|vin| owned.iter().find(|v| &v.vin == vin))
        .collect::<Option<Vec<_>>>()
    else {
        return bad("you may only share vehicles you own");
    };
    if vehicles.is_empty() {
        return consent_page(
            state,
            pending,
            driver,
            csrf,
            Some("choose at least one vehicle"),
        )
        .await;
    }
    let offers = match current_offers(state, pending).await {
        Ok(Ok(offers)) => offers,
        Ok(Err(e)) => return back.error("invalid_request", &e),
        Err(res) => return res,
    };
    let scope = ScopeSet::parse(&pending.params.scope).unwrap_or_default();
    let now_ms = vdx_catalog::now_ms();
    let stored = async {
        let txn = state.db.begin().await.map_err(|e| e.to_string())?;
        if !pending::take(&txn, &pending.id)
            .await
            .map_err(|e| e.to_string())?
        {
            return Ok(None);
        }
        for v in &vehicles {
            for offer in &offers {
                records::create(
                    &txn,
                    NewConsent {
                        driver,
                        vehicle: v.id,
                        app: pending.app_id,
                        product: &offer.version,
                        purpose: offer.purpose.clone(),
                        scopes: &offer.actions,
                        status: ConsentStatus::Active,
                        source: "oauth",
                        granted_at: now_ms,
                        expires_at: now_ms.saturating_add(
                            i64::from(offer.version.terms.default_consent_days)
                                .saturating_mul(DAY_MS),
                        ),
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            }
        }
        let code = code::issue(
            &txn,
            code::NewCode {
                app: pending.app_id,
                driver,
                redirect_uri: &pending.params.redirect_uri,
                scope: &scope,
                code_challenge: &pending.params.code_challenge,
            },
            now_ms,
        )
        .await
        .map_err(|e| e.to_string())?;
        txn.commit().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(Some(code))
    };
    match stored.await {
        Ok(Some(code)) => {
            tracing::info!(driver = %driver, vehicles = vehicles.len(), "authorization approved");
            back.to(&[("code", &code)])
        }
        Ok(None) => bad("this authorization request was already decided"),
        Err(e) => server_page("cannot record the approval", e),
    }
}
