//! My vehicles and consents: the portal's home page, and adding a driver to
//! a car. Sharing is in `portal::grant`, revoking in `portal::revoke`,
//! receipts in `portal::receipt`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use vdx_consent::records;
use vdx_consent::views::{self, ConsentView, EndedBy};
use vdx_consent::{ConsentStatus, people};
use vdx_core::ConsentId;

use super::html::{esc, page, scrolling, when};
use super::login::html;
use super::notice;
use super::session::{DriverSession, is_owner};
use crate::problem::ApiError;
use crate::state::AppState;

/// `GET /portal`: vehicles, active and past consents, and what the last form did.
pub async fn dashboard(
    me: DriverSession,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now_ms();
    let vehicles = people::vehicles_of(state.db_bypassing_gate(), me.driver.id).await?;
    let consents = views::consents(
        state.db_bypassing_gate(),
        records::of_driver(state.db_bypassing_gate(), me.driver.id).await?,
        now,
    )
    .await?;
    let said = notice::pending(&req).and_then(|n| {
        consents
            .iter()
            .find(|c| c.id == n.consent().0)
            .and_then(|c| n.sentence(c))
    });
    // No notice pending: nothing to say.
    let mut body = said.map_or_else(String::new, |s| {
        format!(r#"<p class="notice" role="status" id="notice">{s}</p>"#)
    });
    body.push_str(&format!(
        "<p>Signed in as <strong>{}</strong>.</p><h3>My vehicles</h3>",
        esc(&me.driver.display_name)
    ));
    let mut table = String::from(
        r#"<table class="reflow"><thead><tr><th>VIN</th><th>Model</th><th>My role</th><th></th></tr></thead><tbody>"#,
    );
    for (v, role) in &vehicles {
        let add = if is_owner(role) {
            format!(
                r#"<form method="post" action="/portal/vehicles/{vin}/drivers" class="inline"><input type="hidden" name="csrf" value="{csrf}"><label for="add-{vin}" class="inline-label">Add a driver</label> <input id="add-{vin}" name="username" placeholder="username" required size="10"><button type="submit">Add</button></form>"#,
                vin = esc(&v.vin),
                csrf = esc(&me.csrf)
            )
        } else {
            String::new()
        };
        table.push_str(&format!(
            r#"<tr><td data-label="VIN"><code>{}</code></td><td data-label="Model">{}</td><td data-label="My role">{}</td><td>{add}</td></tr>"#,
            esc(&v.vin),
            esc(&v.model),
            esc(role)
        ));
    }
    table.push_str("</tbody></table>");
    body.push_str(&scrolling("My vehicles", &table));
    let (current, past): (Vec<_>, Vec<_>) = consents
        .into_iter()
        .partition(|c| c.status == "active" && !c.lapsed);
    body.push_str("<h3>Active consents</h3>");
    body.push_str(&scrolling("Active consents", &active_table(&current)));
    body.push_str("<h3>Past consents</h3>");
    body.push_str(&scrolling("Past consents", &past_table(&past)));
    let mut res = html(page("My vehicles and consents", Some(&me.csrf), &body));
    notice::clear(&state, &req, &mut res);
    Ok(res)
}

fn active_table(current: &[ConsentView]) -> String {
    let mut table = String::from(
        r#"<table id="active-consents" class="reflow"><thead><tr><th>Partner</th><th>Product</th><th>Purpose</th><th>Vehicle</th><th>Allows</th><th>Expires</th><th></th></tr></thead><tbody>"#,
    );
    for c in current {
        table.push_str(&format!(
            r#"<tr id="consent-{id}"><td data-label="Partner">{partner}<br><small>{app}</small></td><td data-label="Product">{product}</td><td data-label="Purpose">{purpose}</td><td data-label="Vehicle"><code>{vin}</code></td><td data-label="Allows">{scopes}</td><td data-label="Expires">{expires}</td>
<td class="actions"><a class="button" href="/portal/consents/{id}/revoke" aria-label="Revoke {partner}'s access to {vin}">Revoke</a> <a href="/portal/consents/{id}">Receipt</a></td></tr>"#,
            id = c.id,
            partner = esc(&c.partner),
            app = esc(&c.app),
            product = esc(&c.product_name),
            purpose = esc(&c.purpose),
            vin = esc(&c.vin),
            scopes = esc(&c.scopes),
            expires = when(c.expires_at),
        ));
    }
    if current.is_empty() {
        table.push_str(r#"<tr><td colspan="7">No active consents. <a href="/portal/grant">Share data with a partner</a>.</td></tr>"#);
    }
    table.push_str("</tbody></table>");
    table
}

fn past_table(past: &[ConsentView]) -> String {
    let mut table = String::from(
        r#"<table id="past-consents" class="reflow"><thead><tr><th>Partner</th><th>Product</th><th>Purpose</th><th>Vehicle</th><th>Status</th><th>Ended</th><th></th></tr></thead><tbody>"#,
    );
    for c in past {
        let status = if c.lapsed {
            "expired".to_owned()
        } else {
            c.status.replace('_', " ")
        };
        table.push_str(&format!(
            r#"<tr id="consent-{id}"><td data-label="Partner">{partner}</td><td data-label="Product">{product}</td><td data-label="Purpose">{purpose}</td><td data-label="Vehicle"><code>{vin}</code></td><td data-label="Status">{status}</td><td data-label="Ended">{ended}</td><td><a href="/portal/consents/{id}">Receipt</a></td></tr>"#,
            id = c.id,
            partner = esc(&c.partner),
            product = esc(&c.product_name),
            purpose = esc(&c.purpose),
            vin = esc(&c.vin),
            status = esc(&status),
            ended = ended(c),
        ));
    }
    if past.is_empty() {
        table.push_str(r#"<tr><td colspan="7">None yet.</td></tr>"#);
    }
    table.push_str("</tbody></table>");
    table
}

/// When a consent ended and by whom, as HTML (empty while it runs).
pub fn ended(c: &ConsentView) -> String {
    let (Some(at), Some(by)) = (c.ended_at, c.ended_by) else {
        return String::new();
    };
    let by = match by {
        EndedBy::Driver => "by you".to_owned(),
        EndedBy::Partner => format!("by {}", esc(&c.partner)),
        EndedBy::Oem => "by the vehicle manufacturer".to_owned(),
        EndedBy::OwnershipChange => "when the vehicle changed owner".to_owned(),
        EndedBy::Expiry => "when it ran out".to_owned(),
    };
    format!("{}<br><small>{by}</small>", when(at))
}

/// One of the signed-in driver's consents, with its names.
pub async fn own_consent(
    me: &DriverSession,
    state: &AppState,
    id: i64,
) -> Result<(vdx_consent::ConsentRecord, ConsentView), ApiError> {
    let row = records::find(state.db_bypassing_gate(), ConsentId(id))
        .await?
        .filter(|c| c.driver_id == me.driver.id)
        .ok_or_else(|| ApiError::NotFound(format!("you have no consent {id}")))?;
    let view = views::consents(state.db_bypassing_gate(), vec![row.clone()], state.now_ms())
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("consent vanished"))?;
    Ok((row, view))
}

/// One of the signed-in driver's consents, named by the `{id}` of the path,
/// for the pages about it: another driver's consent, or none, is a 404.
/// Extracted like the handler arguments it stands for (session, path,
/// state), then looked up with [`own_consent`].
pub struct OwnConsent {
    pub me: DriverSession,
    pub state: web::Data<AppState>,
    pub record: vdx_consent::ConsentRecord,
    pub view: ConsentView,
}

impl FromRequest for OwnConsent {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let parts =
            <(DriverSession, web::Path<i64>, web::Data<AppState>)>::from_request(req, payload);
        Box::pin(async move {
            let (me, id, state) = parts.await?;
            let (record, view) = own_consent(&me, &state, *id).await?;
            Ok(Self {
                me,
                state,
                record,
                view,
            })
        })
    }
}

/// Whether a consent still grants something (active and not run out).
pub fn running(c: &ConsentView) -> bool {
    c.status == ConsentStatus::Active.as_str() && !c.lapsed
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
    me.check_csrf(&form.csrf)?;
    let vehicle = me.owned_vehicle(&state, &vin).await?.ok_or_else(|| {
        ApiError::bad_request(
            "INVALID_INPUT",
            "only the owner of a vehicle can add drivers",
        )
    })?;
    let other = vdx_identity::drivers::by_username(state.db_bypassing_gate(), &form.username)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_INPUT",
                format!("there is no driver {:?}", form.username.trim()),
            )
        })?;
    if people::vehicles_of(state.db_bypassing_gate(), other.id)
        .await?
        .iter()
        .any(|(v, _)| v.id == vehicle.id)
    {
        return Err(ApiError::Conflict(format!(
            "{} already drives this vehicle",
            other.username
        )));
    }
    people::link(
        state.db_bypassing_gate(),
        vehicle.id,
        other.id,
        people::Role::Additional,
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/portal"))
        .finish())
}
