//! The telemetry crate's one error type.

#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum TelemetryError {
    /// database error: {0}
    Db(#[from] sea_orm::DbErr),
    /// {0}
    Consent(#[from] vdx_consent::ConsentError),
    /// stored value at {0} is corrupt: {1}
    Corrupt(String, String),
}
