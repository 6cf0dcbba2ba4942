//! Rendering a monthly statement for the admin and the partner handlers
//! alike: the query they share, the month parsed at the edge, and the
//! statement as JSON or CSV. The statement itself comes from
//! `vdx_consent::statements`; nothing here reads storage or prices anything.

use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use vdx_consent::statements::{self, Month, Statement};

use crate::csv::Csv;
use crate::problem::ApiError;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// YYYY-MM; the current month if absent.
    pub month: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` works too.
    pub format: Option<String>,
}

impl StatementQuery {
    /// The month asked for, or the current one.
    pub fn month(&self) -> Result<Month, ApiError> {
        let raw = self.month.clone().unwrap_or_else(statements::current_month);
        Month::parse(&raw).map_err(|e| ApiError::bad_request("INVALID_QUERY", e.to_string()))
    }
}

/// Renders a statement as JSON or CSV, as the client asked.
pub fn render(
    req: &HttpRequest,
    format: Option<&str>,
    statement: &Statement,
) -> Result<HttpResponse, ApiError> {
    let accept_csv = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    match format {
        Some("csv") => {}
        Some("json") => return Ok(HttpResponse::Ok().json(statement)),
        Some(other) => {
            return Err(ApiError::bad_request(
                "INVALID_QUERY",
                format!("format {other:?} is not json or csv"),
            ));
        }
        None if accept_csv => {}
        None => return Ok(HttpResponse::Ok().json(statement)),
    }
    let filename = format!("vdx-statement-{}.csv", statement.month);
    to_csv(statement)?.download(&filename)
}

/// The statement as CSV (RFC 4180), one line per subscription.
pub fn to_csv(statement: &Statement) -> Result<Csv, ApiError> {
    let mut out = Csv::new(&[
        "month",
        "subscription_id",
        "partner",
        "app",
        "product",
        "version",
        "plan",
        "price_model",
        "unit_price_minor",
        "currency",
        "calls",
        "commands",
        "vehicles",
        "amount_minor",
    ])?;
    for l in &statement.lines {
        out.row(&[
            statement.month.clone(),
            l.subscription_id.to_string(),
            l.partner.clone(),
            l.app.clone(),
            l.product.clone(),
            l.version.clone(),
            l.plan.clone(),
            l.price_model.clone(),
            l.unit_price_minor.to_string(),
            l.currency.clone(),
            l.calls.to_string(),
            l.commands.to_string(),
            l.vehicles.to_string(),
            l.amount_minor.to_string(),
        ])?;
    }
    Ok(out)
}
