//! The consent decision: may this principal perform this action on this
//! vehicle's data, under this product and purpose, right now?
//!
//! Checks, in order: the token's scope; the product exists; the app's
//! subscription is active; an active, unexpired consent covers the vehicle,
//! product and purpose (and, for a token a driver authorised, was given by
//! that driver); the consented product version still serves. The vehicle
//! is looked up in the same query as the consent, so an unknown VIN and an
//! unconsented one take the same path and get the same [`Denial::NoConsent`].

use std::marker::PhantomData;
use std::sync::Arc;

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use vdx_catalog::{ProductVersion, product};
use vdx_core::{
    AppId, ConsentId, PartnerId, Principal, ProductSlug, Purpose, Scope, SubscriptionId, VehicleId,
    Vin,
};

use crate::entity::{consent, vehicle};
use crate::{ConsentError, ConsentStatus};

mod sealed {
    pub trait Sealed {}
}

/// What a grant allows: [`Read`] or [`Command`].
pub trait Action: sealed::Sealed + Send + Sync + 'static {
    /// The consent scope word (`read` or `command`).
    const NAME: &'static str;
    /// The OAuth scope a token must carry for this action on `product`.
    fn scope(product: &ProductSlug) -> Scope;
}

/// Reading signal values.
#[derive(Debug, Clone, Copy)]
pub struct Read;
/// Sending commands to actuators.
#[derive(Debug, Clone, Copy)]
pub struct Command;

impl sealed::Sealed for Read {}
impl sealed::Sealed for Command {}

impl Action for Read {
    const NAME: &'static str = "read";
    fn scope(product: &ProductSlug) -> Scope {
        Scope::Read(product.clone())
    }
}

impl Action for Command {
    const NAME: &'static str = "command";
    fn scope(product: &ProductSlug) -> Scope {
        Scope::Command(product.clone())
    }
}

/// Why access was denied. The messages are safe to show the partner: none of
/// them depends on whether the vehicle exists.
#[derive(Debug, Clone, PartialEq, Eq, displaydoc::Display, thiserror::Error)]
pub enum Denial {
    /// the access token lacks the scope {0}
    InsufficientScope(Scope),
    /// there is no data product {0:?}
    UnknownProduct(String),
    /// the app has no active subscription to this product
    NotSubscribed,
    /// this product may not be used for purpose {0:?}
    PurposeNotAllowed(String),
    /// no active consent covers this vehicle for this product and purpose
    NoConsent,
    /// this product version is retired and serves no data
    ProductRetired,
}

/// Proof that [`decide`] allowed action `A`. Only `decide` constructs one.
#[derive(Debug, Clone)]
pub struct Grant<A: Action> {
    app_id: AppId,
    partner_id: PartnerId,
    vehicle_id: VehicleId,
    vin: Vin,
    consent_id: ConsentId,
    subscription_id: SubscriptionId,
    consented_since_ms: i64,
    product: Arc<ProductVersion>,
    purpose: Purpose,
    _action: PhantomData<A>,
}

impl<A: Action> Grant<A> {
    pub fn app_id(&self) -> AppId {
        self.app_id
    }
    pub fn partner_id(&self) -> PartnerId {
        self.partner_id
    }
    pub fn vehicle_id(&self) -> VehicleId {
        self.vehicle_id
    }
    pub fn vin(&self) -> &Vin {
        &self.vin
    }
    pub fn consent_id(&self) -> ConsentId {
        self.consent_id
    }
    pub fn subscription_id(&self) -> SubscriptionId {
        self.subscription_id
    }
    /// When the driver gave the consent this grant rests on: nothing observed
    /// before it may be served.
    pub fn consented_since_ms(&self) -> i64 {
        self.consented_since_ms
    }
    pub fn product(&self) -> &ProductVersion {
        &self.product
    }
    pub fn purpose(&self) -> &Purpose {
        &self.purpose
    }
}

fn check_scope<A: Action>(principal: &Principal, product: &ProductSlug) -> Result<(), Denial> {
    let needed = A::scope(product);
    if principal.has_scope(&needed) {
        Ok(())
    } else {
        Err(Denial::InsufficientScope(needed))
    }
}

/// The decision from the database, after the scope check: the grant and the
/// time its consent expires.
async fn decide_from_db<A: Action>(
    db: &impl ConnectionTrait,
    principal: &Principal,
    vin: &Vin,
    product: &ProductSlug,
    purpose: &Purpose,
    now_ms: i64,
) -> Result<(Grant<A>, i64), ConsentError> {
    let app = principal.app();
    let Some(product_row) = product::find_product(db, product).await? else {
        return Err(Denial::UnknownProduct(product.to_string()).into());
    };
    let Some(subscription) =
        vdx_catalog::marketplace::active_subscription(db, app.app_id, product_row.id).await?
    else {
        return Err(Denial::NotSubscribed.into());
    };

    let vehicle_by_vin = Query::select()
        .column(vehicle::Column::Id)
        .from(vehicle::Entity)
        .and_where(vehicle::Column::Vin.eq(vin.as_str()))
        .to_owned();
    let mut candidates =
        consent::Entity::find().filter(consent::Column::VehicleId.in_subquery(vehicle_by_vin));
    if let Some(driver) = app.driver_id {
        candidates = candidates.filter(consent::Column::DriverId.eq(driver));
    }
    let candidates = candidates
        .filter(consent::Column::AppId.eq(app.app_id))
        .filter(consent::Column::ProductId.eq(product_row.id))
        .filter(consent::Column::Purpose.eq(purpose.as_str()))
        .filter(consent::Column::Status.eq(ConsentStatus::Active.as_str()))
        .filter(consent::Column::ExpiresAt.gt(now_ms))
        .order_by_desc(consent::Column::GrantedAt)
        .all(db)
        .await?;
    let Some(consent) = candidates
        .into_iter()
        .find(|c| c.scopes.split_ascii_whitespace().any(|s| s == A::NAME))
    else {
        return Err(Denial::NoConsent.into());
    };

    let Some(version) = product::version_by_id(db, consent.product_version_id).await? else {
        return Err(Denial::NoConsent.into());
    };
    if !version.status.serves() {
        return Err(Denial::ProductRetired.into());
    }
    if !version.allows_purpose(purpose) {
        return Err(Denial::PurposeNotAllowed(purpose.to_string()).into());
    }
    Ok((
        Grant {
            app_id: app.app_id,
            partner_id: app.partner_id,
            vehicle_id: consent.vehicle_id,
            vin: vin.clone(),
            consent_id: consent.id,
            subscription_id: subscription.id,
            consented_since_ms: consent.granted_at,
            product: Arc::new(version),
            purpose: purpose.clone(),
            _action: PhantomData,
        },
        consent.expires_at,
    ))
}

/// The current policy epoch: a counter the database raises (by trigger, in
/// the same transaction) whenever consents, subscriptions, products, product
/// versions, vehicles or token revocations change.
pub async fn policy_epoch(db: &impl ConnectionTrait) -> Result<i64, ConsentError> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT epoch FROM policy_epoch WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| {
            ConsentError::Db(sea_orm::DbErr::RecordNotFound(
                "the policy epoch row is missing".into(),
            ))
        })?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// How old the epoch read at authentication may be when a decision uses it.
/// Past this (a slow request body, say) the caller reads the epoch again,
/// so holding a request open cannot carry a grant past a revocation.
pub const REQUEST_EPOCH_MAX_AGE: std::time::Duration = std::time::Duration::from_millis(50);

/// Most decisions remembered at once; beyond it the cache starts over.
pub const DECISION_CACHE_CAPACITY: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DecisionKey {
    app: AppId,
    driver: Option<vdx_core::DriverId>,
    vin: Vin,
    product: ProductSlug,
    purpose: Purpose,
    action: &'static str,
}

#[derive(Debug, Clone)]
enum Remembered {
    /// The grant's fields (its action erased) and its consent's expiry.
    Granted(Grant<Read>, i64),
    Denied(Denial),
}

#[derive(Debug, Default)]
struct CacheState {
    epoch: i64,
    entries: std::collections::HashMap<DecisionKey, Remembered>,
}

/// Decisions remembered per policy epoch. A remembered decision is reused only
/// while the epoch read at the start of the request equals the epoch it was
/// made under, so invalidation is exact: any committed change to what a
/// decision reads, through any replica, raises the epoch and the next request
/// decides afresh. A remembered grant is also re-checked against its consent's
/// expiry, so an expired consent is denied at once.
#[derive(Debug, Default)]
pub struct DecisionCache {
    state: std::sync::Mutex<CacheState>,
}

impl DecisionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many decisions are remembered.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<A: Action> Grant<A> {
    fn recast<B: Action>(&self) -> Grant<B> {
        Grant {
            app_id: self.app_id,
            partner_id: self.partner_id,
            vehicle_id: self.vehicle_id,
            vin: self.vin.clone(),
            consent_id: self.consent_id,
            subscription_id: self.subscription_id,
            consented_since_ms: self.consented_since_ms,
            product: Arc::clone(&self.product),
            purpose: self.purpose.clone(),
            _action: PhantomData,
        }
    }
}

/// The one decision point. Returns a grant, or [`ConsentError::Denied`] with
/// the reason. Given the request's policy `epoch` (read at authentication, at
/// most [`REQUEST_EPOCH_MAX_AGE`] ago), the remembered decision if the epoch
/// has not moved, else the full decision from the database (remembered for
/// next time), so a hit costs no statement.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(product = %product, purpose = %purpose, action = A::NAME))]
pub async fn decide<A: Action>(
    cache: &DecisionCache,
    db: &impl ConnectionTrait,
    principal: &Principal,
    vin: &Vin,
    product: &ProductSlug,
    purpose: &Purpose,
    epoch: i64,
    now_ms: i64,
) -> Result<Grant<A>, ConsentError> {
    check_scope::<A>(principal, product)?;
    let app = principal.app();
    let key = DecisionKey {
        app: app.app_id,
        driver: app.driver_id,
        vin: vin.clone(),
        product: product.clone(),
        purpose: purpose.clone(),
        action: A::NAME,
    };
    {
        let mut state = cache.lock();
        // A lower epoch than remembered means the counter went back (a
        // restore, a failover): nothing remembered can be trusted.
        if epoch < state.epoch {
            state.entries.clear();
            state.epoch = epoch;
        }
        if state.epoch == epoch {
            match state.entries.get(&key) {
                Some(Remembered::Granted(grant, expires_at)) if now_ms < *expires_at => {
                    return Ok(grant.recast());
                }
                Some(Remembered::Denied(denial)) => return Err(denial.clone().into()),
                _ => {}
            }
        }
    }
    let decided = decide_from_db::<A>(db, principal, vin, product, purpose, now_ms).await;
    let remembered = match &decided {
        Ok((grant, expires_at)) => Some(Remembered::Granted(grant.recast(), *expires_at)),
        Err(ConsentError::Denied(denial)) => Some(Remembered::Denied(denial.clone())),
        Err(_) => None,
    };
    if let Some(remembered) = remembered {
        let mut state = cache.lock();
        // Only move forward here: a request that read an older epoch than
        // the cache's (a concurrent commit in between) does not store.
        if epoch > state.epoch || state.entries.len() >= DECISION_CACHE_CAPACITY {
            state.entries.clear();
            state.epoch = state.epoch.max(epoch);
        }
        if epoch == state.epoch {
            state.entries.insert(key, remembered);
        }
    }
    decided.map(|(grant, _)| grant)
}
