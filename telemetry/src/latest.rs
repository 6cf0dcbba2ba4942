//! Latest values in memory: a bounded cache of per-vehicle snapshots of
//! `signal_latest`, filled on a miss and updated by the ingest path of the
//! same process, so a warm partner read costs no database statement.
//!
//! **Exactly as fresh as the table on one node.** Ingest updates the cache
//! after its commit and before it acknowledges, and only moves a value
//! forward in time, as the table's upsert does. A miss reads the table
//! outside any lock and stores the snapshot only if no ingest touched the
//! vehicle in between: each vehicle hashes to a stripe whose generation every
//! ingest (and invalidation) raises under the stripe's lock, and the fill
//! checks and stores under the same lock. So a fill that raced an ingest is
//! served once and not remembered.
//!
//! **Writes from elsewhere.**
//! - SQLite: every ingest transaction raises `ingest_seq`; reads check it
//!   inline (one point lookup on the thread's direct connection) at most
//!   once a millisecond across the process. A rise the ingest of this
//!   process does not account for is another process's (`vdx simulate`,
//!   hand-written SQL): the cache starts over. Such writes are therefore
//!   served within about a millisecond; this process's own, at once.
//! - PostgreSQL: every ingest transaction notifies `vdx_latest` with the
//!   vehicles it changed (delivered at commit); the listener invalidates
//!   them ([`LatestCache::invalidate`]). While the listener is down the cache
//!   is bypassed, and it starts over empty once the listener is back.
//!
//! **Bounded by memory**: entries are weighed in bytes (see [`weight`]) and
//! the cache (quick_cache's CLOCK-Pro) keeps the hot set within
//! `capacity_bytes`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use quick_cache::Weighter;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::Value;
use vdx_core::direct::DirectSqlite;
use vdx_core::{SignalPath, VehicleId};

use crate::TelemetryError;

/// The PostgreSQL channel ingest notifies, payload `{instance}:{id},{id},…`.
pub const CHANNEL: &str = "vdx_latest";

/// The default bound of the cache.
pub const DEFAULT_CAPACITY_BYTES: u64 = 256 * 1024 * 1024;

const STRIPES: usize = 1024;

/// One signal's latest stored value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stored {
    pub path: SignalPath,
    pub value: Value,
    pub observed_at_ms: i64,
}

/// Every latest value of one vehicle, in path order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Snapshot {
    pub values: Vec<Stored>,
}

impl Snapshot {
    /// This snapshot with `changes` applied as the table's upsert applies
    /// them: a value replaces the stored one only if observed later.
    fn merged(&self, changes: &[Stored]) -> Self {
        let mut values = self.values.clone();
        for change in changes {
            match values.binary_search_by(|v| v.path.as_str().cmp(change.path.as_str())) {
                Ok(at) if values[at].observed_at_ms < change.observed_at_ms => {
                    values[at] = change.clone();
                }
                Ok(_) => {}
                Err(at) => values.insert(at, change.clone()),
            }
        }
        Self { values }
    }
}

/// The bytes an entry holds, roughly: the vector, each path, each value.
pub fn weight(values: usize, text_bytes: usize) -> u64 {
    (std::mem::size_of::<Snapshot>()
        + 64 // the cache's own entry and the Arc
        + values * std::mem::size_of::<Stored>()
        + text_bytes) as u64
}

fn weigh(snapshot: &Snapshot) -> u64 {
    let text: usize = snapshot
        .values
        .iter()
        .map(|v| v.path.as_str().len() + value_bytes(&v.value))
        .sum();
    weight(snapshot.values.len(), text)
}

fn value_bytes(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(|v| 32 + value_bytes(v)).sum(),
        Value::Object(o) => o.iter().map(|(k, v)| k.len() + 48 + value_bytes(v)).sum(),
        _ => 0,
    }
}

#[derive(Clone)]
struct Weigh;

impl Weighter<VehicleId, Arc<Snapshot>> for Weigh {
    fn weight(&self, _: &VehicleId, snapshot: &Arc<Snapshot>) -> u64 {
        weigh(snapshot)
    }
}

/// How the cache learns of other processes' ingest.
#[derive(Debug)]
enum Foreign {
    /// SQLite file: the `ingest_seq` counter, read inline.
    Sequence {
        direct: DirectSqlite,
        /// Checked inline at most this often (each check is a read
        /// transaction, whose WAL locks cost more than a warm read).
        every: vdx_core::direct::Every,
        /// The highest sequence this process has accounted for.
        known: AtomicU64,
        /// Sequences of this process's ingest committed ahead of `known`.
        ahead: Mutex<BTreeSet<u64>>,
    },
    /// PostgreSQL: notifications, while the listener is live.
    Notified,
    /// No second writer can exist (in-memory SQLite).
    None,
}

/// The latest-values cache of one process.
#[derive(Clone)]
pub struct LatestCache {
    inner: Arc<Inner>,
}

struct Inner {
    cache: quick_cache::sync::Cache<VehicleId, Arc<Snapshot>, Weigh>,
    stripes: Box<[Mutex<u64>]>,
    /// Raised by every clear, so a fill that started before one is dropped.
    clears: AtomicU64,
    /// False while notifications may be lost (PostgreSQL listener down).
    live: AtomicBool,
    foreign: Foreign,
    /// Tells this process's own notifications from other replicas'.
    instance: u64,
    capacity_bytes: u64,
}

impl std::fmt::Debug for LatestCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LatestCache")
            .field("vehicles", &self.len())
            .field("bytes", &self.weight())
            .finish()
    }
}

impl LatestCache {
    /// A cache over `db`'s `signal_latest`, holding at most about
    /// `capacity_bytes`. On PostgreSQL it is bypassed until a listener calls
    /// [`set_live`](Self::set_live).
    pub fn new(db: &DatabaseConnection, capacity_bytes: u64) -> Self {
        let (foreign, live) = match (vdx_core::direct::is_postgres(db), DirectSqlite::of(db)) {
            (true, _) => (Foreign::Notified, false),
            (false, Some(direct)) => (
                Foreign::Sequence {
                    direct,
                    every: vdx_core::direct::Every::new(vdx_consent::watch::INLINE_CHECK),
                    known: AtomicU64::new(0),
                    ahead: Mutex::new(BTreeSet::new()),
                },
                true,
            ),
            (false, None) => (Foreign::None, true),
        };
        // A vehicle of the demo's products weighs about 2 KiB.
        let items = usize::try_from(capacity_bytes / 2048)
            .unwrap_or(usize::MAX)
            .max(16);
        let inner = Inner {
            cache: quick_cache::sync::Cache::with_weighter(items, capacity_bytes.max(1), Weigh),
            stripes: (0..STRIPES).map(|_| Mutex::new(0)).collect(),
            clears: AtomicU64::new(0),
            live: AtomicBool::new(live),
            foreign,
            instance: rand::random::<u64>() >> 1,
            capacity_bytes,
        };
        let cache = Self {
            inner: Arc::new(inner),
        };
        // Start from the counter as it is: what was written before is not cached.
        if let Foreign::Sequence { known, .. } = &cache.inner.foreign
            && let Ok(seq) = cache.sequence()
        {
            known.store(seq, Ordering::Release);
        }
        cache
    }

    /// Vehicles held.
    pub fn len(&self) -> usize {
        self.inner.cache.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held, by the cache's weighing.
    pub fn weight(&self) -> u64 {
        self.inner.cache.weight()
    }

    pub fn capacity_bytes(&self) -> u64 {
        self.inner.capacity_bytes
    }

    /// This process's id in `vdx_latest` payloads.
    pub fn instance(&self) -> u64 {
        self.inner.instance
    }

    /// Whether reads use the cache (false while notifications may be lost).
    pub fn is_live(&self) -> bool {
        self.inner.live.load(Ordering::Acquire)
    }

    /// The listener is listening (`true`; the cache starts over empty, since
    /// notifications before may be lost) or down (`false`: reads bypass the
    /// cache).
    pub fn set_live(&self, live: bool) {
        if live {
            self.clear();
        }
        self.inner.live.store(live, Ordering::Release);
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.inner.clears.fetch_add(1, Ordering::AcqRel);
        self.inner.cache.clear();
    }

    fn stripe(&self, vehicle: VehicleId) -> &Mutex<u64> {
        let at = usize::try_from(vehicle.0.rem_euclid(STRIPES as i64)).unwrap_or(0);
        &self.inner.stripes[at]
    }

    /// A `vdx_latest` notification: forget the vehicles another process
    /// changed. This process's own are already applied.
    pub fn notified(&self, payload: &str) {
        let Some((instance, ids)) = payload.split_once(':') else {
            tracing::warn!(payload, "ignored a malformed latest-values notification");
            return;
        };
        if instance.parse::<u64>().ok() == Some(self.inner.instance) {
            return;
        }
        let ids: Vec<VehicleId> = ids
            .split(',')
            .filter_map(|id| id.parse::<i64>().ok().map(VehicleId))
            .collect();
        self.invalidate(&ids);
    }

    /// Forgets `vehicles`, and drops any fill of them in flight.
    pub fn invalidate(&self, vehicles: &[VehicleId]) {
        for &vehicle in vehicles {
            let mut generation = lock(self.stripe(vehicle));
            *generation += 1;
            self.inner.cache.remove(&vehicle);
        }
    }

    /// Applies committed ingest to the cached vehicles (those not cached
    /// stay so: their other values are unknown here). `seq` is the ingest
    /// sequence the transaction raised (SQLite), accounted for afterwards.
    pub(crate) fn apply(&self, changes: &[(VehicleId, Vec<Stored>)], seq: Option<u64>) {
        for (vehicle, values) in changes {
            let mut generation = lock(self.stripe(*vehicle));
            *generation += 1;
            if let Some(old) = self.inner.cache.get(vehicle) {
                let new = Arc::new(old.merged(values));
                self.inner.cache.insert(*vehicle, new);
            }
        }
        if let (Some(seq), Foreign::Sequence { known, ahead, .. }) = (seq, &self.inner.foreign) {
            let mut ahead = lock(ahead);
            let mut at = known.load(Ordering::Acquire);
            if seq > at {
                ahead.insert(seq);
                while ahead.remove(&(at + 1)) {
                    at += 1;
                }
                known.store(at, Ordering::Release);
                // Gaps that never close are another process's commits,
                // which the next read's check clears for; keep this bounded.
                if ahead.len() > 1024 {
                    ahead.clear();
                }
            }
        }
    }

    fn sequence(&self) -> Result<u64, TelemetryError> {
        let Foreign::Sequence { direct, .. } = &self.inner.foreign else {
            return Ok(0);
        };
        direct
            .read(|c| {
                c.prepare_cached("SELECT seq FROM ingest_seq WHERE id = 1")?
                    .query_row([], |row| row.get::<_, i64>(0))
            })
            .map(|seq| u64::try_from(seq).unwrap_or(0))
            .map_err(|e| {
                TelemetryError::Db(sea_orm::DbErr::Custom(format!("ingest sequence: {e}")))
            })
    }

    /// SQLite: clears the cache when another process has ingested since.
    fn check_foreign(&self) -> Result<(), TelemetryError> {
        let Foreign::Sequence {
            known,
            ahead,
            every,
            ..
        } = &self.inner.foreign
        else {
            return Ok(());
        };
        if !every.due() {
            return Ok(());
        }
        let seq = self.sequence()?;
        if seq <= known.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut ahead = lock(ahead);
        let mut at = known.load(Ordering::Acquire);
        while ahead.remove(&(at + 1)) {
            at += 1;
        }
        if seq > at {
            // Commits this process has not applied: another writer's (or
            // one of ours still applying, which then finds nothing to merge).
            self.clear();
            ahead.retain(|s| *s > seq);
            at = seq;
        }
        known.store(at, Ordering::Release);
        Ok(())
    }

    /// The latest values of `vehicle`: from memory when cached and live,
    /// else read from the table (and remembered, unless an ingest or a clear
    /// raced the read).
    pub(crate) async fn get(
        &self,
        db: &impl ConnectionTrait,
        vehicle: VehicleId,
    ) -> Result<Arc<Snapshot>, TelemetryError> {
        if !self.is_live() {
            return Ok(Arc::new(load(db, vehicle).await?));
        }
        self.check_foreign()?;
        if let Some(snapshot) = self.inner.cache.get(&vehicle) {
            return Ok(snapshot);
        }
        let generation = *lock(self.stripe(vehicle));
        let clears = self.inner.clears.load(Ordering::Acquire);
        let snapshot = Arc::new(load(db, vehicle).await?);
        let current = lock(self.stripe(vehicle));
        if *current == generation
            && self.inner.clears.load(Ordering::Acquire) == clears
            && self.is_live()
        {
            self.inner.cache.insert(vehicle, Arc::clone(&snapshot));
        }
        drop(current);
        Ok(snapshot)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every latest value of one vehicle from the table, in path order. The
/// database folds them into one JSON array, so the driver hands over one row
/// instead of one per signal.
async fn load(db: &impl ConnectionTrait, vehicle: VehicleId) -> Result<Snapshot, TelemetryError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT COALESCE(json_agg(json_build_array(path, value, observed_at) ORDER BY path), '[]')::text \
             FROM signal_latest WHERE vehicle_id = $1"
        }
        _ => {
            "SELECT COALESCE(json_group_array(json_array(path, value, observed_at)), '[]') \
             FROM (SELECT path, value, observed_at FROM signal_latest WHERE vehicle_id = ? ORDER BY path)"
        }
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [vehicle.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(Snapshot::default());
    };
    let folded: String = row.try_get_by_index(0)?;
    let rows: Vec<(String, String, i64)> = serde_json::from_str(&folded)
        .map_err(|e| TelemetryError::Corrupt(format!("vehicle {vehicle}"), e.to_string()))?;
    let mut values = Vec::with_capacity(rows.len());
    for (raw_path, raw_value, observed_at_ms) in rows {
        // A path the catalog could not have produced is not served.
        let Ok(path) = SignalPath::parse(&raw_path) else {
            continue;
        };
        let value: Value = serde_json::from_str(&raw_value)
            .map_err(|e| TelemetryError::Corrupt(raw_path.clone(), e.to_string()))?;
        values.push(Stored {
            path,
            value,
            observed_at_ms,
        });
    }
    // The database's collation and Rust's byte order agree on ASCII paths;
    // sort anyway, since merging relies on it.
    values.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
    Ok(Snapshot { values })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(path: &str, value: i64, at: i64) -> Stored {
        Stored {
            path: SignalPath::parse(path).unwrap(),
            value: Value::from(value),
            observed_at_ms: at,
        }
    }

    #[test]
    fn a_merge_moves_values_forward_in_time_only() {
        let old = Snapshot {
            values: vec![stored("Vehicle.A", 1, 10), stored("Vehicle.C", 3, 10)],
        };
        let new = old.merged(&[
            stored("Vehicle.A", 9, 5),
            stored("Vehicle.B", 2, 7),
            stored("Vehicle.C", 4, 11),
            stored("Vehicle.C", 5, 11),
        ]);
        assert_eq!(
            new.values,
            vec![
                stored("Vehicle.A", 1, 10),
                stored("Vehicle.B", 2, 7),
                stored("Vehicle.C", 4, 11),
            ]
        );
    }
}
