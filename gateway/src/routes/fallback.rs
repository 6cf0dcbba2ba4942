//! What a request gets when no handler takes it: on a documented REST path,
//! 405 with the `Allow` header (RFC 9110 §15.5.6), the methods read from the
//! OpenAPI document the routes were registered with; anywhere else, the
//! problem+json 404. Also [`endpoint`], the same 405 for the few resources
//! that are not REST (pages, GraphQL). Owns no route and no handler logic.

use actix_web::dev::ResourceDef;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::problem::ApiError;

/// The documented paths with the methods each one allows.
#[derive(Debug, Clone)]
pub struct Allowed(Vec<(ResourceDef, String)>);

impl Allowed {
    /// Reads every path and its operations from the document.
    pub fn from_document(document: &OpenApi) -> Self {
        let paths = document.paths.paths.iter().map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("OPTIONS", item.options.is_some()),
                ("HEAD", item.head.is_some()),
                ("PATCH", item.patch.is_some()),
                ("TRACE", item.trace.is_some()),
            ];
            let allow = methods
                .iter()
                .filter(|(_, present)| *present)
                .map(|(method, _)| *method)
                .collect::<Vec<_>>()
                .join(", ");
            (ResourceDef::new(path.as_str()), allow)
        });
        Self(paths.collect())
    }

    /// The `Allow` value for a request path, if it is a documented path.
    pub fn for_path(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, allow)| allow.as_str())
    }
}

/// The app's default service: 405 with `Allow` on a documented path (the
/// handlers there take only their own methods), otherwise 404.
pub async fn unmatched(
    req: HttpRequest,
    allowed: web::Data<Allowed>,
) -> Result<HttpResponse, ApiError> {
    match allowed.for_path(req.path()) {
        Some(allow) => Ok(method_not_allowed(allow)),
        None => Err(ApiError::NotFound("no route matches this path".into())),
    }
}

/// A resource outside the REST API whose other methods get 405 with `Allow`.
pub fn endpoint(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move { method_not_allowed(allow) }))
}

fn method_not_allowed(allow: &str) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header(("allow", allow.to_owned()))
        .finish()
}
