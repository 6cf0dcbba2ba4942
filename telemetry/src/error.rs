//! The telemetry crate's one error type.

#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum TelemetryError {
    /// database error: {0}
    Db(#[source] sea_orm::DbErr),
    /// a write was refused: {0}
    Constraint(vdx_core::constraint::Violation),
    /// {0}
    Consent(#[from] vdx_consent::ConsentError),
    /// {0}
    Catalog(#[from] vdx_catalog::CatalogError),
    /// stored value at {0} is corrupt: {1}
    Corrupt(String, String),
    /// {summary}
    Rejected {
        summary: String,
        /// One entry per bad sample: where it is, its path, and why.
        errors: Vec<String>,
    },
    /// {0}
    Invalid(String),
    /// {0}
    InvalidCommand(String),
    /// this Idempotency-Key was used for a different command
    IdempotencyKeyReused,
    /// a batch holds at most {limit} samples; this one has {actual}
    BatchTooLarge { limit: usize, actual: usize },
}

// Every database error passes here (`?` on a `DbErr`): a constraint
// violation becomes [`TelemetryError::Constraint`], so a duplicate that raced past
// a pre-check is a conflict, not a 500.
vdx_core::db_error_from!(TelemetryError);
