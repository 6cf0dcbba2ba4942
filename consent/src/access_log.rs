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

/// Appends one access record for a served request.
pub async fn record<A: Action>(
    db: &impl ConnectionTrait,
    grant: &Grant<A>,
    request_id: &str,
    fields: &[SignalPath],
    at_ms: i64,
) -> Result<(), ConsentError> {
    let fields = serde_json::to_string(fields).map_err(|e| ConsentError::Invalid(e.to_string()))?;
    access_log::ActiveModel {
        request_id: Set(request_id.to_owned()),
        partner_id: Set(grant.partner_id()),
        app_id: Set(grant.app_id()),
        vehicle_id: Set(grant.vehicle_id()),
        product_id: Set(grant.product().product_id),
        purpose: Set(grant.purpose().to_string()),
        fields: Set(fields),
        at: Set(at_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A vehicle's access records, newest first.
pub async fn for_vehicle(
    db: &impl ConnectionTrait,
    vehicle: VehicleId,
    limit: u64,
) -> Result<Vec<access_log::Model>, ConsentError> {
    use sea_orm::QuerySelect;
    Ok(access_log::Entity::find()
        .filter(access_log::Column::VehicleId.eq(vehicle))
        .order_by_desc(access_log::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
