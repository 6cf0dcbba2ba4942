//! The OEM's offer: the signal catalog (COVESA VSS), data products with their
//! immutable versions, terms and plans, and the marketplace of partners, apps
//! and subscriptions. Knows nothing of HTTP, and nothing of consent: it says
//! what a product *could* share, never what a given partner *may* read.

pub mod admin;
pub mod apps;
pub mod audit;
pub mod drafts;
pub mod entity;
mod error;
pub mod marketplace;
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

/// Milliseconds since the Unix epoch: the time format of every stored timestamp.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
