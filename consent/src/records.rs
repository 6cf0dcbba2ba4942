//! Consent records and their statuses. Every change goes through this module
//! and is appended to the [`ledger`](crate::ledger) in the same transaction;
//! the `consents` row is the ledger's projection for fast decisions.
//!
//! There is at most one active consent per vehicle, partner app, product and
//! purpose. Sharing again what is already shared ([`share`]) extends that one
//! consent rather than adding a second: it keeps its id and its start (so the
//! partner's history window and earlier receipts stay valid), runs until the
//! later of the two end dates, allows the union of the scopes, and follows the
//! product version the driver was just shown; the ledger records the change as
//! an `extended` entry carrying the new terms. Sharing again never takes
//! anything away: narrowing a consent is revoking it and sharing anew. A
//! consent that ran out (still marked active, past its end) is first recorded
//! as `expired`, and the new share starts a new consent.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use serde_json::json;
use vdx_catalog::ProductVersion;
use vdx_core::{AppId, ConsentId, DriverId, Principal, Purpose, VehicleId};

pub use crate::status::ConsentStatus;

use crate::entity::{consent, vehicle};
use crate::{ConsentError, ConsentRecord, ledger};

/// A consent to record.
#[derive(Debug, Clone)]
pub struct NewConsent<'a> {
    pub driver: DriverId,
    pub vehicle: VehicleId,
    pub app: AppId,
    pub product: &'a ProductVersion,
    pub purpose: Purpose,
    /// `read`, `command` or both, space-separated.
    pub scopes: &'a str,
    pub status: ConsentStatus,
    /// `portal` or `oauth`.
    pub source: &'a str,
    pub granted_at: i64,
    pub expires_at: i64,
}

fn terms(row: &consent::Model) -> serde_json::Value {
    json!({
        "driver": row.driver_id, "vehicle": row.vehicle_id, "app": row.app_id,
        "product": row.product_id, "product_version": row.product_version_id,
        "purpose": row.purpose, "scopes": row.scopes, "source": row.source,
        "granted_at": row.granted_at, "expires_at": row.expires_at,
    })
}

/// What [`share`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// A new consent.
    Created(ConsentId),
    /// The active consent for the same vehicle, app, product and purpose now
    /// runs longer, allows more, or follows the product version shown.
    Extended(ConsentId),
    /// That consent already covered everything asked for: nothing changed.
    Unchanged(ConsentId),
}

impl Shared {
    pub fn id(self) -> ConsentId {
        match self {
            Self::Created(id) | Self::Extended(id) | Self::Unchanged(id) => id,
        }
    }
}

fn validate(new: &NewConsent<'_>) -> Result<(), ConsentError> {
    if !new.product.allows_purpose(&new.purpose) {
        return Err(ConsentError::Invalid(format!(
            "product {} does not allow purpose {}",
            new.product.slug, new.purpose
        )));
    }
    if new
        .scopes
        .split_whitespace()
        .any(|s| s != "read" && s != "command")
        || new.scopes.trim().is_empty()
    {
        return Err(ConsentError::Invalid(
            "scopes must be read, command or both".into(),
        ));
    }
    if new.expires_at <= new.granted_at && new.status == ConsentStatus::Active {
        return Err(ConsentError::Invalid(
            "a consent must expire after it is granted".into(),
        ));
    }
    Ok(())
}

/// Records a consent, in one transaction with its ledger entries; see [`share`].
pub async fn create(
    db: &impl TransactionTrait,
    new: NewConsent<'_>,
) -> Result<ConsentId, ConsentError> {
    Ok(share(db, new).await?.id())
}

/// Records what a driver shares, in one transaction with its ledger entries.
/// An active share extends the active consent for the same vehicle, app,
/// product and purpose when there is one (see the module docs); a purpose the
/// product does not allow, or scopes other than read/command, are refused.
pub async fn share(
    db: &impl TransactionTrait,
    new: NewConsent<'_>,
) -> Result<Shared, ConsentError> {
    validate(&new)?;
    let txn = vdx_core::db::begin_write(db).await?;
    let shared = if new.status == ConsentStatus::Active {
        match settle_active(&txn, &new).await? {
            Some(current) => extend(&txn, current, &new).await?,
            None => Shared::Created(insert(&txn, &new).await?),
        }
    } else {
        Shared::Created(insert(&txn, &new).await?)
    };
    txn.commit().await?;
    Ok(shared)
}

/// The active consents for the new one's vehicle, app, product and purpose,
/// settled: those that ran out are recorded as expired, duplicates from
/// before this rule as replaced. Returns the one to extend, if any.
async fn settle_active(
    txn: &impl ConnectionTrait,
    new: &NewConsent<'_>,
) -> Result<Option<consent::Model>, ConsentError> {
    // One sharer per vehicle at a time (a row lock on PostgreSQL; SQLite
    // has a single writer and refuses a transaction that read stale data).
    vehicle::Entity::find_by_id(new.vehicle)
        .lock_exclusive()
        .one(txn)
        .await?;
    let rows = consent::Entity::find()
        .filter(consent::Column::VehicleId.eq(new.vehicle))
        .filter(consent::Column::AppId.eq(new.app))
        .filter(consent::Column::ProductId.eq(new.product.product_id))
        .filter(consent::Column::Purpose.eq(new.purpose.as_str()))
        .filter(consent::Column::Status.eq(ConsentStatus::Active.as_str()))
        .order_by_desc(consent::Column::ExpiresAt)
        .order_by_desc(consent::Column::Id)
        .all(txn)
        .await?;
    let now = new.granted_at;
    let mut keep = None;
    for row in rows {
        if row.expires_at <= now {
            transition(txn, row, ConsentStatus::Expired, "expired", "system", now).await?;
        } else if row.driver_id != new.driver {
            return Err(ConsentError::Conflict(format!(
                "consent {} of another driver is still active for this vehicle",
                row.id
            )));
        } else if keep.is_none() {
            keep = Some(row);
        } else {
            let actor = format!("driver:{}", new.driver);
            transition(
                txn,
                row,
                ConsentStatus::RevokedByDriver,
                "replaced",
                &actor,
                now,
            )
            .await?;
        }
    }
    Ok(keep)
}

/// `read` and/or `command`, each once, in that order.
fn union_of_scopes(a: &str, b: &str) -> String {
    let has = |s: &str| {
        a.split_whitespace()
            .chain(b.split_whitespace())
            .any(|x| x == s)
    };
    ["read", "command"]
        .into_iter()
        .filter(|s| has(s))
        .collect::<Vec<_>>()
        .join(" ")
}

async fn extend(
    txn: &impl ConnectionTrait,
    current: consent::Model,
    new: &NewConsent<'_>,
) -> Result<Shared, ConsentError> {
    let id = current.id;
    let scopes = union_of_scopes(&current.scopes, new.scopes);
    let expires_at = current.expires_at.max(new.expires_at);
    if scopes == current.scopes
        && expires_at == current.expires_at
        && current.product_version_id == new.product.id
    {
        return Ok(Shared::Unchanged(id));
    }
    let mut row = current.into_active_model();
    row.scopes = Set(scopes);
    row.expires_at = Set(expires_at);
    row.product_version_id = Set(new.product.id);
    row.updated_at = Set(new.granted_at);
    let updated = row.update(txn).await?;
    let actor = format!("driver:{}", new.driver);
    let status = ConsentStatus::Active.as_str();
    let terms = terms(&updated);
    ledger::append(txn, id, "extended", status, &actor, &terms, new.granted_at).await?;
    Ok(Shared::Extended(id))
}

async fn insert(
    txn: &impl ConnectionTrait,
    new: &NewConsent<'_>,
) -> Result<ConsentId, ConsentError> {
    let row = consent::ActiveModel {
        driver_id: Set(new.driver),
        vehicle_id: Set(new.vehicle),
        app_id: Set(new.app),
        product_id: Set(new.product.product_id),
        product_version_id: Set(new.product.id),
        purpose: Set(new.purpose.to_string()),
        scopes: Set(new.scopes.to_owned()),
        status: Set(new.status.as_str().to_owned()),
        source: Set(new.source.to_owned()),
        granted_at: Set(new.granted_at),
        expires_at: Set(new.expires_at),
        updated_at: Set(new.granted_at),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let actor = format!("driver:{}", new.driver);
    ledger::append(
        txn,
        row.id,
        "created",
        new.status.as_str(),
        &actor,
        &terms(&row),
        new.granted_at,
    )
    .await?;
    Ok(row.id)
}

/// Moves a consent to `next` inside `txn`, with its ledger entry.
async fn transition(
    txn: &impl ConnectionTrait,
    row: consent::Model,
    next: ConsentStatus,
    event: &str,
    actor: &str,
    now_ms: i64,
) -> Result<consent::Model, ConsentError> {
    let id = row.id;
    let mut active = row.into_active_model();
    active.status = Set(next.as_str().to_owned());
    active.updated_at = Set(now_ms);
    let updated = active.update(txn).await?;
    ledger::append(
        txn,
        id,
        event,
        next.as_str(),
        actor,
        &terms(&updated),
        now_ms,
    )
    .await?;
    Ok(updated)
}

/// Moves a consent to a new status (revocation, expiry, end), appending to
/// the ledger. Refuses transitions the lifecycle does not allow.
pub async fn change_status(
    db: &impl TransactionTrait,
    id: ConsentId,
    next: ConsentStatus,
    actor: &str,
    now_ms: i64,
) -> Result<ConsentRecord, ConsentError> {
    let txn = vdx_core::db::begin_write(db).await?;
    let row = consent::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ConsentError::NotFound(format!("no consent {id}")))?;
    let current = ConsentStatus::parse(&row.status).ok_or_else(|| {
        ConsentError::Invalid(format!("consent {id} has unknown status {}", row.status))
    })?;
    if !current.can_become(next) {
        return Err(ConsentError::Conflict(format!(
            "consent {id} is {}; it cannot become {}",
            current.as_str(),
            next.as_str()
        )));
    }
    if next == ConsentStatus::Active {
        let twin = consent::Entity::find()
            .filter(consent::Column::Id.ne(id))
            .filter(consent::Column::VehicleId.eq(row.vehicle_id))
            .filter(consent::Column::AppId.eq(row.app_id))
            .filter(consent::Column::ProductId.eq(row.product_id))
            .filter(consent::Column::Purpose.eq(row.purpose.as_str()))
            .filter(consent::Column::Status.eq(ConsentStatus::Active.as_str()))
            .filter(consent::Column::ExpiresAt.gt(now_ms))
            .one(&txn)
            .await?;
        if let Some(twin) = twin {
            return Err(ConsentError::Conflict(format!(
                "consent {} already allows this; share again to extend it",
                twin.id
            )));
        }
    }
    let event = match next {
        ConsentStatus::Active => "approved",
        ConsentStatus::Rejected => "rejected",
        ConsentStatus::Expired => "expired",
        ConsentStatus::EndedByOwnershipChange => "ended",
        _ => "revoked",
    };
    let updated = transition(&txn, row, next, event, actor, now_ms).await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// One consent by id.
pub async fn find(
    db: &impl ConnectionTrait,
    id: ConsentId,
) -> Result<Option<ConsentRecord>, ConsentError> {
    crate::rows::one(db, consent::Entity::find_by_id(id)).await
}

/// A driver's consents, newest first.
pub async fn of_driver(
    db: &impl ConnectionTrait,
    driver: DriverId,
) -> Result<Vec<ConsentRecord>, ConsentError> {
    crate::rows::all(
        db,
        consent::Entity::find()
            .filter(consent::Column::DriverId.eq(driver))
            .order_by_desc(consent::Column::Id),
    )
    .await
}

/// The consents a partner principal may see: those given to its app and, for
/// a token a driver authorised, only that driver's. Every partner-facing
/// consent lookup goes through this filter, so no endpoint can forget the
/// driver binding.
fn of_principal_query(principal: &Principal) -> sea_orm::Select<consent::Entity> {
    let app = principal.app();
    let mut query = consent::Entity::find().filter(consent::Column::AppId.eq(app.app_id));
    if let Some(driver) = app.driver_id {
        query = query.filter(consent::Column::DriverId.eq(driver));
    }
    query
}

/// The consents `principal` may see, newest first, a page at a time: ids
/// below `before`; with `active_at`, only those that grant at that time
/// (status active and not past their expiry).
pub async fn of_principal(
    db: &impl ConnectionTrait,
    principal: &Principal,
    before: Option<i64>,
    limit: u64,
    active_at: Option<i64>,
) -> Result<Vec<ConsentRecord>, ConsentError> {
    let mut query = of_principal_query(principal)
        .order_by_desc(consent::Column::Id)
        .limit(limit);
    if let Some(before) = before {
        query = query.filter(consent::Column::Id.lt(before));
    }
    if let Some(now_ms) = active_at {
        query = query
            .filter(consent::Column::Status.eq(ConsentStatus::Active.as_str()))
            .filter(consent::Column::ExpiresAt.gt(now_ms));
    }
    crate::rows::all(db, query).await
}

/// One consent `principal` may see; `None` for any other id (another app's,
/// another driver's, or none), alike.
pub async fn find_of_principal(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: ConsentId,
) -> Result<Option<ConsentRecord>, ConsentError> {
    crate::rows::one(
        db,
        of_principal_query(principal).filter(consent::Column::Id.eq(id)),
    )
    .await
}

/// Ends every active consent given by `driver` for `vehicle` (ownership change).
pub async fn end_for_previous_owner(
    db: &(impl TransactionTrait + ConnectionTrait),
    vehicle: VehicleId,
    driver: DriverId,
    actor: &str,
    now_ms: i64,
) -> Result<usize, ConsentError> {
    let active = consent::Entity::find()
        .filter(consent::Column::VehicleId.eq(vehicle))
        .filter(consent::Column::DriverId.eq(driver))
        .filter(consent::Column::Status.eq(ConsentStatus::Active.as_str()))
        .all(db)
        .await?;
    for row in &active {
        change_status(
            db,
            row.id,
            ConsentStatus::EndedByOwnershipChange,
            actor,
            now_ms,
        )
        .await?;
    }
    Ok(active.len())
}
