//! The one classification of storage constraint violations, shared by every
//! domain crate's `From<DbErr>`: a write refused by a unique index (a
//! duplicate, e.g. two requests racing past a friendly pre-check) or by a
//! foreign key (a reference to a row that does not exist). The edge answers
//! them 409 and 422 with stable codes instead of 500. No HTTP here, and no
//! string matching on database messages: `DbErr::sql_err` reads the
//! backend's error code (SQLite and PostgreSQL alike).

use sea_orm::{DbErr, SqlErr};

/// A write refused by a constraint. The message is the database's, for the
/// logs: it names the index and may quote values, so it is never sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// A unique index (or primary key) already holds these values.
    #[error("unique constraint violated: {0}")]
    Unique(String),
    /// A foreign key refers to a row that does not exist, or a row is still
    /// referred to.
    #[error("foreign key constraint violated: {0}")]
    ForeignKey(String),
}

/// `Some` when `err` is a constraint violation, `None` for any other error.
pub fn violation(err: &DbErr) -> Option<Violation> {
    match err.sql_err()? {
        SqlErr::UniqueConstraintViolation(message) => Some(Violation::Unique(message)),
        SqlErr::ForeignKeyConstraintViolation(message) => Some(Violation::ForeignKey(message)),
        _ => None,
    }
}

/// Implements `From<DbErr>` for a domain crate's error enum, which must have
/// the variants `Db(DbErr)` and `Constraint(Violation)`. Every database error
/// then passes there (`?` on a `DbErr`): a constraint violation becomes
/// `Constraint`, so a duplicate that raced past a pre-check is a conflict,
/// not a 500.
#[macro_export]
macro_rules! db_error_from {
    ($error:ty) => {
        impl From<::sea_orm::DbErr> for $error {
            fn from(err: ::sea_orm::DbErr) -> Self {
                match $crate::constraint::violation(&err) {
                    Some(violation) => Self::Constraint(violation),
                    None => Self::Db(err),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database};

    use super::*;

    #[tokio::test]
    async fn unique_and_foreign_key_violations_are_told_apart_from_other_errors() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        for sql in [
            "PRAGMA foreign_keys = ON",
            "CREATE TABLE parent (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE)",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id))",
            "INSERT INTO parent (id, slug) VALUES (1, 'a')",
        ] {
            db.execute_unprepared(sql).await.unwrap();
        }
        let duplicate = db
            .execute_unprepared("INSERT INTO parent (id, slug) VALUES (2, 'a')")
            .await
            .unwrap_err();
        assert!(matches!(violation(&duplicate), Some(Violation::Unique(_))));
        let dangling = db
            .execute_unprepared("INSERT INTO child (id, parent_id) VALUES (1, 99)")
            .await
            .unwrap_err();
        assert!(matches!(
            violation(&dangling),
            Some(Violation::ForeignKey(_))
        ));
        let other = db
            .execute_unprepared("INSERT INTO nowhere VALUES (1)")
            .await
            .unwrap_err();
        assert_eq!(violation(&other), None);
        assert_eq!(violation(&DbErr::Custom("x".into())), None);
    }
}
