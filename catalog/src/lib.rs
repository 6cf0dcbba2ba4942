//! The OEM's offer: the signal catalog (COVESA VSS), data products with their
//! immutable versions, terms and plans, and the marketplace of partners, apps
//! and subscriptions. Knows nothing of HTTP, and nothing of consent: it says
//! what a product *could* share, never what a given partner *may* read.
//!
//! The tables are private to this crate: other crates call the services
//! here and receive rows ([`App`], [`Partner`], [`Product`], …). A
//! service call compiles:
//!
//! ```no_run
//! # async fn handler(db: &sea_orm::DatabaseConnection) -> Result<(), vdx_catalog::CatalogError> {
//! let app = vdx_catalog::marketplace::find_app_by_client_id(db, "vdxc_example").await?;
//! # let _ = app; Ok(()) }
//! ```
//!
//! a handler querying a table itself does not:
//!
//! ```compile_fail,E0603
//! # async fn handler(db: &sea_orm::DatabaseConnection) {
//! use sea_orm::EntityTrait;
//! let apps = vdx_catalog::entity::app::Entity::find().all(db).await;
//! # }
//! ```
//!
//! and the audit trail can be appended to and read, never rewritten:
//!
//! ```compile_fail,E0433
//! # async fn handler(db: &sea_orm::DatabaseConnection) {
//! use sea_orm::EntityTrait;
//! let wiped = vdx_catalog::audit::entity::Entity::delete_many().exec(db).await;
//! # }
//! ```

pub mod admin;
pub mod apps;
pub mod audit;
pub mod drafts;
/// The catalog and marketplace tables. Private to this crate: the gateway,
/// consent and telemetry reach them only through the services here, and
/// only rows (the re-exported models below) cross the boundary.
pub(crate) mod entity;
/// The tables, opened to the integration tests for checks of what the
/// database holds (feature `test-support`, enabled by the `tests` crate
/// alone, never by the `vdx` binary). Under its own name, so that
/// `vdx_catalog::entity` stays private whatever features a build unifies.
#[cfg(feature = "test-support")]
pub mod test_support {
    pub use crate::entity::*;
}
mod error;
mod lookup;
pub mod marketplace;
pub mod offer;
pub mod plain;
pub mod plans;
pub mod product;
pub mod purposes;
pub mod seed;
pub mod subscriptions;
pub mod vss;

pub use entity::app::Model as App;
pub use entity::partner::Model as Partner;
pub use entity::plan::Model as Plan;
pub use entity::product::Model as Product;
pub use entity::signal::Model as Signal;
pub use entity::subscription::Model as Subscription;
pub use error::CatalogError;
pub use product::{Lifecycle, ProductVersion, Terms};
