//! The public marketplace: what the OEM offers, readable without a token.
//! Only published and deprecated versions are listed; drafts stay private.

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use vdx_catalog::plans;

use crate::problem::ApiError;
use crate::routes::catalog_dto::ProductDto;
use crate::state::AppState;

/// Every product with at least one version on offer, with only those versions.
pub async fn offer(db: &DatabaseConnection) -> Result<Vec<ProductDto>, ApiError> {
    let mut out = Vec::new();
    for (product, versions) in vdx_catalog::admin::all_products(db).await? {
        let listed: Vec<_> = versions.into_iter().filter(|v| v.status.serves()).collect();
        if listed.is_empty() {
            continue;
        }
        let plans = plans::plans_of(db, &product).await?;
        out.push(ProductDto::new(&product, &listed, &plans)?);
    }
    Ok(out)
}

/// The marketplace: products, their published versions, terms and plans.
#[utoipa::path(get, path = "/v1/marketplace/products", tag = "marketplace", operation_id = "marketplace_products",
    responses((status = 200, description = "Products on offer", body = Vec<ProductDto>)))]
pub async fn products(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(offer(state.db_bypassing_gate()).await?))
}
