//! The access log: one record per served partner read or command, written
//! durably before the response leaves. Drivers read it to see who accessed
//! their data, what and when.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use vdx_core::{SignalPath, VehicleId};

use crate::entity::access_log;
use crate::{Action, ConsentError, Grant};
use vdx_core::direct::rusqlite as rusqlite_conn;

/// One access record, as the writers insert it.
#[derive(Debug, Clone)]
struct Record {
    request_id: String,
    partner_id: vdx_core::PartnerId,
    app_id: vdx_core::AppId,
    vehicle_id: VehicleId,
    product_id: vdx_core::ProductId,
    purpose: String,
    fields: String,
    at: i64,
    subscription_id: vdx_core::SubscriptionId,
    kind: String,
}

impl Record {
    fn active(self) -> access_log::ActiveModel {
        access_log::ActiveModel {
            request_id: Set(self.request_id),
            partner_id: Set(self.partner_id),
            app_id: Set(self.app_id),
            vehicle_id: Set(self.vehicle_id),
            product_id: Set(self.product_id),
            purpose: Set(self.purpose),
            fields: Set(self.fields),
            at: Set(self.at),
            subscription_id: Set(Some(self.subscription_id)),
            kind: Set(self.kind),
            ..Default::default()
        }
    }
}

fn row<A: Action>(
    grant: &Grant<A>,
    request_id: &str,
    fields: &[SignalPath],
    at_ms: i64,
) -> Result<Record, ConsentError> {
    let fields = serde_json::to_string(fields).map_err(|e| ConsentError::Invalid(e.to_string()))?;
    Ok(Record {
        request_id: request_id.to_owned(),
        partner_id: grant.partner_id(),
        app_id: grant.app_id(),
        vehicle_id: grant.vehicle_id(),
        product_id: grant.product().product_id,
        purpose: grant.purpose().to_string(),
        fields,
        at: at_ms,
        subscription_id: grant.subscription_id(),
        kind: A::NAME.to_owned(),
    })
}

/// Appends one access record for a served request, in its own commit.
/// The gateway's read path uses [`AccessLogWriter`] instead (group commit).
pub async fn record<A: Action>(
    db: &impl ConnectionTrait,
    grant: &Grant<A>,
    request_id: &str,
    fields: &[SignalPath],
    at_ms: i64,
) -> Result<(), ConsentError> {
    row(grant, request_id, fields, at_ms)?
        .active()
        .insert(db)
        .await?;
    Ok(())
}

/// The access-log kind of a command-status read.
pub const COMMAND_STATUS: &str = "command_status";

/// A vehicle's access records, newest first.
pub async fn for_vehicle(
    db: &impl ConnectionTrait,
    vehicle: VehicleId,
    limit: u64,
) -> Result<Vec<crate::AccessRecord>, ConsentError> {
    use sea_orm::QuerySelect;
    Ok(access_log::Entity::find()
        .filter(access_log::Column::VehicleId.eq(vehicle))
        .order_by_desc(access_log::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(crate::AccessRecord::from)
        .collect())
}

/// Metered usage of one subscription over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// Served calls (reads and commands), one per vehicle served.
    pub calls: u64,
    /// Of which commands.
    pub commands: u64,
    /// Distinct vehicles served.
    pub vehicles: u64,
}

/// Aggregates the access log of `subscription` over `[from_ms, to_ms)`.
pub async fn usage(
    db: &impl ConnectionTrait,
    subscription: vdx_core::SubscriptionId,
    from_ms: i64,
    to_ms: i64,
) -> Result<Usage, ConsentError> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ExprTrait, QuerySelect};
    let scope = || {
        access_log::Entity::find()
            .filter(access_log::Column::SubscriptionId.eq(subscription))
            .filter(access_log::Column::At.gte(from_ms))
            .filter(access_log::Column::At.lt(to_ms))
            .select_only()
    };
    let by_kind: Vec<(String, i64)> = scope()
        .column(access_log::Column::Kind)
        .column_as(Expr::col(access_log::Column::Id).count(), "n")
        .group_by(access_log::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let vehicles: Option<i64> = scope()
        .filter(access_log::Column::Kind.is_in(["read", "command"]))
        .column_as(
            Expr::col(access_log::Column::VehicleId).count_distinct(),
            "n",
        )
        .into_tuple()
        .one(db)
        .await?;
    // A count below zero cannot come from the database: an error, not 0.
    let non_negative = |n: i64| {
        u64::try_from(n).map_err(|_| {
            let err = ConsentError::Corrupt("access log usage".into(), format!("a count of {n}"));
            tracing::error!(error = %err, "impossible access log count");
            err
        })
    };
    let count = |kind: &str| {
        by_kind
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, n)| non_negative(*n))
            .sum::<Result<u64, ConsentError>>()
    };
    let commands = count("command")?;
    Ok(Usage {
        calls: count("read")? + commands,
        commands,
        // No row at all means no calls.
        vehicles: vehicles.map(non_negative).transpose()?.unwrap_or(0),
    })
}

/// Group commit for the access log. Requests hand their record to one writer
/// and wait; the writer inserts every record waiting at that moment in one
/// transaction, commits once, and only then answers each request. A record
/// is therefore durable before its response leaves (and survives the process
/// being killed after it), while a busy gateway pays one commit per batch
/// instead of one per request.
///
/// On a SQLite file the writer is a thread of its own with a direct
/// connection (`synchronous=FULL`: each batch's commit is an fsync of the
/// WAL), so a batch costs no thread switch per statement; elsewhere it is a
/// task inserting through sea-orm (multi-row `INSERT`s, one commit).
#[derive(Debug, Clone)]
pub struct AccessLogWriter {
    tx: tokio::sync::mpsc::Sender<Pending>,
}

type Outcome = Result<(), std::sync::Arc<sea_orm::DbErr>>;

struct Pending {
    row: Record,
    /// The batch's outcome, shared by every record in it.
    done: tokio::sync::oneshot::Sender<Outcome>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

/// Most records in one commit.
const MAX_BATCH: usize = 512;

/// Collects what is waiting besides `first`, up to [`MAX_BATCH`].
fn batch_from(first: Pending, rx: &mut tokio::sync::mpsc::Receiver<Pending>) -> Vec<Pending> {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    batch
}

fn answer(waiters: Vec<tokio::sync::oneshot::Sender<Outcome>>, outcome: Outcome) {
    if let Err(e) = &outcome {
        tracing::error!(error = %e, "access log batch failed");
    }
    for waiter in waiters {
        let _ = waiter.send(outcome.clone());
    }
}

impl AccessLogWriter {
    /// Starts the writer: a thread with a direct connection on a SQLite
    /// file, else a task on the current runtime.
    pub fn start(db: sea_orm::DatabaseConnection) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel::<Pending>(4 * MAX_BATCH);
        if let Some(direct) = vdx_core::direct::DirectSqlite::of(&db) {
            let spawned = std::thread::Builder::new()
                .name("vdx-access-log".into())
                .spawn(move || write_direct(&direct, rx));
            if let Err(e) = spawned {
                // Every record then fails with "the writer has stopped": a
                // 503, never a served read without its record.
                tracing::error!(error = %e, "cannot start the access log writer");
            }
        } else {
            tokio::spawn(write_pooled(db, rx));
        }
        Self { tx }
    }

    /// Records one served access; returns once it is committed.
    pub async fn record<A: Action>(
        &self,
        grant: &Grant<A>,
        request_id: &str,
        fields: &[SignalPath],
        at_ms: i64,
    ) -> Result<(), ConsentError> {
        self.submit(row(grant, request_id, fields, at_ms)?).await
    }

    /// Records a partner reading the status of one of its commands (kind
    /// `command_status`: shown to the driver, not metered); returns once committed.
    pub async fn record_status(
        &self,
        grant: &Grant<crate::Command>,
        request_id: &str,
        actuator: &SignalPath,
        at_ms: i64,
    ) -> Result<(), ConsentError> {
        let mut row = row(grant, request_id, std::slice::from_ref(actuator), at_ms)?;
        COMMAND_STATUS.clone_into(&mut row.kind);
        self.submit(row).await
    }

    async fn submit(&self, row: Record) -> Result<(), ConsentError> {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.tx
            .send(Pending { row, done })
            .await
            .map_err(|_| ConsentError::Unavailable("the access log writer has stopped".into()))?;
        wait.await
            .map_err(|_| ConsentError::Unavailable("the access log writer has stopped".into()))?
            .map_err(ConsentError::AccessLog)
    }
}

async fn write_pooled(
    db: sea_orm::DatabaseConnection,
    mut rx: tokio::sync::mpsc::Receiver<Pending>,
) {
    while let Some(first) = rx.recv().await {
        let (rows, waiters): (Vec<_>, Vec<_>) = batch_from(first, &mut rx)
            .into_iter()
            .map(|p| (p.row, p.done))
            .unzip();
        let outcome = commit(&db, rows).await.map_err(std::sync::Arc::new);
        answer(waiters, outcome);
    }
}

/// Rows per INSERT statement.
const ROWS_PER_INSERT: usize = 100;

async fn commit(db: &sea_orm::DatabaseConnection, rows: Vec<Record>) -> Result<(), sea_orm::DbErr> {
    // One statement commits on its own: no BEGIN and COMMIT round trips.
    if rows.len() <= ROWS_PER_INSERT {
        access_log::Entity::insert_many(rows.into_iter().map(Record::active))
            .exec_without_returning(db)
            .await?;
        return Ok(());
    }
    let txn = vdx_core::db::begin_write(db).await?;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        access_log::Entity::insert_many(chunk.iter().cloned().map(Record::active))
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
}

/// The SQLite writer thread: runs until every sender is gone.
fn write_direct(
    direct: &vdx_core::direct::DirectSqlite,
    mut rx: tokio::sync::mpsc::Receiver<Pending>,
) {
    let mut conn = None;
    while let Some(first) = rx.blocking_recv() {
        let (rows, waiters): (Vec<_>, Vec<_>) = batch_from(first, &mut rx)
            .into_iter()
            .map(|p| (p.row, p.done))
            .unzip();
        let outcome = commit_direct(direct, &mut conn, &rows).map_err(|e| {
            // A failed connection is reopened for the next batch.
            conn = None;
            std::sync::Arc::new(sea_orm::DbErr::Custom(format!("access log: {e}")))
        });
        answer(waiters, outcome);
    }
}

fn commit_direct(
    direct: &vdx_core::direct::DirectSqlite,
    conn: &mut Option<rusqlite_conn::Connection>,
    rows: &[Record],
) -> Result<(), rusqlite_conn::Error> {
    if conn.is_none() {
        *conn = Some(direct.writer()?);
    }
    let Some(conn) = conn.as_mut() else {
        return Ok(());
    };
    let txn = conn.transaction_with_behavior(rusqlite_conn::TransactionBehavior::Immediate)?;
    {
        let mut insert = txn.prepare_cached(
            "INSERT INTO access_log (request_id, partner_id, app_id, vehicle_id, product_id, \
             purpose, fields, at, subscription_id, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )?;
        for r in rows {
            insert.execute(rusqlite_conn::params![
                r.request_id,
                r.partner_id.0,
                r.app_id.0,
                r.vehicle_id.0,
                r.product_id.0,
                r.purpose,
                r.fields,
                r.at,
                r.subscription_id.0,
                r.kind,
            ])?;
        }
    }
    txn.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_writer_is_a_server_fault_not_bad_input() {
        // A writer whose task died with its runtime.
        let writer = {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime
                .block_on(async { AccessLogWriter::start(sea_orm::DatabaseConnection::default()) })
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = runtime
            .block_on(writer.submit(Record {
                request_id: String::new(),
                partner_id: vdx_core::PartnerId(0),
                app_id: vdx_core::AppId(0),
                vehicle_id: VehicleId(0),
                product_id: vdx_core::ProductId(0),
                purpose: String::new(),
                fields: String::new(),
                at: 0,
                subscription_id: vdx_core::SubscriptionId(0),
                kind: String::new(),
            }))
            .unwrap_err();
        assert!(matches!(err, ConsentError::Unavailable(_)), "{err:?}");
    }
}
