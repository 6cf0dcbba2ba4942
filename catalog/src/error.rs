//! The catalog's one error type. No HTTP here: the gateway maps each variant
//! to a status and a stable code.

use vdx_core::ParseError;

#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum CatalogError {
    /// database error: {0}
    Db(#[source] sea_orm::DbErr),
    /// a write was refused: {0}
    Constraint(vdx_core::constraint::Violation),
    /// invalid VSS file: {0}
    InvalidVss(String),
    /// {0}
    Parse(#[from] ParseError),
    /// stored {0} is corrupt: {1}
    Corrupt(String, String),
    /// could not encode {0}: {1}
    Encode(&'static str, String),
    /// stored product version {0} is corrupt: {1}
    CorruptVersion(i64, String),
    /// unknown product {0:?}
    UnknownProduct(String),
    /// could not hash a secret: {0}
    Hashing(String),
    /// {message}
    Rejected {
        message: String,
        errors: Vec<String>,
    },
    /// {0}
    Conflict(String),
    /// {0}
    NotFound(String),
    /// {0}
    Invalid(String),
}

// Every database error passes here (`?` on a `DbErr`): a constraint
// violation becomes [`CatalogError::Constraint`], so a duplicate that raced past
// a pre-check is a conflict, not a 500.
vdx_core::db_error_from!(CatalogError);
