//! Partner commands to vehicles (start/stop charging, charge limit, lock):
//! the actuators a product declares. Only a `Grant<Command>` can enqueue one.
//!
//! Lifecycle: `queued` → `delivered` (the car picked it up) → `executed` |
//! `failed`; a command not finished by its expiry is `expired` (a car that
//! stays offline never gets it); a newer command to the same actuator of the
//! same vehicle, from any partner, makes an unfinished older one `superseded`.
//! An `Idempotency-Key` names one command per app: repeating the request
//! returns the first command; reusing the key for another command is refused.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter,
};
use serde_json::Value;
use vdx_consent::{Command, Grant};
use vdx_core::{AppId, ProductSlug, Purpose, SignalPath, VehicleId, Vin};

use crate::TelemetryError;
use crate::entity::command;
use crate::validate::Rule;

/// Where a command is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Queued,
    Delivered,
    Executed,
    Failed,
    Expired,
    Superseded,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Delivered => "delivered",
            Self::Executed => "executed",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Superseded => "superseded",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Delivered,
            Self::Executed,
            Self::Failed,
            Self::Expired,
            Self::Superseded,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

const OPEN: [&str; 2] = ["queued", "delivered"];

/// A command to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCommand {
    pub actuator: SignalPath,
    pub value: Value,
    pub idempotency_key: Option<String>,
    /// How long the command may wait for the car.
    pub ttl_ms: i64,
}

/// A command as its partner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandView {
    pub id: i64,
    pub vin: String,
    pub vehicle_id: VehicleId,
    pub actuator: String,
    pub value: Value,
    pub status: Status,
    pub reason: Option<String>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub updated_at_ms: i64,
}

impl CommandView {
    /// The command stored in `row`. An unknown status or a value that is not
    /// JSON is a corrupt row: logged and an error, never shown as `failed`
    /// or `null`.
    fn of(row: command::Model, now_ms: i64) -> Result<Self, TelemetryError> {
        let corrupt = |detail: String| {
            let err = TelemetryError::Corrupt(format!("command {}", row.id), detail);
            tracing::error!(error = %err, "corrupt command row");
            err
        };
        let mut status = Status::parse(&row.status)
            .ok_or_else(|| corrupt(format!("unknown status {:?}", row.status)))?;
        let value = serde_json::from_str(&row.value)
            .map_err(|e| corrupt(format!("the value is not JSON: {e}")))?;
        if matches!(status, Status::Queued | Status::Delivered) && now_ms > row.expires_at {
            status = Status::Expired;
        }
        Ok(Self {
            id: row.id,
            vin: row.vin,
            vehicle_id: row.vehicle_id,
            actuator: row.actuator,
            value,
            status,
            reason: row.reason,
            created_at_ms: row.created_at,
            expires_at_ms: row.expires_at,
            updated_at_ms: row.updated_at,
        })
    }
}

/// Enqueues a command under a command grant; `replayed` is true when the
/// Idempotency-Key named an earlier, identical command, which is returned.
/// Writes the access-log record (kind `command`).
#[tracing::instrument(skip_all, fields(vehicle = %grant.vehicle_id(), actuator = %new.actuator))]
pub(crate) async fn enqueue(
    db: &DatabaseConnection,
    grant: &Grant<Command>,
    new: &NewCommand,
    request_id: &str,
    now_ms: i64,
) -> Result<(CommandView, bool), TelemetryError> {
    let product = grant.product();
    if !product.commands.contains(&new.actuator) {
        return Err(TelemetryError::InvalidCommand(format!(
            "{} is not a command of {}",
            new.actuator, product.slug
        )));
    }
    let rule = vdx_catalog::vss::find_signal(db, new.actuator.as_str())
        .await?
        .and_then(|row| Rule::of(&row))
        .ok_or_else(|| {
            TelemetryError::InvalidCommand(format!("{} is not in the catalog", new.actuator))
        })?;
    rule.check(&new.value)
        .map_err(|e| TelemetryError::InvalidCommand(format!("{}: {e}", new.actuator)))?;
    let value = new.value.to_string();
    let txn = vdx_core::db::begin_write(db).await?;
    if let Some(key) = &new.idempotency_key {
        let earlier = command::Entity::find()
            .filter(command::Column::AppId.eq(grant.app_id()))
            .filter(command::Column::IdempotencyKey.eq(key.as_str()))
            .one(&txn)
            .await?;
        if let Some(earlier) = earlier {
            let same = earlier.vehicle_id == grant.vehicle_id()
                && earlier.actuator == new.actuator.as_str()
                && earlier.value == value;
            if !same {
                return Err(TelemetryError::IdempotencyKeyReused);
            }
            return answer(txn, grant, request_id, new, earlier, now_ms, true).await;
        }
    }
    let row = command::ActiveModel {
        vehicle_id: Set(grant.vehicle_id()),
        vin: Set(grant.vin().to_string()),
        app_id: Set(grant.app_id()),
        partner_id: Set(grant.partner_id()),
        subscription_id: Set(grant.subscription_id()),
        product_id: Set(product.product_id),
        actuator: Set(new.actuator.to_string()),
        value: Set(value),
        status: Set(Status::Queued.as_str().to_owned()),
        idempotency_key: Set(new.idempotency_key.clone()),
        reason: Set(None),
        superseded_by: Set(None),
        purpose: Set(Some(grant.purpose().to_string())),
        created_at: Set(now_ms),
        expires_at: Set(now_ms.saturating_add(new.ttl_ms)),
        updated_at: Set(now_ms),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // The newer command wins: unfinished ones to the same actuator are superseded.
    command::Entity::update_many()
        .col_expr(
            command::Column::Status,
            Expr::value(Status::Superseded.as_str()),
        )
        .col_expr(command::Column::SupersededBy, Expr::value(row.id))
        .col_expr(command::Column::UpdatedAt, Expr::value(now_ms))
        .filter(command::Column::VehicleId.eq(grant.vehicle_id()))
        .filter(command::Column::Actuator.eq(new.actuator.as_str()))
        .filter(command::Column::Status.is_in(OPEN))
        .filter(command::Column::ExpiresAt.gte(now_ms))
        .filter(command::Column::Id.ne(row.id))
        .exec(&txn)
        .await?;
    answer(txn, grant, request_id, new, row, now_ms, false).await
}

/// The end of [`enqueue`], for a new command and a replayed one alike: the
/// access-log record in the same transaction, the commit, then the view.
async fn answer(
    txn: DatabaseTransaction,
    grant: &Grant<Command>,
    request_id: &str,
    new: &NewCommand,
    row: command::Model,
    now_ms: i64,
    replayed: bool,
) -> Result<(CommandView, bool), TelemetryError> {
    vdx_consent::access_log::record(
        &txn,
        grant,
        request_id,
        std::slice::from_ref(&new.actuator),
        now_ms,
    )
    .await?;
    txn.commit().await?;
    Ok((CommandView::of(row, now_ms)?, replayed))
}

/// What a partner needs to ask the consent decision before it may see one of
/// its commands: the vehicle, product and purpose the command was sent under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandTarget {
    pub vin: Vin,
    pub product: ProductSlug,
    pub purpose: Purpose,
}

/// The target of command `id` of this app; `None` for another app's command,
/// an unknown id, or a command older than purposes. The caller must take the
/// target to the consent decision and read the status with the grant.
pub(crate) async fn target(
    db: &impl ConnectionTrait,
    app: AppId,
    id: i64,
) -> Result<Option<CommandTarget>, TelemetryError> {
    let Some(row) = command::Entity::find_by_id(id)
        .filter(command::Column::AppId.eq(app))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(product) = vdx_catalog::product::find_product_by_id(db, row.product_id).await? else {
        return Ok(None);
    };
    let parsed = (
        Vin::parse(&row.vin),
        ProductSlug::parse(&product.slug),
        row.purpose.as_deref().map(Purpose::parse),
    );
    Ok(match parsed {
        (Ok(vin), Ok(product), Some(Ok(purpose))) => Some(CommandTarget {
            vin,
            product,
            purpose,
        }),
        _ => None,
    })
}

/// Command `id` under a command grant: only a command of the grant's app,
/// vehicle, product and purpose. Writes the access-log record (kind
/// `command_status`, not metered).
pub(crate) async fn status(
    db: &impl ConnectionTrait,
    log: &vdx_consent::access_log::AccessLogWriter,
    grant: &Grant<Command>,
    id: i64,
    request_id: &str,
    now_ms: i64,
) -> Result<Option<CommandView>, TelemetryError> {
    let Some(row) = command::Entity::find_by_id(id)
        .filter(command::Column::AppId.eq(grant.app_id()))
        .filter(command::Column::VehicleId.eq(grant.vehicle_id()))
        .filter(command::Column::ProductId.eq(grant.product().product_id))
        .filter(command::Column::Purpose.eq(grant.purpose().as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let actuator = SignalPath::parse(&row.actuator)
        .map_err(|e| TelemetryError::InvalidCommand(e.to_string()))?;
    log.record_status(grant, request_id, &actuator, now_ms)
        .await?;
    Ok(Some(CommandView::of(row, now_ms)?))
}

/// The vehicle side: marks overdue commands expired, then hands the queued
/// commands of these (online) vehicles over, marking them delivered.
pub async fn deliver(
    db: &DatabaseConnection,
    vehicles: &[VehicleId],
    now_ms: i64,
) -> Result<Vec<CommandView>, TelemetryError> {
    command::Entity::update_many()
        .col_expr(
            command::Column::Status,
            Expr::value(Status::Expired.as_str()),
        )
        .col_expr(command::Column::UpdatedAt, Expr::value(now_ms))
        .filter(command::Column::Status.is_in(OPEN))
        .filter(command::Column::ExpiresAt.lt(now_ms))
        .exec(db)
        .await?;
    let mut delivered = Vec::new();
    for chunk in vehicles.chunks(500) {
        let rows = command::Entity::find()
            .filter(command::Column::Status.eq(Status::Queued.as_str()))
            .filter(command::Column::VehicleId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for row in rows {
            // Read before marking it delivered: a corrupt row is an error,
            // and stays queued rather than delivered unseen.
            let mut view = CommandView::of(row.clone(), now_ms)?;
            let moved = command::Entity::update_many()
                .col_expr(
                    command::Column::Status,
                    Expr::value(Status::Delivered.as_str()),
                )
                .col_expr(command::Column::UpdatedAt, Expr::value(now_ms))
                .filter(command::Column::Id.eq(row.id))
                .filter(command::Column::Status.eq(Status::Queued.as_str()))
                .exec(db)
                .await?;
            if moved.rows_affected == 1 {
                view.status = Status::Delivered;
                delivered.push(view);
            }
        }
    }
    Ok(delivered)
}

/// The vehicle reports the outcome of a delivered command. A command
/// superseded or expired meanwhile keeps that status; returns whether it changed.
pub async fn complete(
    db: &impl ConnectionTrait,
    id: i64,
    outcome: Result<(), String>,
    now_ms: i64,
) -> Result<bool, TelemetryError> {
    let (status, reason) = match outcome {
        Ok(()) => (Status::Executed, None),
        Err(why) => (Status::Failed, Some(why)),
    };
    let done = command::Entity::update_many()
        .col_expr(command::Column::Status, Expr::value(status.as_str()))
        .col_expr(command::Column::Reason, Expr::value(reason))
        .col_expr(command::Column::UpdatedAt, Expr::value(now_ms))
        .filter(command::Column::Id.eq(id))
        .filter(command::Column::Status.eq(Status::Delivered.as_str()))
        .filter(command::Column::ExpiresAt.gte(now_ms))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
