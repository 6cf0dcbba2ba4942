//! The audit trail: every admin change, with who, when, and the state before
//! and after. Written in the same transaction as the change it records.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession,
};
use serde_json::Value;

use crate::CatalogError;
use crate::entity::audit_log as entity;
use crate::entity::{app, partner};

/// Appends one audit record.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<Value>,
    after: Option<Value>,
    now_ms: i64,
) -> Result<(), CatalogError> {
    entity::ActiveModel {
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        before: Set(before.map(|v| v.to_string())),
        after: Set(after.map(|v| v.to_string())),
        at: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What a change did, as its audit record keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Only the state after (a creation, or a change whose before is not kept).
    After(Value),
    /// The state before and after.
    BeforeAfter(Value, Value),
    /// Only the state before (a deletion).
    Before(Value),
}

/// Appends the audit record of a change to `txn`, the transaction that made
/// the change, and commits both: neither can exist without the other.
pub async fn commit(
    txn: impl ConnectionTrait + TransactionSession,
    actor: &str,
    now_ms: i64,
    action: &str,
    target: &str,
    change: Change,
) -> Result<(), CatalogError> {
    let (before, after) = match change {
        Change::After(after) => (None, Some(after)),
        Change::BeforeAfter(before, after) => (Some(before), Some(after)),
        Change::Before(before) => (Some(before), None),
    };
    record(&txn, actor, action, target, before, after, now_ms).await?;
    txn.commit().await?;
    Ok(())
}

/// An audit record as admins read it: the actor also by name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    /// The admin's client id (`cli` for the command line).
    pub actor: String,
    /// The actor's app and partner, e.g. `OEM console (vdx OEM)`; null when the actor is no app.
    pub actor_name: Option<String>,
    /// What was done, e.g. `version.published`.
    pub action: String,
    /// What it was done to, e.g. `product:ev-charging@1.0.0`.
    pub target: String,
    /// The state before the change, as JSON text; null for a creation.
    pub before: Option<String>,
    /// The state after the change, as JSON text; null for a deletion.
    pub after: Option<String>,
    /// When (RFC 3339).
    #[serde(serialize_with = "vdx_core::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
}

/// The newest audit records first, each actor named by its app and partner.
pub async fn recent(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<AuditRecord>, CatalogError> {
    let rows = entity::Entity::find()
        .order_by_desc(entity::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut actors: Vec<&str> = rows.iter().map(|r| r.actor.as_str()).collect();
    actors.sort_unstable();
    actors.dedup();
    let apps = app::Entity::find()
        .filter(app::Column::ClientId.is_in(actors))
        .all(db)
        .await?;
    let partners: HashMap<_, _> = partner::Entity::find()
        .filter(partner::Column::Id.is_in(apps.iter().map(|a| a.partner_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let names: HashMap<&str, String> = apps
        .iter()
        .map(|a| {
            let name = match partners.get(&a.partner_id) {
                Some(partner) => format!("{} ({partner})", a.name),
                None => a.name.clone(),
            };
            (a.client_id.as_str(), name)
        })
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| AuditRecord {
            id: r.id,
            actor_name: names.get(r.actor.as_str()).cloned(),
            actor: r.actor,
            action: r.action,
            target: r.target,
            before: r.before,
            after: r.after,
            at: r.at,
        })
        .collect())
}
