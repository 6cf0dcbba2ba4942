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

/// The one decision point. Returns a grant, or [`ConsentError::Denied`] with the reason.
#[tracing::instrument(skip_all, fields(product = %product, purpose = %purpose, action = A::NAME))]
pub async fn decide<A: Action>(
    db: &impl ConnectionTrait,
    principal: &Principal,
    vin: &Vin,
    product: &ProductSlug,
    purpose: &Purpose,
    now_ms: i64,
) -> Result<Grant<A>, ConsentError> {
    let app = principal.app();
    let needed = A::scope(product);
    if !principal.has_scope(&needed) {
        return Err(Denial::InsufficientScope(needed).into());
    }
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
    Ok(Grant {
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
    })
}
