//! Data products, their versions and lifecycle, and their plans.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use vdx_catalog::Lifecycle;
use vdx_catalog::admin::{self, NewProduct, VersionSpec};
use vdx_catalog::plans::{self, PlanSpec};

use super::AdminCall;
use crate::problem::{ApiError, Problem};
use crate::routes::catalog_dto::{ProductDto, VersionDto};

async fn product_dto(db: &DatabaseConnection, slug: &str) -> Result<ProductDto, ApiError> {
    let (product, versions) = admin::product_with_versions(db, slug).await?;
    let plans = plans::plans_of(db, &product).await?;
    Ok(ProductDto::new(&product, &versions, &plans)?)
}

/// Every product with all versions and plans.
#[utoipa::path(tag = "admin", operation_id = "admin_list_products",
    responses((status = 200, description = "Products", body = Vec<ProductDto>)), security(("bearer" = ["admin"])))]
#[get("/admin/v1/products")]
pub async fn list(call: AdminCall) -> Result<HttpResponse, ApiError> {
    let mut out = Vec::new();
    for (product, versions) in admin::all_products(call.db()).await? {
        let plans = plans::plans_of(call.db(), &product).await?;
        out.push(ProductDto::new(&product, &versions, &plans)?);
    }
    Ok(HttpResponse::Ok().json(out))
}

/// Creates a product; versions are drafted separately.
#[utoipa::path(tag = "admin", operation_id = "admin_create_product",
    request_body = NewProduct,
    responses((status = 201, description = "Created", body = ProductDto), (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/products")]
pub async fn create(
    call: AdminCall,
    body: web::Json<NewProduct>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner();
    let product = admin::create_product(call.db(), call.actor(), new, call.now_ms()).await?;
    Ok(HttpResponse::Created().json(product_dto(call.db(), &product.slug).await?))
}

/// One product with all versions and plans.
#[utoipa::path(tag = "admin", operation_id = "admin_get_product",
    params(("slug" = String, Path)), responses((status = 200, description = "The product", body = ProductDto)), security(("bearer" = ["admin"])))]
#[get("/admin/v1/products/{slug}")]
pub async fn get(call: AdminCall, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(product_dto(call.db(), &slug).await?))
}

/// Drafts a new version, newer than every existing one.
#[utoipa::path(tag = "admin", operation_id = "admin_create_version",
    params(("slug" = String, Path)), request_body = VersionSpec,
    responses((status = 201, description = "Draft created", body = VersionDto), (status = 422, description = "Invalid content; every problem listed in errors", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/products/{slug}/versions")]
pub async fn create_version(
    call: AdminCall,
    slug: web::Path<String>,
    body: web::Json<VersionSpec>,
) -> Result<HttpResponse, ApiError> {
    let (db, spec) = (call.db(), body.into_inner());
    let version = admin::create_version(db, call.actor(), &slug, spec, call.now_ms()).await?;
    Ok(HttpResponse::Created().json(VersionDto::from(&version)))
}

/// Replaces a draft's content. Published versions are immutable (409).
#[utoipa::path(tag = "admin", operation_id = "admin_update_version",
    params(("slug" = String, Path), ("version" = String, Path)), request_body = VersionSpec,
    responses((status = 200, description = "Updated", body = VersionDto), (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])))]
#[put("/admin/v1/products/{slug}/versions/{version}")]
pub async fn update_version(
    call: AdminCall,
    path: web::Path<(String, String)>,
    body: web::Json<VersionSpec>,
) -> Result<HttpResponse, ApiError> {
    let ((slug, version), spec) = (path.into_inner(), body.into_inner());
    let (db, actor, now) = (call.db(), call.actor(), call.now_ms());
    let updated = admin::update_draft(db, actor, &slug, &version, spec, now).await?;
    Ok(HttpResponse::Ok().json(VersionDto::from(&updated)))
}

/// Deletes a draft. A version that was ever published stays (409): retire it instead.
#[utoipa::path(tag = "admin", operation_id = "admin_delete_version",
    params(("slug" = String, Path), ("version" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such product or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])))]
#[delete("/admin/v1/products/{slug}/versions/{version}")]
pub async fn delete_version(
    call: AdminCall,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, version) = path.into_inner();
    let (db, actor, now) = (call.db(), call.actor(), call.now_ms());
    vdx_catalog::drafts::delete_draft(db, actor, &slug, &version, now).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Moves `{slug}/versions/{version}` to `to` and answers with the version.
async fn transition(
    call: &AdminCall,
    path: web::Path<(String, String)>,
    to: Lifecycle,
    sunset_ms: Option<i64>,
) -> Result<HttpResponse, ApiError> {
    let (slug, version) = path.into_inner();
    let (db, actor, now) = (call.db(), call.actor(), call.now_ms());
    let v = admin::transition(db, actor, &slug, &version, to, sunset_ms, now).await?;
    Ok(HttpResponse::Ok().json(VersionDto::from(&v)))
}

/// Publishes a draft after checking every signal and command against the catalog.
#[utoipa::path(tag = "admin", operation_id = "admin_publish_version",
    params(("slug" = String, Path), ("version" = String, Path)),
    responses((status = 200, description = "Published", body = VersionDto), (status = 422, description = "Unknown or deprecated signals, or sensors listed as commands; every offending path in errors", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/products/{slug}/versions/{version}/publish")]
pub async fn publish(
    call: AdminCall,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    transition(&call, path, Lifecycle::Published, None).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Deprecation {
    /// When the version stops serving (RFC 3339), announced in the `Sunset` header.
    pub sunset_at: DateTime<Utc>,
}

/// Deprecates a published version; partner calls then carry `Deprecation` and `Sunset` headers.
#[utoipa::path(tag = "admin", operation_id = "admin_deprecate_version",
    params(("slug" = String, Path), ("version" = String, Path)), request_body = Deprecation,
    responses((status = 200, description = "Deprecated", body = VersionDto)), security(("bearer" = ["admin"])))]
#[post("/admin/v1/products/{slug}/versions/{version}/deprecate")]
pub async fn deprecate(
    call: AdminCall,
    path: web::Path<(String, String)>,
    body: web::Json<Deprecation>,
) -> Result<HttpResponse, ApiError> {
    let sunset_ms = body.sunset_at.timestamp_millis();
    transition(&call, path, Lifecycle::Deprecated, Some(sunset_ms)).await
}

/// Retires a deprecated version: it serves nothing from now on.
#[utoipa::path(tag = "admin", operation_id = "admin_retire_version",
    params(("slug" = String, Path), ("version" = String, Path)),
    responses((status = 200, description = "Retired", body = VersionDto)), security(("bearer" = ["admin"])))]
#[post("/admin/v1/products/{slug}/versions/{version}/retire")]
pub async fn retire(
    call: AdminCall,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    transition(&call, path, Lifecycle::Retired, None).await
}

/// Adds a plan to a product.
#[utoipa::path(tag = "admin", operation_id = "admin_create_plan",
    params(("slug" = String, Path)), request_body = PlanSpec,
    responses((status = 201, description = "Created", body = PlanSpec), (status = 422, description = "Invalid plan", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/products/{slug}/plans")]
pub async fn create_plan(
    call: AdminCall,
    slug: web::Path<String>,
    body: web::Json<PlanSpec>,
) -> Result<HttpResponse, ApiError> {
    let (product, _) = admin::product_with_versions(call.db(), &slug).await?;
    let spec = body.into_inner();
    let plan = plans::create_plan(call.db(), call.actor(), &product, spec, call.now_ms()).await?;
    Ok(HttpResponse::Created().json(PlanSpec::from_row(&plan)?))
}
