//! Vehicle signal values. The OEM side writes them through [`ingest`] (also
//! used by the [`simulator`] standing in for a fleet), which keeps the latest
//! value and the history; [`history::prune`] applies retention. Partners read
//! them only through [`read`] and [`history`], whose functions demand an
//! [`AuthorizedFields`] and write the access-log record before they return.
//! Knows nothing of HTTP.

pub mod commands;
mod entity;
mod error;
pub mod gate;
pub mod history;
pub mod ingest;
pub mod latest;
mod location;
mod read;
pub mod simulator;
mod validate;

pub use error::TelemetryError;
pub use read::SignalValue;
pub use vdx_consent::AuthorizedFields;
