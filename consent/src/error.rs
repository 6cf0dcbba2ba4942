//! The consent crate's one error type.

#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum ConsentError {
    /// database error: {0}
    Db(#[from] sea_orm::DbErr),
    /// {0}
    Catalog(#[from] vdx_catalog::CatalogError),
    /// access denied: {0}
    Denied(#[from] crate::Denial),
    /// could not hash a secret: {0}
    Hashing(String),
    /// invalid input: {0}
    Invalid(String),
    /// {0}
    NotFound(String),
    /// {0}
    Conflict(String),
    /// a server component failed: {0}
    Unavailable(String),
}
