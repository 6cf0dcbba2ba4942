//! Authentication and the authorization server's state: token signing keys,
//! issuing and verifying RFC 9068 access tokens (with a verified-token cache
//! and an exact revocation check), pending authorization requests,
//! authorization codes with PKCE, refresh token families with rotation and
//! reuse detection, and the extractors that turn a bearer token into a
//! [`Principal`]. Verification happens once per request, here, and nowhere else.
//!
//! [`Principal`]: vdx_core::Principal

pub mod cache;
pub mod code;
pub mod digest;
pub(crate) mod entity;
pub mod extract;
pub mod grants;
pub mod keys;
pub mod pending;
pub mod revocation;
pub mod token;

pub use extract::{Admin, Authenticated, MaybeAuthenticated, Partner, middleware, request_context};
pub use token::TokenService;
