//! Revoking: the Revoke link leads to a question (`GET`) that names partner,
//! product, vehicle and purpose, with Revoke (a `POST` with the CSRF token)
//! and Cancel; the `POST` ends the consent and redirects home, where a
//! one-shot notice says what happened. Works without any script.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use vdx_consent::records::{self, ConsentStatus};
use vdx_consent::views::ConsentView;

use super::consents::{OwnConsent, ended, own_consent, running};
use super::html::{esc, page, when};
use super::login::html;
use super::notice::{self, Notice};
use super::session::DriverSession;
use crate::problem::ApiError;
use crate::state::AppState;

/// The facts of a consent a driver decides on, as a definition list.
pub fn facts(c: &ConsentView) -> String {
    // `views::consents` refused consents whose purpose is not in the list.
    let purpose = match vdx_core::Purpose::parse(&c.purpose)
        .ok()
        .and_then(|p| vdx_catalog::purposes::lookup(&p))
    {
        Some(p) => format!(": {}", esc(p.description)),
        None => {
            tracing::error!(
                consent = c.id,
                "a consent with an unknown purpose reached a page"
            );
            String::new()
        }
    };
    let allows = if c.scopes.split_whitespace().any(|s| s == "command") {
        "reading its data and sending its commands"
    } else {
        "reading its data"
    };
    let end = if running(c) {
        format!("<dt>Ends</dt><dd>{}</dd>", when(c.expires_at))
    } else {
        format!("<dt>Ended</dt><dd>{}</dd>", ended(c))
    };
    format!(
        r#"<dl class="facts"><dt>Partner</dt><dd>{partner} <small>(app {app})</small></dd><dt>Product</dt><dd>{product}</dd><dt>Vehicle</dt><dd><code>{vin}</code></dd><dt>Purpose</dt><dd><code>{purpose_name}</code>{purpose}</dd><dt>Allows</dt><dd>{allows}</dd><dt>Shared since</dt><dd>{since}</dd>{end}</dl>"#,
        partner = esc(&c.partner),
        app = esc(&c.app),
        product = esc(&c.product_name),
        vin = esc(&c.vin),
        purpose_name = esc(&c.purpose),
        since = when(c.granted_at),
    )
}

/// `GET /portal/consents/{id}/revoke`: asks first; changes nothing.
pub async fn confirm(OwnConsent { me, view: c, .. }: OwnConsent) -> Result<HttpResponse, ApiError> {
    if !running(&c) {
        let body = format!(
            r#"<p class="notice">This consent has already ended; there is nothing to revoke.</p>{}<p><a href="/portal">Back to my vehicles and consents</a></p>"#,
            facts(&c)
        );
        return Ok(html(page("Already ended", Some(&me.csrf), &body)));
    }
    let body = format!(
        r#"<p>If you revoke, <strong>{partner}</strong> loses access to this vehicle's data for this purpose at its next request. You can share again later.</p>
{facts}
<form method="post" action="/portal/consents/{id}/revoke" id="revoke-form" class="actions"><input type="hidden" name="csrf" value="{csrf}"><button type="submit">Revoke</button> <a class="button secondary" href="/portal">Cancel</a></form>"#,
        partner = esc(&c.partner),
        facts = facts(&c),
        id = c.id,
        csrf = esc(&me.csrf),
    );
    Ok(html(page("Revoke this consent?", Some(&me.csrf), &body)))
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /portal/consents/{id}/revoke`: effective on the partner's next request.
pub async fn revoke(
    me: DriverSession,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    me.check_csrf(&form.csrf)?;
    let (consent, _) = own_consent(&me, &state, *id).await?;
    records::change_status(
        state.db_bypassing_gate(),
        consent.id,
        ConsentStatus::RevokedByDriver,
        &format!("driver:{}", me.driver.id),
        state.now_ms(),
    )
    .await?;
    Ok(notice::redirect_home(&state, Notice::Revoked(consent.id)))
}
