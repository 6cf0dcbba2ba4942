//! Surrogate-key newtypes. Each is also a SeaORM column type, so an `AppId`
//! can never be passed where a `VehicleId` is expected.

use sea_orm::DeriveValueType;
use serde::{Deserialize, Serialize};

macro_rules! id_newtype {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, DeriveValueType)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_newtype!(
    /// A vehicle's row key. Partners never see it: they address vehicles by VIN.
    VehicleId,
    /// A driver (data subject).
    DriverId,
    /// A partner organisation.
    PartnerId,
    /// A partner's app, which is an OAuth client.
    AppId,
    /// A data product (all versions).
    ProductId,
    /// One immutable version of a data product.
    ProductVersionId,
    /// A plan (rates, quotas, price) of a product.
    PlanId,
    /// An app's subscription to a product version and plan.
    SubscriptionId,
    /// A consent record.
    ConsentId,
);
