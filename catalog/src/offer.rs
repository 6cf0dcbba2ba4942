//! The public offer: every product with at least one version on offer
//! (published or deprecated), with only those versions and the product's
//! plans. Drafts and retired versions stay private. Read by the REST
//! marketplace and the GraphQL `catalog` query alike; knows nothing of how
//! either shows it.

use sea_orm::DatabaseConnection;

use crate::{CatalogError, Plan, Product, ProductVersion, admin, plans};

/// One product as the marketplace offers it.
#[derive(Debug, Clone)]
pub struct Offering {
    pub product: Product,
    /// The versions on offer, newest first.
    pub versions: Vec<ProductVersion>,
    /// The product's plans, by name.
    pub plans: Vec<Plan>,
}

/// Every product with at least one version on offer, with only those versions.
pub async fn offer(db: &DatabaseConnection) -> Result<Vec<Offering>, CatalogError> {
    let mut out = Vec::new();
    for (product, versions) in admin::all_products(db).await? {
        let versions: Vec<_> = versions.into_iter().filter(|v| v.status.serves()).collect();
        if versions.is_empty() {
            continue;
        }
        let plans = plans::plans_of(db, &product).await?;
        out.push(Offering {
            product,
            versions,
            plans,
        });
    }
    Ok(out)
}
