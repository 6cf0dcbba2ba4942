//! Consent receipts: a page per consent (what it allows, since when, until
//! when or how it ended, and its ledger history with each entry's hash), and
//! the downloadable ISO/IEC TS 27560-style receipt as JSON.

use actix_web::HttpResponse;

use super::consents::{OwnConsent, running};
use super::html::{esc, page, scrolling, when};
use super::login::html;
use super::revoke::facts;
use crate::problem::ApiError;

/// Who a ledger entry's actor is, in words for the driver.
fn who(actor: &str, me: vdx_core::DriverId, partner: &str) -> String {
    match actor.split_once(':') {
        Some(("driver", id)) if id == me.to_string() => "you".to_owned(),
        Some(("driver", _)) => "another driver".to_owned(),
        Some(("partner", _)) => esc(partner),
        Some(("oem", _)) => "the vehicle manufacturer".to_owned(),
        _ => "vdx".to_owned(),
    }
}

/// `GET /portal/consents/{id}`: the receipt as a page.
pub async fn show(
    OwnConsent {
        me,
        state,
        record: row,
        view: c,
    }: OwnConsent,
) -> Result<HttpResponse, ApiError> {
    let entries = vdx_consent::ledger::history(state.db_bypassing_gate(), row.id).await?;
    let mut table = String::from(
        r#"<table id="consent-history" class="reflow"><thead><tr><th>When</th><th>What</th><th>By</th><th>Ledger entry</th></tr></thead><tbody>"#,
    );
    for e in &entries {
        table.push_str(&format!(
            r#"<tr><td data-label="When">{}</td><td data-label="What">{}</td><td data-label="By">{}</td><td data-label="Ledger entry"><code class="hash">{}</code></td></tr>"#,
            when(e.at),
            esc(&e.event),
            who(&e.actor, me.driver.id, &c.partner),
            esc(&e.hash),
        ));
    }
    table.push_str("</tbody></table>");
    let revoke = if running(&c) {
        format!(
            r#" <a class="button" href="/portal/consents/{}/revoke">Revoke</a>"#,
            c.id
        )
    } else {
        String::new()
    };
    let body = format!(
        r#"{facts}<h3>History</h3>{history}<p>Each entry is a link in the consent ledger's hash chain.</p>
<p class="actions"><a class="button" href="/portal/consents/{id}/receipt" download>Download the receipt (JSON)</a>{revoke} <a href="/portal">Back to my vehicles and consents</a></p>"#,
        facts = facts(&c),
        history = scrolling("History", &table),
        id = c.id,
    );
    Ok(html(page("Consent receipt", Some(&me.csrf), &body)))
}

/// `GET /portal/consents/{id}/receipt`: the consent receipt as JSON.
pub async fn download(
    OwnConsent {
        state,
        record: consent,
        ..
    }: OwnConsent,
) -> Result<HttpResponse, ApiError> {
    let receipt = vdx_consent::receipt::receipt(state.db_bypassing_gate(), &consent).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"vdx-consent-{}.json\"", consent.id),
        ))
        .json(receipt))
}
