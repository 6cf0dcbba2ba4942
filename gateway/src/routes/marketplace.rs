//! The public marketplace: what the OEM offers, readable without a token.
//! What is on offer is `vdx_catalog::offer`'s rule; this module only maps it
//! to the wire shape.

use actix_web::{HttpResponse, get, web};

use crate::problem::ApiError;
use crate::routes::catalog_dto::ProductDto;
use crate::state::AppState;

/// The marketplace: products, their published versions, terms and plans.
#[utoipa::path(tag = "marketplace", operation_id = "marketplace_products",
    responses((status = 200, description = "Products on offer", body = Vec<ProductDto>)))]
#[get("/v1/marketplace/products")]
pub async fn products(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let offer = vdx_catalog::offer::offer(state.db_bypassing_gate()).await?;
    let products = offer
        .iter()
        .map(ProductDto::from_offering)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(products))
}
