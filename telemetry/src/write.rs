//! The OEM-side write path: storing the latest value of signals. No consent
//! is involved; the caller is the OEM's own ingest or simulator.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, ExprTrait};
use serde_json::Value;
use vdx_core::VehicleId;

use crate::TelemetryError;
use crate::entity::signal_latest;

/// Upserts the latest values of one vehicle; an older sample never overwrites a newer one.
pub async fn upsert_latest(
    db: &impl ConnectionTrait,
    vehicle: VehicleId,
    values: &[(&str, Value)],
    observed_at_ms: i64,
) -> Result<(), TelemetryError> {
    if values.is_empty() {
        return Ok(());
    }
    let rows = values
        .iter()
        .map(|(path, value)| signal_latest::ActiveModel {
            vehicle_id: Set(vehicle),
            path: Set((*path).to_owned()),
            value: Set(value.to_string()),
            observed_at: Set(observed_at_ms),
        });
    signal_latest::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                signal_latest::Column::VehicleId,
                signal_latest::Column::Path,
            ])
            .update_columns([
                signal_latest::Column::Value,
                signal_latest::Column::ObservedAt,
            ])
            .action_and_where(
                sea_orm::sea_query::Expr::col((
                    signal_latest::Entity,
                    signal_latest::Column::ObservedAt,
                ))
                .lte(sea_orm::sea_query::Expr::col((
                    sea_orm::sea_query::Alias::new("excluded"),
                    signal_latest::Column::ObservedAt,
                ))),
            )
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
