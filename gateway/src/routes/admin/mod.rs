//! The OEM admin API under `/admin/v1`. Every handler takes the [`Admin`]
//! extractor, so a token without the `admin` scope is refused (403) before
//! anything else happens, and no token at all is a 401.
//!
//! [`Admin`]: crate::auth::Admin

pub mod audit;
pub mod catalog;
pub mod partners;
pub mod products;
pub mod statements;
pub mod subscriptions;
pub mod vehicles;

use vdx_core::Principal;

/// The audit actor for a principal: its client id.
pub fn actor(principal: &Principal) -> &str {
    &principal.app().client_id
}
