//! Consent: drivers, their vehicles, their consent records, and the one
//! decision point every partner access passes through.
//!
//! [`decide`] is the only way to obtain a [`Grant`]; a read grant is the only
//! way to obtain [`AuthorizedFields`]; and the vehicle data store's partner
//! reads take `&AuthorizedFields`. A handler that skips the decision therefore
//! has nothing to hand the store and does not compile. Knows nothing of HTTP.
//!
//! The tables are this crate's alone. A caller cannot query them:
//!
//! ```compile_fail,E0603
//! # async fn handler(db: &sea_orm::DatabaseConnection) {
//! use sea_orm::EntityTrait;
//! let every_consent = vdx_consent::entity::consent::Entity::find().all(db).await;
//! # }
//! ```
//!
//! and the rows it hands out are plain data, not SeaORM models, so they do
//! not lead to their table either:
//!
//! ```compile_fail,E0277
//! # async fn handler(db: &sea_orm::DatabaseConnection) {
//! use sea_orm::{EntityTrait, ModelTrait};
//! let every_consent = <vdx_consent::ConsentRecord as ModelTrait>::Entity::find().all(db).await;
//! # }
//! ```

pub mod access_log;
mod decision;
/// The consent tables. Private to this crate: the gateway reaches them only
/// through the services here. The `test-support` feature (enabled by the
/// integration tests alone, never by the `vdx` binary) opens them for
/// checks of what the database holds.
#[cfg(feature = "test-support")]
pub mod entity;
#[cfg(not(feature = "test-support"))]
pub(crate) mod entity;
mod error;
mod fields;
pub mod ledger;
pub mod people;
pub mod receipt;
pub mod records;
mod rows;
mod status;
pub mod views;

pub use decision::{
    Action, Command, DECISION_CACHE_CAPACITY, DecisionCache, Denial, Grant, REQUEST_EPOCH_MAX_AGE,
    Read, decide, decide_cached, policy_epoch,
};
pub use error::ConsentError;
pub use fields::AuthorizedFields;
pub use records::ConsentStatus;
pub use rows::{AccessRecord, ConsentRecord, Driver, Vehicle};
