//! The OAuth consent screen, inside the portal: `GET /oauth/authorize`
//! validates the partner's request and sends the browser here. A driver
//! without a portal session signs in first (password or federated login) and
//! comes back. The screen names the partner and app, each product with its
//! signals and commands in plain words, the purpose, the terms and the date the
//! consent ends, and lets the driver pick which of their own vehicles to share.
//!
//! Approving shares each chosen vehicle and product (source `oauth`, active
//! until the product's default consent period ends) through the same domain
//! rule as the portal's form, [`records::share`], so what is already shared is
//! extended rather than shared twice, and issues a one-time authorization
//! code, in one transaction, then redirects to the client.
//! Denying redirects with `error=access_denied`. Either consumes the request.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use vdx_consent::ConsentStatus;
use vdx_consent::people;
use vdx_consent::records::{self, NewConsent};
use vdx_core::{DriverId, Purpose};

use vdx_identity::codes;
use vdx_identity::pending::{self, Pending};

use super::error::PortalError;
use super::html::{esc, page, when};
use super::login::html;
use super::session::{DriverSession, is_owner};
use crate::authorization::page::PageError;
use crate::authorization::{Back, NotOffered, Offer, offers};
use crate::pages::PAGE_CSP;
use crate::state::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn gone() -> PageError {
    PageError::bad(
        "this authorization request has expired, was already decided, or belongs to someone else",
    )
}

/// A form field the driver's browser sent twice.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
/// field {0} is repeated
struct RepeatedField(String);

#[derive(Debug, Deserialize)]
pub struct RequestQuery {
    request: String,
}

/// Form fields; `vehicle` may repeat, nothing else may.
fn fields(body: &[u8]) -> Result<(HashMap<String, String>, Vec<String>), RepeatedField> {
    let mut single = HashMap::new();
    let mut vehicles = Vec::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if k == "vehicle" {
            vehicles.push(v.into_owned());
        } else if single.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(RepeatedField(k.into_owned()));
        }
    }
    Ok((single, vehicles))
}

async fn claim(state: &AppState, id: &str, driver: DriverId) -> Result<Pending, PageError> {
    pending::claim(state.db_bypassing_gate(), id, driver, state.now_ms())
        .await
        .map_err(|e| PageError::server("cannot load the authorization request", e))?
        .ok_or_else(gone)
}

async fn owned_vehicles(
    state: &AppState,
    driver: DriverId,
) -> Result<Vec<vdx_consent::Vehicle>, PageError> {
    Ok(people::vehicles_of(state.db_bypassing_gate(), driver)
        .await
        .map_err(|e| PageError::server("cannot list vehicles", e))?
        .into_iter()
        .filter(|(_, role)| is_owner(role))
        .map(|(v, _)| v)
        .collect())
}

async fn app_of(
    state: &AppState,
    pending: &Pending,
) -> Result<(vdx_catalog::App, String), PageError> {
    let app = vdx_catalog::marketplace::find_app_by_id(state.db_bypassing_gate(), pending.app_id)
        .await
        .map_err(|e| PageError::server("cannot load the app", e))?
        .ok_or_else(|| PageError::bad("the app no longer exists"))?;
    // An app without its partner row is a broken reference, not a nameless partner.
    let partner =
        vdx_catalog::marketplace::find_partner_by_id(state.db_bypassing_gate(), app.partner_id)
            .await
            .map_err(|e| PageError::server("cannot load the partner", e))?
            .map(|p| p.name)
            .ok_or_else(|| {
                PageError::server(
                    "cannot load the partner",
                    format!("app {} names a partner that does not exist", app.id),
                )
            })?;
    Ok((app, partner))
}

async fn current_offers(
    state: &AppState,
    pending: &Pending,
) -> Result<Result<Vec<Offer>, NotOffered>, PageError> {
    let purposes = &pending.params.purposes;
    offers(
        state.db_bypassing_gate(),
        pending.app_id,
        &pending.scope,
        |v| {
            purposes
                .get(v.slug.as_str())
                .and_then(|p| Purpose::parse(p).ok())
                .ok_or_else(|| NotOffered(format!("no purpose for {}", v.slug)))
        },
    )
    .await
    .map_err(|e| PageError::server("cannot load the products", e))
}

/// One product of the request, in plain words.
async fn offer_html(state: &AppState, offer: &Offer, now_ms: i64) -> Result<String, PageError> {
    let plain = vdx_catalog::plain::describe(state.db_bypassing_gate(), &offer.version)
        .await
        .map_err(|e| PageError::server("cannot describe the product", e))?;
    let purpose = vdx_catalog::purposes::lookup(&offer.purpose)
        .map_or(offer.purpose.to_string(), |p| p.description.to_owned());
    let until = now_ms
        .saturating_add(i64::from(offer.version.terms.default_consent_days).saturating_mul(DAY_MS));
    let item = |i: &vdx_catalog::plain::PlainItem| {
        // A signal without a unit shows none.
        let unit = i
            .unit
            .as_deref()
            .map(|u| format!(" <small>({})</small>", esc(u)))
            .unwrap_or_default();
        format!(
            "<li><strong>{}</strong>{unit}<br>{} <small><code>{}</code></small></li>",
            esc(&i.label),
            esc(&i.about),
            esc(&i.path)
        )
    };
    let mut html = format!(
        r#"<section class="offer" aria-labelledby="offer-{slug}"><h3 id="offer-{slug}">{name} <small>version {version}</small></h3>
<p><strong>Why:</strong> {purpose}</p>
<p><strong>It may read:</strong></p><ul class="signals">"#,
        slug = esc(offer.version.slug.as_str()),
        name = esc(&offer.version.name),
        version = esc(&offer.version.version),
        purpose = esc(&purpose),
    );
    for s in &plain.signals {
        html.push_str(&item(s));
    }
    html.push_str("</ul>");
    if offer.actions.contains("command") && !plain.commands.is_empty() {
        html.push_str("<p><strong>It may also control:</strong></p><ul class=\"commands\">");
        for c in &plain.commands {
            html.push_str(&item(c));
        }
        html.push_str("</ul>");
    }
    html.push_str("<ul class=\"terms\">");
    for t in &plain.terms {
        html.push_str(&format!("<li>{}</li>", esc(t)));
    }
    html.push_str(&format!(
        "<li>Your consent ends on <strong>{}</strong>. You can revoke it earlier at any time in this portal; the partner loses access at its next request.</li></ul></section>",
        when(until)
    ));
    Ok(html)
}

/// The consent screen.
async fn screen(
    state: &AppState,
    me: &DriverSession,
    pending: &Pending,
    problem: Option<&str>,
) -> Result<HttpResponse, PageError> {
    {
        let (app, partner) = app_of(state, pending).await?;
        let offers = current_offers(state, pending)
            .await?
            .map_err(|e| PageError::bad(e.0))?;
        let vehicles = owned_vehicles(state, me.driver.id).await?;
        let now_ms = state.now_ms();
        let mut body = format!(
            r#"<p class="notice"><strong>{partner}</strong> asks, through its app <strong>{app}</strong>, for access to data of your vehicles.</p>"#,
            partner = esc(&partner),
            app = esc(&app.name),
        );
        if let Some(p) = problem {
            body.push_str(&format!(
                r#"<p class="error-box" role="alert" id="error">{}</p>"#,
                esc(p)
            ));
        }
        for offer in &offers {
            body.push_str(&offer_html(state, offer, now_ms).await?);
        }
        body.push_str(&format!(
            r#"<form method="post" action="/portal/authorize" id="consent-form">
<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="request" value="{request}">
<fieldset><legend>Which of your vehicles?</legend>"#,
            csrf = esc(&me.csrf),
            request = esc(&pending.id),
        ));
        if vehicles.is_empty() {
            body.push_str("<p>You own no vehicle you could share. Only a vehicle's owner can share its data.</p>");
        }
        let only = vehicles.len() == 1;
        for v in &vehicles {
            body.push_str(&format!(
                r#"<label class="vehicle"><input type="checkbox" name="vehicle" value="{vin}"{checked}> {model} <code>{vin}</code></label>"#,
                vin = esc(&v.vin),
                model = esc(&v.model),
                checked = if only { " checked" } else { "" },
            ));
        }
        body.push_str(r#"</fieldset><div class="actions"><button type="submit" name="decision" value="approve" id="approve">Allow</button> <button type="submit" name="decision" value="deny" id="deny" class="secondary">Deny</button></div></form>"#);
        let mut res = html(page("Share your vehicle data?", Some(&me.csrf), &body));
        // The decision redirects to the partner's app, and CSP form-action
        // applies to a form's redirects too: allow exactly that target.
        if let Ok(csp) = header::HeaderValue::from_str(&consent_csp(&pending.params.redirect_uri)) {
            res.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        Ok(res)
    }
}

/// The page CSP, with the client's redirect target added to `form-action`.
fn consent_csp(redirect_uri: &str) -> String {
    let target = url::Url::parse(redirect_uri).map(|u| match u.origin() {
        origin @ url::Origin::Tuple(..) => origin.ascii_serialization(),
        url::Origin::Opaque(_) => format!("{}:", u.scheme()),
    });
    match target {
        Ok(target) if !target.contains([';', ',', ' ', '\'']) => PAGE_CSP.replace(
            "form-action 'self'",
            &format!("form-action 'self' {target}"),
        ),
        _ => PAGE_CSP.to_owned(),
    }
}

/// `GET /portal/authorize?request=…`: the consent screen.
#[tracing::instrument(skip_all, fields(driver = %me.driver.id))]
pub async fn show(
    me: DriverSession,
    query: web::Query<RequestQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PortalError> {
    let pending = claim(&state, &query.request, me.driver.id).await?;
    Ok(screen(&state, &me, &pending, None).await?)
}

/// `POST /portal/authorize`: records the decision and redirects to the client.
#[tracing::instrument(skip_all, fields(driver = %me.driver.id))]
pub async fn decide(
    me: DriverSession,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PortalError> {
    let (form, chosen) = fields(&body).map_err(|_| PageError::bad("the form is malformed"))?;
    // A missing field is an empty one: no CSRF token matches it, no request has that id.
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if me.check_csrf(field("csrf")).is_err() {
        return Err(PageError::bad("the form is stale or forged; start again from the app").into());
    }
    let pending = claim(&state, field("request"), me.driver.id).await?;
    let back = Back {
        redirect_uri: &pending.params.redirect_uri,
        state: pending.params.state.as_deref(),
        issuer: state.tokens.issuer(),
    };
    Ok(match form.get("decision").map(String::as_str) {
        Some("deny") => {
            let taken = pending::take(state.db_bypassing_gate(), &pending.id)
                .await
                .map_err(|e| PageError::server("cannot record the decision", e))?;
            if !taken {
                return Err(gone().into());
            }
            tracing::info!(driver = %me.driver.id, "authorization denied");
            back.error("access_denied", "the driver denied the request")?
        }
        Some("approve") => approve(&state, &me, &pending, &chosen, &back).await?,
        _ => return Err(PageError::bad("decision must be approve or deny").into()),
    })
}

async fn approve(
    state: &AppState,
    me: &DriverSession,
    pending: &Pending,
    chosen: &[String],
    back: &Back<'_>,
) -> Result<HttpResponse, PageError> {
    let driver = me.driver.id;
    let owned = owned_vehicles(state, driver).await?;
    let vehicles = chosen
        .iter()
        .map(|vin| owned.iter().find(|v| &v.vin == vin))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| PageError::bad("you may only share vehicles you own"))?;
    if vehicles.is_empty() {
        return screen(state, me, pending, Some("Choose at least one vehicle.")).await;
    }
    let offers = match current_offers(state, pending).await? {
        Ok(offers) => offers,
        Err(e) => return back.error("invalid_request", &e.0),
    };
    let now_ms = state.now_ms();
    let failed = |e: &dyn std::fmt::Display| PageError::server("cannot record the approval", e);
    let txn = vdx_core::db::begin_write(state.db_bypassing_gate())
        .await
        .map_err(|e| failed(&e))?;
    if !pending::take(&txn, &pending.id)
        .await
        .map_err(|e| failed(&e))?
    {
        return Err(gone());
    }
    for v in &vehicles {
        for offer in &offers {
            // Shares, or extends what the driver already shares (never a second consent).
            records::share(
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
                        i64::from(offer.version.terms.default_consent_days).saturating_mul(DAY_MS),
                    ),
                },
            )
            .await
            .map_err(|e| failed(&e))?;
        }
    }
    let code = codes::issue(
        &txn,
        codes::NewCode {
            app: pending.app_id,
            driver,
            redirect_uri: &pending.params.redirect_uri,
            scope: &pending.scope,
            code_challenge: &pending.params.code_challenge,
        },
        now_ms,
    )
    .await
    .map_err(|e| failed(&e))?;
    txn.commit().await.map_err(|e| failed(&e))?;
    tracing::info!(driver = %driver, vehicles = vehicles.len(), "authorization approved");
    back.to(&[("code", &code)])
}
