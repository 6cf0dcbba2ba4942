//! Database connection and migrations. SQLite is the embedded default (the
//! file and its directory are created if missing); a postgres:// URL switches
//! to PostgreSQL. Connection errors never show the password.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use vdx_migrations::Migrator;

/// A database URL. Its password reaches neither `Debug` nor `Display` (both
/// print it as `***`); [`DatabaseUrl::expose`] gives the real URL to the
/// code that connects. It serializes in full, for the configuration layers
/// only (figment merges serialized values).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL with its password, for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(url: &str) -> Self {
        Self(url.to_owned())
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Ok(url.into())
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", mask_password(&self.0))
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&mask_password(&self.0))
    }
}

/// Replaces the password in a URL with `***`.
pub fn mask_password(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// Why the database could not be opened or brought up to date. Messages name
/// the database with its password masked.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum DbSetupError {
    /// cannot create {dir} for database {url}: {source}
    CreateDir {
        dir: String,
        url: String,
        source: std::io::Error,
    },
    /// cannot connect to database {url}: {message}
    Connect { url: String, message: String },
    /// migration failed: {0}
    Migrate(#[source] sea_orm::DbErr),
}

/// Opens the pool. For SQLite, creates the parent directory of the file and
/// sets each connection's journal, sync and busy-wait settings.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbSetupError> {
    let masked = mask_password(url);
    if let Some(path) = sqlite_file(url)
        && let Some(dir) = std::path::Path::new(&path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| DbSetupError::CreateDir {
            dir: dir.display().to_string(),
            url: masked.clone(),
            source,
        })?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // Every pooled SQLite connection gets the same settings (a PRAGMA run
        // once would reach only one of them): WAL so readers never block the
        // writer, FULL sync so a commit (an access-log record, a consent
        // change) survives power loss, and a wait instead of SQLITE_BUSY.
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    let db = Database::connect(options)
        .await
        .map_err(|e| DbSetupError::Connect {
            url: masked,
            message: scrub(&e.to_string(), url),
        })?;
    Ok(db)
}

/// Applies pending migrations; a no-op when the schema is current.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbSetupError> {
    Migrator::up(db, None).await.map_err(DbSetupError::Migrate)
}

/// True when every known migration has been applied.
pub async fn migrations_current(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.is_empty())
}

fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.to_owned())
}

/// Drivers sometimes echo the URL in their errors; never let the password through.
fn scrub(message: &str, url: &str) -> String {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
    {
        Some(password) if !password.is_empty() => message.replace(&password, "***"),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_only() {
        assert_eq!(
            mask_password("postgres://vdx:s3cret@db:5432/vdx"),
            "postgres://vdx:***@db:5432/vdx"
        );
        assert_eq!(
            mask_password("sqlite://vdx-data/vdx.db?mode=rwc"),
            "sqlite://vdx-data/vdx.db?mode=rwc"
        );
    }

    #[test]
    fn finds_the_sqlite_file() {
        assert_eq!(
            sqlite_file("sqlite://vdx-data/vdx.db?mode=rwc").as_deref(),
            Some("vdx-data/vdx.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x@y/z"), None);
    }
}
