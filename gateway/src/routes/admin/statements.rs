//! Monthly statements for admins (every subscription).

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;

use crate::auth::Admin;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::statements::{self, Statement};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// YYYY-MM; the current month if absent.
    pub month: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` works too.
    pub format: Option<String>,
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
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            format!(
                "attachment; filename=\"vdx-statement-{}.csv\"",
                statement.month
            ),
        ))
        .body(statements::to_csv(statement)))
}

/// The statement of every subscription for a month.
#[utoipa::path(tag = "admin", operation_id = "admin_statements",
    params(StatementQuery),
    responses((status = 200, description = "Statement as JSON, or CSV (format=csv or Accept: text/csv)", content((Statement = "application/json"), (String = "text/csv")))),
    security(("bearer" = ["admin"])))]
#[get("/admin/v1/statements")]
pub async fn get(
    _: Admin,
    req: HttpRequest,
    query: web::Query<StatementQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let month = query
        .month
        .clone()
        .unwrap_or_else(statements::current_month);
    let statement = statements::statement(state.db_bypassing_gate(), &month, None).await?;
    render(&req, query.format.as_deref(), &statement)
}
