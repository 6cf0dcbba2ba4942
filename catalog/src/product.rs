//! Data products as partners and the consent decision see them: one immutable
//! version with its signals, commands, purposes, terms and lifecycle state.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use vdx_core::{ProductId, ProductSlug, ProductVersionId, Purpose, SignalPath};

use crate::CatalogError;
use crate::entity::{product, product_version};
use crate::lookup::by_id_lookups;

/// Where a product version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Draft,
    Published,
    /// Still served, with `Deprecation` and `Sunset` headers.
    Deprecated,
    /// Serves nothing.
    Retired,
}

impl Lifecycle {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Deprecated => "deprecated",
            Self::Retired => "retired",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Draft,
            Self::Published,
            Self::Deprecated,
            Self::Retired,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }

    /// Whether partner calls under this version may be served.
    pub fn serves(self) -> bool {
        matches!(self, Self::Published | Self::Deprecated)
    }
}

/// The data terms a partner accepts with a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// How far back history may be read, in days; 0 means latest values only.
    pub history_days: u32,
    /// How long the partner may keep what it received, in days.
    pub retention_days: u32,
    /// Location is rounded to this many kilometres; `None` means exact.
    pub location_precision_km: Option<f64>,
    /// How long a consent lasts unless the driver picks otherwise, in days.
    pub default_consent_days: u32,
}

/// One version of a data product, parsed from its row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductVersion {
    #[serde(skip)]
    pub id: ProductVersionId,
    #[serde(skip)]
    pub product_id: ProductId,
    pub slug: ProductSlug,
    pub name: String,
    pub version: String,
    pub status: Lifecycle,
    /// Exact signal paths or branch prefixes.
    pub signals: Vec<SignalPath>,
    /// Actuators a partner may command.
    pub commands: Vec<SignalPath>,
    pub purposes: Vec<Purpose>,
    pub terms: Terms,
    /// Epoch milliseconds here; RFC 3339 when serialized (audit snapshots).
    #[serde(serialize_with = "vdx_core::time::rfc3339_opt")]
    pub sunset_at: Option<i64>,
    #[serde(serialize_with = "vdx_core::time::rfc3339_opt")]
    pub published_at: Option<i64>,
    #[serde(serialize_with = "vdx_core::time::rfc3339_opt")]
    pub deprecated_at: Option<i64>,
}

impl ProductVersion {
    /// True if `path` is one of the product's signals or lies under one of its branches.
    pub fn covers(&self, path: &SignalPath) -> bool {
        self.signals.iter().any(|selector| path.is_under(selector))
    }

    pub fn allows_purpose(&self, purpose: &Purpose) -> bool {
        self.purposes.contains(purpose)
    }

    pub(crate) fn from_rows(
        product: &product::Model,
        row: product_version::Model,
    ) -> Result<Self, CatalogError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            let err = CatalogError::CorruptVersion(row.id.0, format!("{what}: {e}"));
            tracing::error!(error = %err, "corrupt product version row");
            err
        };
        let purposes: Vec<Purpose> =
            serde_json::from_str(&row.purposes).map_err(|e| corrupt("purposes", &e))?;
        if let Some(unknown) = purposes
            .iter()
            .find(|p| crate::purposes::lookup(p).is_none())
        {
            return Err(corrupt(
                "purposes",
                &format!("{unknown} is not a known purpose"),
            ));
        }
        Ok(Self {
            id: row.id,
            product_id: row.product_id,
            slug: ProductSlug::parse(&product.slug)?,
            name: product.name.clone(),
            signals: serde_json::from_str(&row.signals).map_err(|e| corrupt("signals", &e))?,
            commands: serde_json::from_str(&row.commands).map_err(|e| corrupt("commands", &e))?,
            purposes,
            terms: serde_json::from_str(&row.terms).map_err(|e| corrupt("terms", &e))?,
            status: Lifecycle::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
            version: row.version,
            sunset_at: row.sunset_at,
            published_at: row.published_at,
            deprecated_at: row.deprecated_at,
        })
    }
}

/// Finds a product by slug.
pub async fn find_product(
    db: &impl ConnectionTrait,
    slug: &ProductSlug,
) -> Result<Option<product::Model>, CatalogError> {
    Ok(product::Entity::find()
        .filter(product::Column::Slug.eq(slug.as_str()))
        .one(db)
        .await?)
}

by_id_lookups!(
    product,
    ProductId,
    /// Finds a product by id.
    find_product_by_id,
    /// The products among `ids` that exist, in one query.
    products_by_ids
);

/// The longest `history_days` of any product version still serving, in
/// days; 0 when none serves. A version whose status or terms do not parse
/// counts as not serving.
pub async fn longest_serving_history_days(db: &impl ConnectionTrait) -> Result<u32, CatalogError> {
    let mut keep_days = 0;
    for row in product_version::Entity::find().all(db).await? {
        let serving = Lifecycle::parse(&row.status).is_some_and(Lifecycle::serves);
        let terms: Option<Terms> = serde_json::from_str(&row.terms).ok();
        if let (true, Some(terms)) = (serving, terms) {
            keep_days = keep_days.max(terms.history_days);
        }
    }
    Ok(keep_days)
}

/// Loads one version by id.
pub async fn version_by_id(
    db: &impl ConnectionTrait,
    id: ProductVersionId,
) -> Result<Option<ProductVersion>, CatalogError> {
    let Some(row) = product_version::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let Some(product) = product::Entity::find_by_id(row.product_id).one(db).await? else {
        return Ok(None);
    };
    ProductVersion::from_rows(&product, row).map(Some)
}

/// Every version of a product, newest first.
pub async fn versions(
    db: &impl ConnectionTrait,
    product: &product::Model,
) -> Result<Vec<ProductVersion>, CatalogError> {
    product_version::Entity::find()
        .filter(product_version::Column::ProductId.eq(product.id))
        .order_by_desc(product_version::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| ProductVersion::from_rows(product, row))
        .collect()
}
