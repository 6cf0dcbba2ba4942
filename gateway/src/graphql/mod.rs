//! The partner GraphQL API at `/graphql`. POST executes; GET serves the query
//! console (see `pages`). We read the body ourselves, under
//! `graphql_max_body_bytes`, instead of using async-graphql-actix-web's
//! extractor, which ignores actix's payload limits.

mod admission;
mod catalog;
pub mod codes;
mod commands;
mod documents;
pub mod limits;
mod vehicle;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::{EmptySubscription, ErrorExtensions, MergedObject, Schema};

use crate::problem::ApiError;
use crate::request_id::RequestId;
use crate::state::AppState;

/// Partner queries: the public catalog and consented vehicle data.
#[derive(MergedObject, Default)]
pub struct Query(
    catalog::CatalogQuery,
    vehicle::VehicleQuery,
    commands::CommandQuery,
);

/// Partner mutations: commands.
#[derive(MergedObject, Default)]
pub struct Mutation(commands::CommandMutation);

pub type VdxSchema = Schema<Query, Mutation, EmptySubscription>;

/// Most nested a query may be, in data fields (introspection has its own
/// limit, see `limits`).
pub const MAX_DEPTH: usize = 10;
/// Persisted queries kept (Automatic Persisted Queries, by SHA-256).
pub const APQ_CAPACITY: usize = 1_024;
/// Most complex a query may be (each field costs 1).
pub const MAX_COMPLEXITY: usize = 500;

/// The schema, with a parsed-document cache whose counters are not exposed
/// (for the SDL and tools).
pub fn schema() -> VdxSchema {
    schema_counting_into(&mut crate::metrics::Metrics::new())
}

/// The schema the server runs: its parsed-document cache counts hits and
/// misses into `metrics`.
pub fn schema_counting_into(metrics: &mut crate::metrics::Metrics) -> VdxSchema {
    let documents = documents::DocumentCache::default();
    metrics.register_with(|registry| documents.register(registry));
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        // Depth, aliases and directives: `limits::ShapeLimits`, which also
        // adds `__typename` to the complexity (inside the cost meter, so the
        // charge includes it).
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .disable_suggestions()
        .extension(admission::Admit)
        .extension(limits::ShapeLimits)
        .extension(documents)
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(
            APQ_CAPACITY,
        )))
        .finish()
}

/// The SDL of the schema, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    schema().sdl()
}

/// Codes of the gate's refused charges (`ApiError::TooManyRequests`): a
/// GraphQL response carrying one is a 429.
const RATE_CODES: [&str; 3] = [
    "RATE_LIMITED",
    "DAILY_QUOTA_EXCEEDED",
    "VEHICLE_BUDGET_EXCEEDED",
];

/// The request id, for a resolver's span: the request span names it too,
/// but a log line shows only its innermost span's fields.
fn request_id_of<'a>(ctx: &async_graphql::Context<'a>) -> &'a str {
    ctx.data_opt::<RequestId>().map_or("-", |r| r.0.as_str())
}

/// The calling app's client id, for a resolver's span.
fn app_of<'a>(ctx: &async_graphql::Context<'a>) -> Option<&'a str> {
    let request = ctx.data_opt::<vdx_telemetry::gate::RequestContext>();
    request.map(|r| r.principal().app().client_id.as_str())
}

/// Turns an edge error into a GraphQL error with a stable `extensions.code`.
pub fn gql_error(err: ApiError) -> async_graphql::Error {
    let code = err.code();
    let message = match err.kind() {
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
    let admission = std::sync::Arc::new(admission::RequestAdmission::default());
    let mut request = request
        .data(request_id.into_inner())
        .data(state.into_inner())
        .data(std::sync::Arc::clone(&admission));
    if let Some(context) = crate::auth::request_context(&req)? {
        request = request.data(context);
    }
    if let Some(key) = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
    {
        request = request.data(commands::IdempotencyHeader(key.to_owned()));
    }
    let mut response = schema.execute(request).await;
    codes::assign(&mut response.errors);
    // A request refused by a rate limit or quota is a 429, as over REST.
    let limited = response.errors.iter().any(|e| {
        e.extensions.as_ref().and_then(|x| x.get("code")).is_some_and(|c| {
            matches!(c, async_graphql::Value::String(code) if RATE_CODES.contains(&code.as_str()))
        })
    });
    let mut http = if limited {
        HttpResponse::TooManyRequests()
    } else {
        HttpResponse::Ok()
    };
    for (name, value) in &response.http_headers {
        if let Ok(value) = value.to_str() {
            http.append_header((name.as_str(), value));
        }
    }
    let rate = match (admission.limited(), admission.admitted()) {
        (Some(limited), _) => {
            http.insert_header((header::RETRY_AFTER, limited.retry_after_secs));
            Some(&limited.headers)
        }
        (None, Some(admitted)) => admitted.rate_headers(),
        _ => None,
    };
    for header in rate.into_iter().flat_map(crate::partner::rate_headers) {
        http.insert_header(header);
    }
    Ok(http.content_type("application/json").json(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_and_message(err: ApiError) -> (String, String) {
        let server = gql_error(err).into_server_error(async_graphql::Pos::default());
        let code = server
            .extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .map(ToString::to_string)
            .unwrap();
        (code, server.message)
    }

    #[test]
    fn a_corrupt_stored_time_is_an_opaque_internal_error_with_a_code() {
        let err = crate::partner::stored_time(i64::MAX, "command time").unwrap_err();
        let (code, message) = code_and_message(err);
        assert_eq!(code, "\"INTERNAL\"");
        assert_eq!(message, "internal error");
    }

    #[test]
    fn an_error_carrying_headers_keeps_its_own_code() {
        let err = ApiError::TooManyRequests {
            code: "RATE_LIMITED",
            detail: "slow down".into(),
        }
        .with_header(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        assert_eq!(
            code_and_message(err),
            ("\"RATE_LIMITED\"".to_owned(), "slow down".to_owned())
        );
    }
}
