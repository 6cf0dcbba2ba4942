//! Sharing data: the form (a vehicle, a partner's product and purpose, a
//! duration) and its submission. Sharing again what is already shared extends
//! that consent ([`records::share`]); the home page then says which happened.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use vdx_consent::people;
use vdx_consent::records::{self, ConsentStatus, NewConsent, Shared};
use vdx_core::{AppId, ProductVersionId, Purpose};

use super::html::{esc, option, page};
use super::login::html;
use super::notice::{self, Notice};
use super::session::{DriverSession, is_owner};
use crate::problem::ApiError;
use crate::state::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// `GET /portal/grant`: choose a vehicle, a partner's product and purpose, and a duration.
pub async fn grant_form(
    me: DriverSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let vehicles = people::vehicles_of(state.db_bypassing_gate(), me.driver.id).await?;
    let owned: Vec<_> = vehicles.iter().filter(|(_, role)| is_owner(role)).collect();
    let offers = vdx_catalog::marketplace::offers(state.db_bypassing_gate()).await?;
    // The picker names each choice briefly; what it shares is listed below it,
    // where long descriptions can wrap.
    let mut options = String::new();
    let mut details = String::new();
    for offer in &offers {
        for purpose in &offer.version.purposes {
            let about = vdx_catalog::purposes::lookup(purpose)
                .map(|p| p.description)
                .unwrap_or_default();
            let name = format!(
                "{} — {} — {}",
                offer.partner,
                offer.version.name,
                purpose.as_str()
            );
            let value = format!("{}:{}:{}", offer.app.id, offer.version.id, purpose.as_str());
            options.push_str(&option(&value, &name, false));
            details.push_str(&format!(
                "<li><strong>{name}</strong>: {about} <small>Signals: {signals}. Up to {days} days.</small></li>",
                name = esc(&name),
                about = esc(about),
                signals = esc(&offer.version.signals.iter().map(|p| vdx_catalog::plain::label(p.as_str())).collect::<Vec<_>>().join("; ")),
                days = offer.version.terms.default_consent_days,
            ));
        }
    }
    let vehicle_options: String = owned
        .iter()
        .map(|(v, _)| option(&v.vin, &format!("{} ({})", v.vin, v.model), false))
        .collect();
    let body = format!(
        r#"<p class="notice">Only the owner of a vehicle can share its data. You can revoke at any time, and the partner loses access on its next request. Sharing again what you already share extends that consent; it never takes anything away (revoking does).</p>
<form method="post" action="/portal/grant" id="grant-form">
<input type="hidden" name="csrf" value="{csrf}">
<label for="vin">Vehicle</label><select id="vin" name="vin" required>{vehicle_options}</select>
<label for="offer">Partner, product and purpose</label><select id="offer" name="offer" required aria-describedby="offer-details">{options}</select>
<ul class="offers" id="offer-details">{details}</ul>
<label for="days">For how many days (empty: the product's default, which is also the most)</label><input id="days" name="days" type="number" min="1" max="3650">
<label><input type="checkbox" name="commands" value="yes"> Also allow the partner to send this product's commands (for example start charging)</label>
<button type="submit">Share</button></form>"#,
        csrf = esc(&me.csrf),
    );
    Ok(html(page("Share data", Some(&me.csrf), &body)))
}

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    csrf: String,
    vin: String,
    offer: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    days: Option<u32>,
    commands: Option<String>,
}

/// `POST /portal/grant`: shares, or extends what is already shared.
pub async fn grant(
    me: DriverSession,
    form: web::Form<GrantForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    me.check_csrf(&form.csrf)?;
    let bad = |detail: &str| ApiError::bad_request("INVALID_INPUT", detail.to_owned());
    let mut parts = form.offer.splitn(3, ':');
    let (Some(app), Some(version), Some(purpose)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("choose a partner, product and purpose"));
    };
    let app = AppId(app.parse().map_err(|_| bad("unknown offer"))?);
    let version = ProductVersionId(version.parse().map_err(|_| bad("unknown offer"))?);
    let purpose = Purpose::parse(purpose).map_err(|e| bad(&e.to_string()))?;
    let offers = vdx_catalog::marketplace::offers(state.db_bypassing_gate()).await?;
    let offer = offers
        .iter()
        .find(|o| o.app.id == app && o.version.id == version)
        .ok_or_else(|| bad("that partner no longer offers this product"))?;
    let vehicle = me
        .owned_vehicle(&state, &form.vin)
        .await?
        .ok_or_else(|| bad("only the owner of a vehicle can share its data"))?;
    let max_days = offer.version.terms.default_consent_days;
    let days = form.days.unwrap_or(max_days);
    if days == 0 || days > max_days {
        return Err(bad(&format!("choose between 1 and {max_days} days")));
    }
    let scopes = if form.commands.is_some() && !offer.version.commands.is_empty() {
        "read command"
    } else {
        "read"
    };
    let now = state.now_ms();
    let shared = records::share(
        state.db_bypassing_gate(),
        NewConsent {
            driver: me.driver.id,
            vehicle: vehicle.id,
            app,
            product: &offer.version,
            purpose,
            scopes,
            status: ConsentStatus::Active,
            source: "portal",
            granted_at: now,
            expires_at: now + i64::from(days) * DAY_MS,
        },
    )
    .await?;
    let said = match shared {
        Shared::Created(id) => Notice::Shared(id),
        Shared::Extended(id) => Notice::Extended(id),
        Shared::Unchanged(id) => Notice::Unchanged(id),
    };
    Ok(notice::redirect_home(&state, said))
}

/// An empty form field is "not given".
fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let raw = String::deserialize(d)?;
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        raw.trim()
            .parse()
            .map(Some)
            .map_err(serde::de::Error::custom)
    }
}
