//! Authentication: token signing keys, issuing and verifying RFC 9068 access
//! tokens, and the extractors that turn a bearer token into a [`Principal`].
//! Verification happens once per request, here, and nowhere else.
//!
//! [`Principal`]: vdx_core::Principal

mod entity;
pub mod extract;
pub mod keys;
pub mod token;

pub use extract::{Admin, Authenticated, MaybeAuthenticated, middleware};
pub use token::TokenService;
