//! Wire shapes of products, versions and plans, shared by the admin API and
//! the public marketplace. Conversions only: a corrupt stored plan is the
//! catalog's error, passed on, never shown as a default.

use chrono::{DateTime, Utc};
use serde::Serialize;
use vdx_catalog::offer::Offering;
use vdx_catalog::plans::PlanSpec;
use vdx_catalog::{Plan, Product, ProductVersion, Terms};

fn time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.and_then(DateTime::from_timestamp_millis)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PurposeDto {
    pub name: String,
    /// What the purpose means, in plain words.
    pub description: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionDto {
    pub version: String,
    /// draft, published, deprecated or retired.
    pub status: String,
    /// VSS paths or branch prefixes.
    pub signals: Vec<String>,
    /// VSS actuators partners may command.
    pub commands: Vec<String>,
    pub purposes: Vec<PurposeDto>,
    pub terms: Terms,
    pub published_at: Option<DateTime<Utc>>,
    pub deprecated_at: Option<DateTime<Utc>>,
    pub sunset_at: Option<DateTime<Utc>>,
}

impl From<&ProductVersion> for VersionDto {
    fn from(v: &ProductVersion) -> Self {
        Self {
            version: v.version.clone(),
            status: v.status.as_str().to_owned(),
            signals: v.signals.iter().map(ToString::to_string).collect(),
            commands: v.commands.iter().map(ToString::to_string).collect(),
            purposes: v
                .purposes
                .iter()
                .map(|p| PurposeDto {
                    name: p.to_string(),
                    // `ProductVersion` refuses a stored purpose outside the
                    // controlled list (a corrupt row), so the lookup holds.
                    description: vdx_catalog::purposes::lookup(p)
                        .map_or_else(String::new, |i| i.description.to_owned()),
                })
                .collect(),
            terms: v.terms.clone(),
            published_at: time(v.published_at),
            deprecated_at: time(v.deprecated_at),
            sunset_at: time(v.sunset_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductDto {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// energy, insurance, retail, fleet or other.
    pub category: String,
    /// Newest first.
    pub versions: Vec<VersionDto>,
    pub plans: Vec<PlanSpec>,
    /// The OAuth scopes this product grants.
    pub scopes: Vec<String>,
}

impl ProductDto {
    pub fn new(
        product: &Product,
        versions: &[ProductVersion],
        plans: &[Plan],
    ) -> Result<Self, vdx_catalog::CatalogError> {
        let mut scopes = vec![format!("read:{}", product.slug)];
        if versions.iter().any(|v| !v.commands.is_empty()) {
            scopes.push(format!("command:{}", product.slug));
        }
        Ok(Self {
            slug: product.slug.clone(),
            name: product.name.clone(),
            description: product.description.clone(),
            category: product.category.clone(),
            versions: versions.iter().map(VersionDto::from).collect(),
            plans: plans
                .iter()
                .map(PlanSpec::from_row)
                .collect::<Result<_, _>>()?,
            scopes,
        })
    }

    /// A product as the marketplace offers it.
    pub fn from_offering(offering: &Offering) -> Result<Self, vdx_catalog::CatalogError> {
        Self::new(&offering.product, &offering.versions, &offering.plans)
    }
}
