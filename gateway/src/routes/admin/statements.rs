//! Monthly statements for admins (every subscription).

use actix_web::{HttpRequest, HttpResponse, get, web};
use vdx_consent::statements::{self, Statement};

use super::AdminCall;
use crate::problem::ApiError;
use crate::routes::statement_dto::{StatementQuery, render};

/// The statement of every subscription for a month.
#[utoipa::path(tag = "admin", operation_id = "admin_statements",
    params(StatementQuery),
    responses((status = 200, description = "Statement as JSON, or CSV (format=csv or Accept: text/csv)", content((Statement = "application/json"), (String = "text/csv")))),
    security(("bearer" = ["admin"])))]
#[get("/admin/v1/statements")]
pub async fn get(
    call: AdminCall,
    req: HttpRequest,
    query: web::Query<StatementQuery>,
) -> Result<HttpResponse, ApiError> {
    let month = query.month()?;
    let statement = statements::statement(call.db(), &month, None).await?;
    render(&req, query.format.as_deref(), &statement)
}
