//! Direct SQLite access for the hot path, beside the sea-orm pool.
//!
//! sqlx's SQLite driver runs every connection on its own worker thread, and
//! every statement and every result row crosses a channel to it: two thread
//! switches per round trip, which was most of a partner read's CPU. The few
//! statements on the hot path (the policy epoch, the ingest sequence, the
//! access-log group commit) go through rusqlite on the same file instead:
//! readers on a connection owned by the calling thread, queried inline (a
//! point lookup in WAL mode costs microseconds, less than a thread switch),
//! and writers on a connection of their own thread. Everything else keeps
//! using sea-orm. Both link the same bundled SQLite.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use rusqlite;
use rusqlite::{Connection, OpenFlags};

/// How long a statement waits for a lock before failing with SQLITE_BUSY
/// (the pool's setting too).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Reader connections one thread keeps (one per database it reads).
const READERS_PER_THREAD: usize = 8;

/// A SQLite database file, opened directly.
#[derive(Debug, Clone)]
pub struct DirectSqlite {
    path: Arc<PathBuf>,
    /// Tells this file's thread-local readers from another instance's.
    key: u64,
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static READERS: RefCell<Vec<(u64, Connection)>> = const { RefCell::new(Vec::new()) };
}

impl DirectSqlite {
    /// The file behind a sea-orm connection, when it is a SQLite file (not
    /// PostgreSQL, not an in-memory database, which no second connection sees).
    pub fn of(db: &sea_orm::DatabaseConnection) -> Option<Self> {
        let sea_orm::DatabaseConnectionType::SqlxSqlitePoolConnection(_) = &db.inner else {
            return None;
        };
        let options = db.get_sqlite_connection_pool().connect_options();
        let path = options.get_filename();
        let raw = path.to_string_lossy();
        if raw.is_empty() || raw.starts_with(":memory:") || raw.contains("mode=memory") {
            return None;
        }
        Some(Self::at(path))
    }

    /// The database file at `path` (which must exist).
    pub fn at(path: &Path) -> Self {
        Self {
            path: Arc::new(path.to_owned()),
            key: NEXT_KEY.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `read` on the calling thread's reader connection to this file,
    /// opening it on first use. Readers are `query_only`: they cannot write.
    pub fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        READERS.with(|cell| {
            let mut readers = cell.borrow_mut();
            let at = match readers.iter().position(|(k, _)| *k == self.key) {
                Some(at) => at,
                None => {
                    let conn = self.open(false)?;
                    if readers.len() >= READERS_PER_THREAD {
                        readers.remove(0);
                    }
                    readers.push((self.key, conn));
                    readers.len() - 1
                }
            };
            read(&readers[at].1)
        })
    }

    /// A connection that writes, with the pool's durability settings: WAL,
    /// `synchronous=FULL` (a commit survives power loss), foreign keys, and a
    /// busy wait behind other writers. For a writer thread of its own.
    pub fn writer(&self) -> rusqlite::Result<Connection> {
        self.open(true)
    }

    fn open(&self, write: bool) -> rusqlite::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(self.path.as_path(), flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        if !write {
            conn.pragma_update(None, "query_only", true)?;
        }
        Ok(conn)
    }
}

/// At most one caller per period: for checks that run inline on the request
/// path but need not run on every request (each SQLite read transaction
/// takes the WAL's shared-memory locks, `fcntl` calls that cost more than
/// the rest of a warm read).
#[derive(Debug)]
pub struct Every {
    origin: std::time::Instant,
    period_ns: u64,
    /// Nanoseconds after `origin` of the last claimed turn, plus one (0: never).
    last: AtomicU64,
}

impl Every {
    pub fn new(period: Duration) -> Self {
        Self {
            origin: std::time::Instant::now(),
            period_ns: u64::try_from(period.as_nanos()).unwrap_or(u64::MAX),
            last: AtomicU64::new(0),
        }
    }

    /// True for the one caller that claims this period's turn.
    pub fn due(&self) -> bool {
        let now = u64::try_from(self.origin.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let last = self.last.load(Ordering::Relaxed);
        (last == 0 || now.saturating_sub(last) >= self.period_ns)
            && self
                .last
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }
}

/// Whether `db` is a PostgreSQL pool (false for a disconnected handle too,
/// where asking its backend would panic).
pub fn is_postgres(db: &sea_orm::DatabaseConnection) -> bool {
    matches!(
        &db.inner,
        sea_orm::DatabaseConnectionType::SqlxPostgresPoolConnection(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_sees_what_a_writer_committed_and_cannot_write() {
        let dir = std::env::temp_dir().join(format!("vdx-direct-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let _ = std::fs::remove_file(&path);
        Connection::open(&path).unwrap();
        let db = DirectSqlite::at(&path);
        let w = db.writer().unwrap();
        w.execute_batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (7);")
            .unwrap();
        let read = |db: &DirectSqlite| {
            db.read(|c| c.query_row("SELECT max(v) FROM t", [], |r| r.get::<_, i64>(0)))
        };
        assert_eq!(read(&db).unwrap(), 7);
        w.execute("INSERT INTO t VALUES (9)", []).unwrap();
        assert_eq!(read(&db).unwrap(), 9, "the next read sees the commit");
        let err = db
            .read(|c| c.execute("INSERT INTO t VALUES (1)", []))
            .unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_period_has_one_turn() {
        let every = Every::new(Duration::from_secs(3600));
        assert!(every.due(), "the first call has the turn");
        assert!(!every.due(), "a second call within the period has none");
        let always = Every::new(Duration::ZERO);
        assert!(always.due() && always.due());
    }
}
