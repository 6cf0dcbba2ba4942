//! Vehicle signal values. The OEM side writes them ([`write`], and the
//! [`simulator`] standing in for a fleet); partners read them only through
//! [`read`], whose functions demand an [`AuthorizedFields`] and write the
//! access-log record before they return. Knows nothing of HTTP.

pub mod entity;
mod error;
mod location;
pub mod read;
pub mod simulator;
pub mod write;

pub use error::TelemetryError;
pub use read::SignalValue;
pub use vdx_consent::AuthorizedFields;
