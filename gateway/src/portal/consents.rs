//! My vehicles and consents; granting, revoking, receipts.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use vdx_consent::records::{self, ConsentStatus, NewConsent};
use vdx_consent::{people, views};
use vdx_core::{AppId, ConsentId, ProductVersionId, Purpose};

use super::html::{esc, page, when};
use super::login::html;
use super::session::DriverSession;
use crate::problem::ApiError;
use crate::state::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// `GET /portal`: vehicles, active and past consents.
pub async fn dashboard(
    me: DriverSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = vdx_catalog::now_ms();
    let vehicles = people::vehicles_of(&state.db, me.driver.id).await?;
    let consents = views::consents(
        &state.db,
        records::of_driver(&state.db, me.driver.id).await?,
        now,
    )
    .await?;
    let mut body = format!(
        "<p>Signed in as <strong>{}</strong>.</p><h3>My vehicles</h3><table><thead><tr><th>VIN</th><th>Model</th><th>My role</th><th></th></tr></thead><tbody>",
        esc(&me.driver.display_name)
    );
    for (v, role) in &vehicles {
        let add = if role == "owner" {
            format!(
                r#"<form method="post" action="/portal/vehicles/{vin}/drivers" class="inline"><input type="hidden" name="csrf" value="{csrf}"><label for="add-{vin}" class="inline-label">Add a driver</label> <input id="add-{vin}" name="username" placeholder="username" required size="10"><button type="submit">Add</button></form>"#,
                vin = esc(&v.vin),
                csrf = esc(&me.csrf)
            )
        } else {
            String::new()
        };
        body.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{add}</td></tr>",
            esc(&v.vin),
            esc(&v.model),
            esc(role)
        ));
    }
    body.push_str("</tbody></table>");
    let (current, past): (Vec<_>, Vec<_>) = consents
        .into_iter()
        .partition(|c| c.status == "active" && !c.lapsed);
    body.push_str(r#"<h3>Active consents</h3><table id="active-consents"><thead><tr><th>Partner</th><th>Product</th><th>Purpose</th><th>Vehicle</th><th>Allows</th><th>Expires</th><th></th></tr></thead><tbody>"#);
    for c in &current {
        body.push_str(&format!(
            r#"<tr id="consent-{id}"><td>{partner}<br><small>{app}</small></td><td>{product}</td><td>{purpose}</td><td><code>{vin}</code></td><td>{scopes}</td><td>{expires}</td>
<td><form method="post" action="/portal/consents/{id}/revoke" class="inline"><input type="hidden" name="csrf" value="{csrf}"><button type="submit" aria-label="Revoke {partner} access to {vin}">Revoke</button></form>
<a href="/portal/consents/{id}/receipt">Receipt</a></td></tr>"#,
            id = c.id,
            partner = esc(&c.partner),
            app = esc(&c.app),
            product = esc(&c.product_name),
            purpose = esc(&c.purpose),
            vin = esc(&c.vin),
            scopes = esc(&c.scopes),
            expires = when(c.expires_at),
            csrf = esc(&me.csrf),
        ));
    }
    if current.is_empty() {
        body.push_str(r#"<tr><td colspan="7">No active consents. <a href="/portal/grant">Share data with a partner</a>.</td></tr>"#);
    }
    body.push_str(r#"</tbody></table><h3>Past consents</h3><table id="past-consents"><thead><tr><th>Partner</th><th>Product</th><th>Purpose</th><th>Vehicle</th><th>Status</th><th>Until</th><th></th></tr></thead><tbody>"#);
    for c in &past {
        let status = if c.lapsed {
            "expired".to_owned()
        } else {
            c.status.replace('_', " ")
        };
        body.push_str(&format!(
            r#"<tr id="consent-{id}"><td>{partner}</td><td>{product}</td><td>{purpose}</td><td><code>{vin}</code></td><td>{status}</td><td>{until}</td><td><a href="/portal/consents/{id}/receipt">Receipt</a></td></tr>"#,
            id = c.id,
            partner = esc(&c.partner),
            product = esc(&c.product_name),
            purpose = esc(&c.purpose),
            vin = esc(&c.vin),
            status = esc(&status),
            until = when(c.expires_at),
        ));
    }
    body.push_str("</tbody></table>");
    Ok(html(page(
        "My vehicles and consents",
        Some(&me.csrf),
        &body,
    )))
}

/// `GET /portal/grant`: choose a vehicle, a partner's product and purpose, and a duration.
pub async fn grant_form(
    me: DriverSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let vehicles = people::vehicles_of(&state.db, me.driver.id).await?;
    let owned: Vec<_> = vehicles
        .iter()
        .filter(|(_, role)| role == "owner")
        .collect();
    let offers = vdx_catalog::marketplace::offers(&state.db).await?;
    let mut options = String::new();
    for offer in &offers {
        for purpose in &offer.version.purposes {
            let about = vdx_catalog::purposes::lookup(purpose)
                .map(|p| p.description)
                .unwrap_or_default();
            options.push_str(&format!(
                r#"<option value="{app}:{version}:{purpose}">{partner} — {product} — {purpose_name}: {about} (signals: {signals}; up to {days} days)</option>"#,
                app = offer.app.id,
                version = offer.version.id,
                purpose = esc(purpose.as_str()),
                partner = esc(&offer.partner),
                product = esc(&offer.version.name),
                purpose_name = esc(purpose.as_str()),
                about = esc(about),
                signals = esc(&offer.version.signals.iter().map(|p| vdx_catalog::plain::label(p.as_str())).collect::<Vec<_>>().join("; ")),
                days = offer.version.terms.default_consent_days,
            ));
        }
    }
    let vehicle_options: String = owned
        .iter()
        .map(|(v, _)| {
            format!(
                r#"<option value="{0}">{0} ({1})</option>"#,
                esc(&v.vin),
                esc(&v.model)
            )
        })
        .collect();
    let body = format!(
        r#"<p class="notice">Only the owner of a vehicle can share its data. You can revoke at any time, and the partner loses access on its next request.</p>
<form method="post" action="/portal/grant" id="grant-form">
<input type="hidden" name="csrf" value="{csrf}">
<label for="vin">Vehicle</label><select id="vin" name="vin" required>{vehicle_options}</select>
<label for="offer">Partner, product and purpose</label><select id="offer" name="offer" required>{options}</select>
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

/// `POST /portal/grant`.
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
    let offers = vdx_catalog::marketplace::offers(&state.db).await?;
    let offer = offers
        .iter()
        .find(|o| o.app.id == app && o.version.id == version)
        .ok_or_else(|| bad("that partner no longer offers this product"))?;
    let vehicles = people::vehicles_of(&state.db, me.driver.id).await?;
    let (vehicle, _) = vehicles
        .iter()
        .find(|(v, role)| v.vin == form.vin && role == "owner")
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
    let now = vdx_catalog::now_ms();
    records::create(
        &state.db,
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
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/portal"))
        .finish())
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

async fn own_consent(
    me: &DriverSession,
    state: &AppState,
    id: i64,
) -> Result<vdx_consent::entity::consent::Model, ApiError> {
    records::find(&state.db, ConsentId(id))
        .await?
        .filter(|c| c.driver_id == me.driver.id)
        .ok_or_else(|| ApiError::NotFound(format!("you have no consent {id}")))
}

/// `POST /portal/consents/{id}/revoke`: effective on the partner's next request.
pub async fn revoke(
    me: DriverSession,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    me.check_csrf(&form.csrf)?;
    let consent = own_consent(&me, &state, *id).await?;
    records::change_status(
        &state.db,
        consent.id,
        ConsentStatus::RevokedByDriver,
        &format!("driver:{}", me.driver.id),
        vdx_catalog::now_ms(),
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/portal"))
        .finish())
}

/// `GET /portal/consents/{id}/receipt`: the consent receipt as JSON.
pub async fn receipt(
    me: DriverSession,
    id: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let consent = own_consent(&me, &state, *id).await?;
    let receipt = vdx_consent::receipt::receipt(&state.db, &consent).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"vdx-consent-{}.json\"", consent.id),
        ))
        .json(receipt))
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

#[derive(Debug, Deserialize)]
pub struct AddDriverForm {
    csrf: String,
    username: String,
}

/// `POST /portal/vehicles/{vin}/drivers`: the owner adds another driver, who
/// may then use the car's data in the portal but may not share it.
pub async fn add_driver(
    me: DriverSession,
    vin: web::Path<String>,
    form: web::Form<AddDriverForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    me.check_csrf(&form.csrf)?;
    let vehicles = people::vehicles_of(&state.db, me.driver.id).await?;
    let (vehicle, _) = vehicles
        .iter()
        .find(|(v, role)| v.vin == *vin && role == "owner")
        .ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_INPUT",
                "only the owner of a vehicle can add drivers",
            )
        })?;
    let other = vdx_consent::entity::driver::Entity::find()
        .filter(vdx_consent::entity::driver::Column::Username.eq(form.username.trim()))
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_INPUT",
                format!("there is no driver {:?}", form.username.trim()),
            )
        })?;
    if people::vehicles_of(&state.db, other.id)
        .await?
        .iter()
        .any(|(v, _)| v.id == vehicle.id)
    {
        return Err(ApiError::Conflict(format!(
            "{} already drives this vehicle",
            other.username
        )));
    }
    people::link(&state.db, vehicle.id, other.id, people::Role::Additional).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/portal"))
        .finish())
}
