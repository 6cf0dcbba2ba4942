//! Shared value types of vdx: ID newtypes, parsed identifiers (VIN, VSS signal
//! path, product slug, purpose, scope) and the authenticated [`Principal`].
//!
//! Everything here is parsed at the edge and then trusted: a `Vin` in hand is a
//! well-formed VIN. This crate knows nothing of HTTP, storage queries or policy.

pub mod clock;
pub mod constraint;
pub mod db;
pub mod direct;
mod ids;
mod newtype;
mod principal;
mod purpose;
mod scope;
pub mod secret;
mod signal_path;
mod slug;
pub mod time;
mod vin;

pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::{
    AppId, ConsentId, DriverId, PartnerId, PlanId, ProductId, ProductVersionId, SubscriptionId,
    VehicleId,
};
pub use principal::{AppPrincipal, Principal};
pub use purpose::Purpose;
pub use scope::{Scope, ScopeSet};
pub use signal_path::SignalPath;
pub use slug::ProductSlug;
pub use vin::Vin;

/// A value that failed to parse, with a message that names what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {reason}")]
pub struct ParseError {
    /// What was being parsed, e.g. "VIN".
    pub kind: &'static str,
    /// Why it was rejected.
    pub reason: String,
}

impl ParseError {
    pub(crate) fn new(kind: &'static str, reason: impl Into<String>) -> Self {
        Self {
            kind,
            reason: reason.into(),
        }
    }
}
