//! The consent crate's one error type.

#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum ConsentError {
    /// database error: {0}
    Db(#[source] sea_orm::DbErr),
    /// a write was refused: {0}
    Constraint(vdx_core::constraint::Violation),
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
    /// stored {0} is corrupt: {1}
    Corrupt(String, String),
    /// the access log batch failed: {0}
    AccessLog(std::sync::Arc<sea_orm::DbErr>),
    /// a server component failed: {0}
    Unavailable(String),
}

// Every database error passes here (`?` on a `DbErr`): a constraint
// violation becomes [`ConsentError::Constraint`], so a duplicate that raced past
// a pre-check is a conflict, not a 500.
vdx_core::db_error_from!(ConsentError);
