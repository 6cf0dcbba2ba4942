//! [`RunError`], the one error type of the operator's side of the binary:
//! starting the server, the CLI operations (`migrate`, `apps create`, `keys
//! rotate`, `catalog import`, `ledger verify`), the simulator and the demo.
//! `main` prints it and exits non-zero. Nothing here reaches an HTTP answer
//! (that is `problem::ApiError`), and no message may carry a secret: the
//! database URL arrives masked from `db`.

/// Any underlying error, kept as the source of a [`RunError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum RunError {
    /// {0}
    Database(#[from] crate::db::DbSetupError),
    /// {0}
    Usage(String),
    /// {context}: {source}
    Failed {
        context: String,
        #[source]
        source: BoxError,
    },
    /// {0}
    Cause(#[source] BoxError),
}

impl RunError {
    /// An operator's input refused, with what to do instead.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    /// An underlying error, shown as it is.
    pub fn cause(err: impl Into<BoxError>) -> Self {
        Self::Cause(err.into())
    }
}

/// Names what was being done when an error happened (`anyhow` style, typed).
pub trait Context<T> {
    fn context(self, context: impl Into<String>) -> Result<T, RunError>;
}

impl<T, E: Into<BoxError>> Context<T> for Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T, RunError> {
        self.map_err(|source| RunError::Failed {
            context: context.into(),
            source: source.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_before_context_then_cause() {
        let failed: Result<(), RunError> =
            Err(std::io::Error::other("disk full")).context("cannot write creds.json");
        assert_eq!(
            failed.unwrap_err().to_string(),
            "cannot write creds.json: disk full"
        );
        assert_eq!(
            RunError::usage("--fast needs --ticks").to_string(),
            "--fast needs --ticks"
        );
    }
}
