//! Where a request gets the policy epoch without a database round trip.
//!
//! The epoch ([`crate::policy_epoch`]) is raised by the database's triggers in
//! the same transaction as any change a decision reads. Remembered decisions
//! and token checks are valid only at the epoch they were made under, so
//! every request needs the current epoch, and reading it from the database
//! each time was a round trip per request. A [`PolicyWatch`] answers it from
//! memory where that is exact, and from the database where it is not:
//!
//! Wherever it comes from, the node that writes raises the epoch itself
//! before it answers ([`PolicyWatch::refresh`], called by the gateway after
//! every request that may have changed policy), so its own next request sees
//! the change.
//!
//! - **SQLite file**: besides, a request checks the epoch row inline, on the
//!   calling thread's own direct connection (no thread switch), at most once
//!   per [`INLINE_CHECK`] across the process: that catches another process's
//!   commit or hand-written SQL within a millisecond. (A check on every
//!   request cost more than the rest of a warm read: each read transaction
//!   takes the WAL's shared-memory locks with `fcntl`.)
//! - **PostgreSQL**: pushed. The triggers `NOTIFY vdx_policy` with the new
//!   value, delivered at commit; a listener (started by the caller, see
//!   `vdx_telemetry::gate::feed`) hands each one to [`PolicyWatch::notified`].
//!   Notifications sent while the listener is disconnected are
//!   lost: from the moment the listener is known to be down until it has
//!   listened again and re-read the epoch, every request reads the epoch from
//!   the database ([`PolicyWatch::set_live`]). A short poll
//!   ([`PolicyWatch::poll`]) bounds the staleness even when a connection dies
//!   silently.
//! - **Anything else** (an in-memory SQLite): read per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use sea_orm::{ConnectionTrait, DatabaseConnection};
use vdx_core::direct::DirectSqlite;

use crate::ConsentError;

/// The statement every source reads.
pub const EPOCH_SQL: &str = "SELECT epoch FROM policy_epoch WHERE id = 1";

/// The PostgreSQL channel the epoch triggers notify, with the new epoch as payload.
pub const CHANNEL: &str = "vdx_policy";

/// How often a SQLite gateway checks the epoch row inline for other
/// processes' writes.
pub const INLINE_CHECK: std::time::Duration = std::time::Duration::from_millis(1);

/// The policy epoch of one process.
#[derive(Debug, Clone)]
pub struct PolicyWatch {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The newest epoch known (pushed mode).
    epoch: AtomicI64,
    /// Whether the listener is connected and listening (pushed mode).
    live: AtomicBool,
    /// A poll that read an epoch lower than the known one; a second such
    /// read in a row means the counter really went back (a restore).
    lower_seen: AtomicBool,
    source: Source,
}

#[derive(Debug)]
enum Source {
    Inline(DirectSqlite, vdx_core::direct::Every),
    Pushed,
    Read,
}

/// How a watch gets the epoch, for `/metrics` and the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read inline on a direct SQLite connection.
    Inline,
    /// Pushed by notifications, the listener connected.
    Pushed,
    /// Read from the database per request (listener down, or no push at all).
    Read,
}

impl PolicyWatch {
    /// The watch for `db`: inline on a SQLite file, pushed on PostgreSQL
    /// (not live until a listener calls [`set_live`](Self::set_live)), read
    /// per request otherwise.
    pub fn for_database(db: &DatabaseConnection) -> Self {
        let source = match (vdx_core::direct::is_postgres(db), DirectSqlite::of(db)) {
            (true, _) => Source::Pushed,
            (false, Some(direct)) => {
                Source::Inline(direct, vdx_core::direct::Every::new(INLINE_CHECK))
            }
            (false, None) => Source::Read,
        };
        Self {
            inner: Arc::new(Inner {
                epoch: AtomicI64::new(i64::MIN),
                live: AtomicBool::new(false),
                lower_seen: AtomicBool::new(false),
                source,
            }),
        }
    }

    /// Whether the epoch arrives by notification (PostgreSQL): then the caller
    /// runs a listener and a poll.
    pub fn is_pushed(&self) -> bool {
        matches!(self.inner.source, Source::Pushed)
    }

    /// How the next request will get the epoch.
    pub fn mode(&self) -> Mode {
        match self.inner.source {
            Source::Inline(..) => Mode::Inline,
            Source::Pushed if self.inner.live.load(Ordering::Acquire) => Mode::Pushed,
            Source::Pushed | Source::Read => Mode::Read,
        }
    }

    /// The current policy epoch, for a request about to decide.
    pub async fn current(&self, db: &impl ConnectionTrait) -> Result<i64, ConsentError> {
        match &self.inner.source {
            Source::Inline(direct, every) => {
                if every.due() || self.inner.epoch.load(Ordering::Acquire) == i64::MIN {
                    self.observed(inline(direct)?);
                }
                Ok(self.inner.epoch.load(Ordering::Acquire))
            }
            Source::Pushed if self.inner.live.load(Ordering::Acquire) => {
                Ok(self.inner.epoch.load(Ordering::Acquire))
            }
            Source::Pushed => self.refresh(db).await,
            Source::Read => crate::policy_epoch(db).await,
        }
    }

    /// Reads the epoch from the database and publishes it. The writing node
    /// calls this after a commit that may have changed policy, before it
    /// answers, so that its own next request sees the change.
    pub async fn refresh(&self, db: &impl ConnectionTrait) -> Result<i64, ConsentError> {
        let epoch = match &self.inner.source {
            Source::Inline(direct, _) => inline(direct)?,
            _ => crate::policy_epoch(db).await?,
        };
        self.raise(epoch);
        Ok(epoch)
    }

    /// A notification's payload: the epoch a committed transaction raised
    /// the counter to. Out-of-order deliveries never lower it.
    pub fn notified(&self, payload: &str) {
        match payload.trim().parse::<i64>() {
            Ok(epoch) => self.raise(epoch),
            Err(_) => tracing::warn!(
                payload,
                "ignored a policy notification that is not an epoch"
            ),
        }
    }

    /// The listener is connected and listening (`true`, after it has
    /// listened and re-read the epoch) or known to be down (`false`: requests
    /// read the epoch from the database until it is back).
    pub fn set_live(&self, live: bool) {
        self.inner.live.store(live, Ordering::Release);
    }

    /// One poll: reads the epoch and raises the known one to it. A lower
    /// value read twice in a row is taken as it is: the counter went back (a
    /// restore), and the caches keyed by the epoch start over.
    pub async fn poll(&self, db: &impl ConnectionTrait) -> Result<(), ConsentError> {
        self.observed(crate::policy_epoch(db).await?);
        Ok(())
    }

    /// An epoch read from the database by a check that may have raced a
    /// write's refresh: raises the known one, or lowers it when read lower
    /// twice in a row.
    fn observed(&self, epoch: i64) {
        let known = self.inner.epoch.load(Ordering::Acquire);
        if epoch < known {
            if self.inner.lower_seen.swap(true, Ordering::AcqRel) {
                self.inner.epoch.store(epoch, Ordering::Release);
                self.inner.lower_seen.store(false, Ordering::Release);
            }
        } else {
            self.inner.lower_seen.store(false, Ordering::Release);
            self.raise(epoch);
        }
    }

    fn raise(&self, epoch: i64) {
        self.inner.epoch.fetch_max(epoch, Ordering::AcqRel);
    }
}

fn inline(direct: &DirectSqlite) -> Result<i64, ConsentError> {
    direct
        .read(|c| {
            c.prepare_cached(EPOCH_SQL)?
                .query_row([], |row| row.get::<_, i64>(0))
        })
        .map_err(|e| ConsentError::Db(sea_orm::DbErr::Custom(format!("policy epoch: {e}"))))
}
