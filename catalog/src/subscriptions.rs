//! The subscription workflow: an app requests a product version and plan; an
//! admin approves or rejects it (with a reason); an active subscription can be
//! suspended, resumed and ended. Only active subscriptions put a product's
//! scopes into the app's tokens (see `marketplace::allowed_scopes`).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vdx_core::{AppId, SubscriptionId};

use crate::entity::{plan, product_version, subscription};
use crate::marketplace::SubscriptionStatus;
use crate::plans::PlanSpec;
use crate::product::Lifecycle;
use crate::{CatalogError, audit};

/// What an admin does to a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
    Suspend,
    Resume,
    End,
}

/// A subscription with the names a person needs to judge it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubscriptionView {
    pub id: i64,
    pub partner: String,
    pub app: String,
    pub client_id: String,
    pub product: String,
    pub version: String,
    pub plan: String,
    pub status: String,
    pub reason: Option<String>,
    #[serde(serialize_with = "vdx_core::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "vdx_core::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<i64>,
}

/// An app asks for a product version under a plan; the request waits for an admin.
pub async fn request(
    db: &DatabaseConnection,
    app: AppId,
    slug: &str,
    version: &str,
    plan_name: &str,
    now_ms: i64,
) -> Result<SubscriptionView, CatalogError> {
    let product = crate::admin::product_or_404(db, slug).await?;
    let row = crate::admin::version_row(db, &product, version).await?;
    if row.status != Lifecycle::Published.as_str() {
        return Err(CatalogError::Conflict(format!(
            "{slug}@{version} is {}; only published versions take new subscriptions",
            row.status
        )));
    }
    let plan = crate::plans::named(db, &product, plan_name)
        .await?
        .ok_or_else(|| {
            CatalogError::NotFound(format!("product {slug} has no plan {plan_name:?}"))
        })?;
    let versions: Vec<_> = product_version::Entity::find()
        .filter(product_version::Column::ProductId.eq(product.id))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    let open = subscription::Entity::find()
        .filter(subscription::Column::AppId.eq(app))
        .filter(subscription::Column::ProductVersionId.is_in(versions))
        .filter(subscription::Column::Status.is_in(["pending", "active", "suspended"]))
        .one(db)
        .await?;
    if let Some(open) = open {
        return Err(CatalogError::Conflict(format!(
            "the app already has a {} subscription to {slug} (id {})",
            open.status, open.id
        )));
    }
    let id = crate::marketplace::subscribe(
        db,
        app,
        row.id,
        plan.id,
        SubscriptionStatus::Pending,
        now_ms,
    )
    .await?;
    view(db, id).await
}

/// Applies an admin decision, enforcing the allowed transitions.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &str,
    id: SubscriptionId,
    decision: Decision,
    reason: Option<String>,
    now_ms: i64,
) -> Result<SubscriptionView, CatalogError> {
    let row = row_or_404(db, id).await?;
    let next = match (row.status.as_str(), decision) {
        ("pending", Decision::Approve) | ("suspended", Decision::Resume) => {
            SubscriptionStatus::Active
        }
        ("pending", Decision::Reject) => SubscriptionStatus::Rejected,
        ("active", Decision::Suspend) => SubscriptionStatus::Suspended,
        ("active" | "suspended", Decision::End) => SubscriptionStatus::Ended,
        (status, _) => {
            return Err(CatalogError::Conflict(format!(
                "subscription {id} is {status}; that decision does not apply"
            )));
        }
    };
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if matches!(
        decision,
        Decision::Reject | Decision::Suspend | Decision::End
    ) && reason.is_none()
    {
        return Err(CatalogError::Invalid(
            "rejecting, suspending or ending a subscription needs a reason".into(),
        ));
    }
    let before = json!({"status": row.status, "reason": row.reason});
    let txn = vdx_core::db::begin_write(db).await?;
    let mut active = row.into_active_model();
    active.status = Set(next.as_str().to_owned());
    active.reason = Set(reason.clone());
    active.decided_at = Set(Some(now_ms));
    active.update(&txn).await?;
    let target = format!("subscription:{id}");
    let change =
        audit::Change::BeforeAfter(before, json!({"status": next.as_str(), "reason": reason}));
    audit::commit(
        txn,
        actor,
        now_ms,
        &format!("subscription.{}", next.as_str()),
        &target,
        change,
    )
    .await?;
    view(db, id).await
}

async fn row_or_404(
    db: &DatabaseConnection,
    id: SubscriptionId,
) -> Result<subscription::Model, CatalogError> {
    subscription::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("no subscription {id}")))
}

/// One subscription, with names.
pub async fn view(
    db: &DatabaseConnection,
    id: SubscriptionId,
) -> Result<SubscriptionView, CatalogError> {
    Ok(describe(db, row_or_404(db, id).await?).await?.0)
}

/// Subscriptions, newest first, optionally of one app or in one status.
pub async fn list(
    db: &DatabaseConnection,
    app: Option<AppId>,
    status: Option<&str>,
) -> Result<Vec<SubscriptionView>, CatalogError> {
    let described = list_described(db, app, status).await?;
    Ok(described.into_iter().map(|(view, _)| view).collect())
}

/// Subscriptions, newest first, optionally of one app, each with its plan
/// (what a statement prices them by), read in the same pass as the view.
pub async fn list_with_plans(
    db: &DatabaseConnection,
    app: Option<AppId>,
) -> Result<Vec<(SubscriptionView, PlanSpec)>, CatalogError> {
    let described = list_described(db, app, None).await?;
    described
        .into_iter()
        .map(|(view, plan)| Ok((view, PlanSpec::from_row(&plan)?)))
        .collect()
}

async fn list_described(
    db: &DatabaseConnection,
    app: Option<AppId>,
    status: Option<&str>,
) -> Result<Vec<(SubscriptionView, plan::Model)>, CatalogError> {
    let mut query = subscription::Entity::find().order_by_desc(subscription::Column::Id);
    if let Some(app) = app {
        query = query.filter(subscription::Column::AppId.eq(app));
    }
    if let Some(status) = status {
        query = query.filter(subscription::Column::Status.eq(status));
    }
    let mut out = Vec::new();
    for row in query.all(db).await? {
        out.push(describe(db, row).await?);
    }
    Ok(out)
}

async fn describe(
    db: &DatabaseConnection,
    row: subscription::Model,
) -> Result<(SubscriptionView, plan::Model), CatalogError> {
    let missing = |what: &str| {
        CatalogError::NotFound(format!(
            "subscription {} refers to a missing {what}",
            row.id
        ))
    };
    let (app, partner) = crate::marketplace::app_with_partner(db, row.app_id)
        .await?
        .ok_or_else(|| missing("app or partner"))?;
    let version = crate::product::version_by_id(db, row.product_version_id)
        .await?
        .ok_or_else(|| missing("product version"))?;
    let plan = crate::plans::of_row(db, &row)
        .await?
        .ok_or_else(|| missing("plan"))?;
    let view = SubscriptionView {
        id: row.id.0,
        partner: partner.name,
        app: app.name,
        client_id: app.client_id,
        product: version.slug.to_string(),
        version: version.version,
        plan: plan.name.clone(),
        status: row.status,
        reason: row.reason,
        created_at: row.created_at,
        decided_at: row.decided_at,
    };
    Ok((view, plan))
}
