//! Consent: drivers, their vehicles, their consent records, and the one
//! decision point every partner access passes through.
//!
//! [`decide`] is the only way to obtain a [`Grant`]; a read grant is the only
//! way to obtain [`AuthorizedFields`]; and the vehicle data store's partner
//! reads take `&AuthorizedFields`. A handler that skips the decision therefore
//! has nothing to hand the store and does not compile. Knows nothing of HTTP.

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
mod status;
pub mod views;

pub use decision::{
    Action, Command, DECISION_CACHE_CAPACITY, DecisionCache, Denial, Grant, REQUEST_EPOCH_MAX_AGE,
    Read, decide, decide_cached, policy_epoch,
};
pub use entity::access_log::Model as AccessRecord;
pub use entity::consent::Model as ConsentRecord;
pub use entity::driver::Model as Driver;
pub use entity::vehicle::Model as Vehicle;
pub use error::ConsentError;
pub use fields::AuthorizedFields;
pub use records::ConsentStatus;
