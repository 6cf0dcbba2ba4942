//! The identity crate's one error type. No HTTP in it: the gateway maps each
//! variant to its answer (an OAuth error, a portal page, a problem).

#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum IdentityError {
    /// database error: {0}
    Db(#[from] sea_orm::DbErr),
    /// {0}
    Consent(#[from] vdx_consent::ConsentError),
    /// {0}
    InvalidGrant(&'static str),
    /// signing key generation failed: {0}
    KeyGeneration(String),
    /// no signing key could be created
    NoSigningKey,
    /// a stored row is corrupt: {0}
    Corrupt(String),
}
