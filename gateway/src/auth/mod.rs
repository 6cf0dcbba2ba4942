//! Authentication at the edge: issuing and verifying RFC 9068 access tokens
//! (with a verified-token cache and an exact revocation check) with the key
//! ring built from the stored signing keys, and the middleware and extractors
//! that turn a bearer token into a [`Principal`]. Verification happens once
//! per request, here, and nowhere else. The authorization server's storage and
//! rules (keys, pending requests, codes, token families, revocations) are
//! `vdx_identity`'s; this module holds no table.
//!
//! [`Principal`]: vdx_core::Principal

pub mod cache;
pub mod extract;
pub mod keys;
pub mod token;

pub use extract::{Admin, Authenticated, MaybeAuthenticated, Partner, middleware, request_context};
pub use token::TokenService;

/// Identity's errors at the edge, for handlers that answer problem+json (the
/// OAuth endpoints and the portal pages map them their own way). Storage and
/// consent faults keep their own mapping; a corrupt row is an opaque 500
/// whose detail is logged.
impl From<vdx_identity::IdentityError> for crate::problem::ApiError {
    fn from(err: vdx_identity::IdentityError) -> Self {
        use vdx_identity::IdentityError as E;
        match err {
            E::Db(e) => e.into(),
            E::Consent(e) => e.into(),
            other => Self::internal(other),
        }
    }
}
