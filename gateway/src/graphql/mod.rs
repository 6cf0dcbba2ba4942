//! The partner GraphQL API at `/graphql`. POST executes; GET serves the query
//! console (see `pages`). We read the body ourselves, under
//! `graphql_max_body_bytes`, instead of using async-graphql-actix-web's
//! extractor, which ignores actix's payload limits.

mod catalog;
mod vehicle;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::{EmptyMutation, EmptySubscription, ErrorExtensions, MergedObject, Schema};

use crate::auth::MaybeAuthenticated;
use crate::problem::ApiError;
use crate::request_id::RequestId;
use crate::state::AppState;

/// Partner queries: the public catalog and consented vehicle data.
#[derive(MergedObject, Default)]
pub struct Query(catalog::CatalogQuery, vehicle::VehicleQuery);

pub type VdxSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Most nested a query may be.
pub const MAX_DEPTH: usize = 10;
/// Most complex a query may be (each field costs 1).
pub const MAX_COMPLEXITY: usize = 500;

pub fn schema() -> VdxSchema {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .disable_suggestions()
        .finish()
}

/// The SDL of the schema, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    schema().sdl()
}

/// Turns an edge error into a GraphQL error with a stable `extensions.code`.
pub fn gql_error(err: ApiError) -> async_graphql::Error {
    let code = err.code();
    let message = match &err {
        ApiError::Internal(detail) => {
            tracing::error!(error = %detail, "internal error in a resolver");
            "internal error".to_owned()
        }
        other => other.to_string(),
    };
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// `POST /graphql`.
pub async fn execute(
    req: HttpRequest,
    body: web::Bytes,
    MaybeAuthenticated(principal): MaybeAuthenticated,
    request_id: web::ReqData<RequestId>,
    state: web::Data<AppState>,
    schema: web::Data<VdxSchema>,
) -> Result<HttpResponse, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType {
            expected: "application/json",
        });
    }
    let request: async_graphql::Request = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "MALFORMED_JSON",
            format!("the body is not a GraphQL request: {e}"),
        )
    })?;
    let mut request = request
        .data(request_id.into_inner())
        .data(state.into_inner());
    if let Some(principal) = principal {
        request = request.data(principal);
    }
    let response = schema.execute(request).await;
    let mut http = HttpResponse::Ok();
    for (name, value) in &response.http_headers {
        if let Ok(value) = value.to_str() {
            http.append_header((name.as_str(), value));
        }
    }
    Ok(http.content_type("application/json").json(response))
}
