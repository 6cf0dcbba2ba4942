//! The public `catalog` query: the marketplace offer, readable without a token.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};

use super::gql_error;
use crate::problem::ApiError;
use crate::routes::catalog_dto::ProductDto;
use crate::state::AppState;

#[derive(Default)]
pub struct CatalogQuery;

#[derive(SimpleObject)]
pub struct Purpose {
    name: String,
    description: String,
}

#[derive(SimpleObject)]
pub struct Terms {
    /// How far back history may be read, in days; 0 means latest values only.
    history_days: u32,
    /// How long the partner may keep what it received, in days.
    retention_days: u32,
    /// Location is rounded to this many kilometres; null means exact.
    location_precision_km: Option<f64>,
    default_consent_days: u32,
}

#[derive(SimpleObject)]
pub struct Version {
    version: String,
    status: String,
    signals: Vec<String>,
    commands: Vec<String>,
    purposes: Vec<Purpose>,
    terms: Terms,
    sunset_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(SimpleObject)]
pub struct Plan {
    name: String,
    rate_per_second: u32,
    burst: u32,
    daily_quota: u64,
    vehicle_daily_budget: Option<u32>,
    price_model: String,
    price_minor: u64,
    currency: String,
}

#[derive(SimpleObject)]
pub struct Product {
    slug: String,
    name: String,
    description: String,
    category: String,
    scopes: Vec<String>,
    versions: Vec<Version>,
    plans: Vec<Plan>,
}

#[derive(SimpleObject)]
pub struct Catalog {
    products: Vec<Product>,
}

impl From<ProductDto> for Product {
    fn from(p: ProductDto) -> Self {
        Self {
            slug: p.slug,
            name: p.name,
            description: p.description,
            category: p.category,
            scopes: p.scopes,
            versions: p
                .versions
                .into_iter()
                .map(|v| Version {
                    version: v.version,
                    status: v.status,
                    signals: v.signals,
                    commands: v.commands,
                    purposes: v
                        .purposes
                        .into_iter()
                        .map(|p| Purpose {
                            name: p.name,
                            description: p.description,
                        })
                        .collect(),
                    terms: Terms {
                        history_days: v.terms.history_days,
                        retention_days: v.terms.retention_days,
                        location_precision_km: v.terms.location_precision_km,
                        default_consent_days: v.terms.default_consent_days,
                    },
                    sunset_at: v.sunset_at,
                })
                .collect(),
            plans: p
                .plans
                .into_iter()
                .map(|p| Plan {
                    name: p.name,
                    rate_per_second: p.rate_per_second,
                    burst: p.burst,
                    daily_quota: p.daily_quota,
                    vehicle_daily_budget: p.vehicle_daily_budget,
                    price_model: p.price_model.as_str().to_owned(),
                    price_minor: p.price_minor,
                    currency: p.currency,
                })
                .collect(),
        }
    }
}

#[Object]
impl CatalogQuery {
    /// The marketplace: products on offer with their published versions, terms and plans. No token needed.
    #[tracing::instrument(skip_all, fields(request_id = super::request_id_of(ctx)))]
    async fn catalog(&self, ctx: &Context<'_>) -> async_graphql::Result<Catalog> {
        let state = ctx.data::<Arc<AppState>>()?;
        let offer = vdx_catalog::offer::offer(state.db_bypassing_gate())
            .await
            .map_err(ApiError::from)
            .map_err(gql_error)?;
        Ok(Catalog {
            products: offer
                .iter()
                .map(|o| ProductDto::from_offering(o).map(Product::from))
                .collect::<Result<_, _>>()
                .map_err(ApiError::from)
                .map_err(gql_error)?,
        })
    }
}
