//! Who accessed my data, what and when (GDPR Art. 15), with CSV and JSON
//! exports, and the full download of everything held about the driver.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use vdx_consent::{people, records, views};
use vdx_core::{AppId, VehicleId};

use super::html::{esc, option, page, scrolling, when};
use super::login::html;
use super::session::DriverSession;
use crate::csv::Csv;
use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct AccessQuery {
    /// Only this vehicle.
    vin: Option<String>,
    /// Only this app (its id).
    app: Option<i64>,
    /// `csv` or `json` to download; HTML otherwise.
    format: Option<String>,
}

/// `GET /portal/access`.
pub async fn access(
    me: DriverSession,
    query: web::Query<AccessQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let vehicles = people::vehicles_of(state.db_bypassing_gate(), me.driver.id).await?;
    let ids: Vec<VehicleId> = vehicles
        .iter()
        .filter(|(v, _)| {
            query
                .vin
                .as_deref()
                .is_none_or(|vin| vin.is_empty() || v.vin == vin)
        })
        .map(|(v, _)| v.id)
        .collect();
    let app = query.app.map(AppId);
    let records = views::access(state.db_bypassing_gate(), &ids, app, 1000).await?;
    match query.format.as_deref() {
        Some("json") => {
            return Ok(HttpResponse::Ok()
                .insert_header((
                    "content-disposition",
                    "attachment; filename=\"vdx-access-history.json\"",
                ))
                .json(&records));
        }
        Some("csv") => {
            let mut csv = Csv::new(&[
                "at",
                "partner",
                "app",
                "vin",
                "product",
                "purpose",
                "kind",
                "fields",
                "request_id",
            ])?;
            for r in &records {
                // `views::access` refused records with unreadable times.
                let at = chrono::DateTime::from_timestamp_millis(r.at)
                    .map(|t| t.to_rfc3339())
                    .ok_or_else(|| {
                        ApiError::internal(format!("access record at {} ms is out of range", r.at))
                    })?;
                let fields = r.fields.join(" ");
                csv.row(&[
                    at.as_str(),
                    &r.partner,
                    &r.app,
                    &r.vin,
                    &r.product,
                    &r.purpose,
                    &r.kind,
                    &fields,
                    &r.request_id,
                ])?;
            }
            return csv.download("vdx-access-history.csv");
        }
        Some(other) => {
            return Err(ApiError::bad_request(
                "INVALID_QUERY",
                format!("format {other:?} is not csv or json"),
            ));
        }
        None => {}
    }
    let partners = views::consents(
        state.db_bypassing_gate(),
        records::of_driver(state.db_bypassing_gate(), me.driver.id).await?,
        state.now_ms(),
    )
    .await?;
    let mut apps: Vec<(i64, String)> = Vec::new();
    for c in records::of_driver(state.db_bypassing_gate(), me.driver.id).await? {
        if let Some(view) = partners.iter().find(|p| p.id == c.id.0)
            && !apps.iter().any(|(id, _)| *id == c.app_id.0)
        {
            apps.push((c.app_id.0, format!("{} ({})", view.partner, view.app)));
        }
    }
    let vin_options: String = vehicles
        .iter()
        .map(|(v, _)| option(&v.vin, &v.vin, query.vin.as_deref() == Some(v.vin.as_str())))
        .collect();
    let app_options: String = apps
        .iter()
        .map(|(id, name)| option(&id.to_string(), name, query.app == Some(*id)))
        .collect();
    let mut body = format!(
        r#"<form method="get" action="/portal/access" class="grid" id="access-filter">
<label for="f-vin">Vehicle</label><select id="f-vin" name="vin"><option value="">all</option>{vin_options}</select>
<label for="f-app">Partner</label><select id="f-app" name="app"><option value="">all</option>{app_options}</select>
<button type="submit">Filter</button></form>
<p>Download: <a href="/portal/access?format=csv{q}">CSV</a> · <a href="/portal/access?format=json{q}">JSON</a></p>
"#,
        q = esc(&format!(
            "{}{}",
            query
                .vin
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("&vin={v}"))
                .unwrap_or_default(),
            query.app.map(|a| format!("&app={a}")).unwrap_or_default()
        )),
    );
    let mut table = String::from(
        r#"<table id="access-history" class="reflow"><thead><tr><th>When</th><th>Partner</th><th>Vehicle</th><th>Product</th><th>Purpose</th><th>What</th></tr></thead><tbody>"#,
    );
    for r in &records {
        table.push_str(&format!(
            r#"<tr><td data-label="When">{}</td><td data-label="Partner">{}<br><small>{}</small></td><td data-label="Vehicle"><code>{}</code></td><td data-label="Product">{}</td><td data-label="Purpose">{}</td><td data-label="What">{} {}</td></tr>"#,
            when(r.at),
            esc(&r.partner),
            esc(&r.app),
            esc(&r.vin),
            esc(&r.product),
            esc(&r.purpose),
            esc(&r.kind),
            esc(&r.fields.join(", "))
        ));
    }
    if records.is_empty() {
        table.push_str(r#"<tr><td colspan="6">Nobody has accessed this data.</td></tr>"#);
    }
    table.push_str("</tbody></table>");
    body.push_str(&scrolling("Access history", &table));
    Ok(html(page("Access history", Some(&me.csrf), &body)))
}

/// `GET /portal/export`: everything held about the driver, as one JSON file.
pub async fn export(
    me: DriverSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let vehicles = people::vehicles_of(state.db_bypassing_gate(), me.driver.id).await?;
    let ids: Vec<VehicleId> = vehicles.iter().map(|(v, _)| v.id).collect();
    let consent_rows = records::of_driver(state.db_bypassing_gate(), me.driver.id).await?;
    let mut receipts = Vec::new();
    for row in &consent_rows {
        receipts.push(vdx_consent::receipt::receipt(state.db_bypassing_gate(), row).await?);
    }
    let export = json!({
        "exported_at": chrono::Utc::now().to_rfc3339(),
        "driver": { "id": me.driver.id, "username": me.driver.username, "display_name": me.driver.display_name },
        "vehicles": vehicles.iter().map(|(v, role)| json!({"vin": v.vin, "model": v.model, "role": role})).collect::<Vec<_>>(),
        "consents": receipts,
        "access_history": views::access(state.db_bypassing_gate(), &ids, None, 100_000).await?,
    });
    Ok(HttpResponse::Ok()
        .insert_header((
            "content-disposition",
            "attachment; filename=\"vdx-my-data.json\"",
        ))
        .json(export))
}
