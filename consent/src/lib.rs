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
/// through the services here.
pub(crate) mod entity;
/// The tables, opened to the integration tests for checks of what the
/// database holds (feature `test-support`, enabled by the `tests` crate
/// alone, never by the `vdx` binary). Under its own name, so that
/// `vdx_consent::entity` stays private whatever features a build unifies.
#[cfg(feature = "test-support")]
pub mod test_support {
    pub use crate::entity::*;
}
mod error;
mod fields;
pub mod ledger;
pub mod oem;
pub mod people;
pub mod receipt;
pub mod records;
mod rows;
pub mod statements;
mod status;
pub mod views;
pub mod watch;

pub use decision::{
    Action, Command, DECISION_CACHE_CAPACITY, DecisionCache, Denial, Grant, REQUEST_EPOCH_MAX_AGE,
    Read, decide, policy_epoch,
};
pub use error::ConsentError;
pub use fields::AuthorizedFields;
pub use records::ConsentStatus;
pub use rows::{AccessRecord, ConsentRecord, Driver, Vehicle};
pub use watch::PolicyWatch;
