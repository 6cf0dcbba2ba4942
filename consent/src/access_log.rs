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

fn row<A: Action>(
    grant: &Grant<A>,
    request_id: &str,
    fields: &[SignalPath],
    at_ms: i64,
) -> Result<access_log::ActiveModel, ConsentError> {
    let fields = serde_json::to_string(fields).map_err(|e| ConsentError::Invalid(e.to_string()))?;
    Ok(access_log::ActiveModel {
        request_id: Set(request_id.to_owned()),
        partner_id: Set(grant.partner_id()),
        app_id: Set(grant.app_id()),
        vehicle_id: Set(grant.vehicle_id()),
        product_id: Set(grant.product().product_id),
        purpose: Set(grant.purpose().to_string()),
        fields: Set(fields),
        at: Set(at_ms),
        subscription_id: Set(Some(grant.subscription_id())),
        kind: Set(A::NAME.to_owned()),
        ..Default::default()
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
    row(grant, request_id, fields, at_ms)?.insert(db).await?;
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
/// task and wait; the writer inserts every record waiting at that moment in
/// one transaction, commits once, and only then answers each request. A
/// record is therefore durable before its response leaves, while a busy
/// gateway pays one commit per batch instead of one per request.
#[derive(Debug, Clone)]
pub struct AccessLogWriter {
    tx: tokio::sync::mpsc::Sender<Pending>,
}

struct Pending {
    row: access_log::ActiveModel,
    /// The batch's outcome, shared by every record in it.
    done: tokio::sync::oneshot::Sender<Result<(), std::sync::Arc<sea_orm::DbErr>>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

/// Most records in one commit.
const MAX_BATCH: usize = 512;

impl AccessLogWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: sea_orm::DatabaseConnection) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Pending>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (rows, waiters): (Vec<_>, Vec<_>) =
                    batch.into_iter().map(|p| (p.row, p.done)).unzip();
                let outcome = commit(&db, rows).await.map_err(std::sync::Arc::new);
                if let Err(e) = &outcome {
                    tracing::error!(error = %e, "access log batch failed");
                }
                for waiter in waiters {
                    let _ = waiter.send(outcome.clone());
                }
            }
        });
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
        row.kind = Set(COMMAND_STATUS.to_owned());
        self.submit(row).await
    }

    async fn submit(&self, row: access_log::ActiveModel) -> Result<(), ConsentError> {
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

async fn commit(
    db: &sea_orm::DatabaseConnection,
    rows: Vec<access_log::ActiveModel>,
) -> Result<(), sea_orm::DbErr> {
    let txn = vdx_core::db::begin_write(db).await?;
    for chunk in rows.chunks(100) {
        access_log::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
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
            .block_on(writer.submit(<access_log::ActiveModel as Default>::default()))
            .unwrap_err();
        assert!(matches!(err, ConsentError::Unavailable(_)), "{err:?}");
    }
}
