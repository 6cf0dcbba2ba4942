//! Identity: who may act, and with what proof. The authorization server's
//! storage and rules (token signing keys and their rotation, pending
//! authorization requests, authorization codes with PKCE, refresh token
//! families with rotation and reuse detection, revocations), the driver
//! portal's sessions, federated accounts linked to drivers, driver sign-in
//! (one lookup and password check) and the sign-in throttle.
//!
//! Knows nothing of HTTP: no cookies, no status codes, no OIDC client (the
//! gateway speaks to the identity provider and hands the verified claims
//! here). Signing and verifying JWTs stays in the gateway, which builds its
//! key ring from the [`keys::SigningKey`] rows handed out here.
//!
//! The tables are this crate's alone. A caller cannot query them:
//!
//! ```compile_fail,E0603
//! # async fn handler(db: &sea_orm::DatabaseConnection) {
//! use sea_orm::EntityTrait;
//! let every_session = vdx_identity::entity::portal_session::Entity::find().all(db).await;
//! # }
//! ```
//!
//! but it can call the services, which hand out plain rows:
//!
//! ```no_run
//! # async fn handler(db: &sea_orm::DatabaseConnection) -> Result<(), vdx_identity::IdentityError> {
//! let signed_in = vdx_identity::sessions::find(db, "cookie-value", 0).await?;
//! # let _ = signed_in; Ok(()) }
//! ```

pub mod codes;
pub mod digest;
pub mod drivers;
/// The identity tables. Private to this crate: the gateway reaches them only
/// through the services here. (The integration tests need no direct access,
/// so there is no `test-support` opening.)
pub(crate) mod entity;
mod error;
pub mod federated;
pub mod grants;
pub mod keys;
pub mod pending;
pub mod revocation;
pub mod sessions;
pub mod throttle;

pub use error::IdentityError;

/// Leeway for clock skew on a token's `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;
/// [`LEEWAY_SECS`] in milliseconds.
pub const LEEWAY_MS: i64 = 30_000;
