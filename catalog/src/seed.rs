//! The seed catalog that ships with vdx: a small VSS subset and four data
//! products (EV charging, mileage and driving, coarse location, vehicle
//! access) with plans.
//! `vdx demo` and the tests start from it.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, TransactionSession, TransactionTrait};
use vdx_core::{PlanId, ProductSlug, ProductVersionId};

use crate::CatalogError;
use crate::entity::{plan, product, product_version};
use crate::product::{Lifecycle, Terms};

/// The seed signal catalog, a vss-tools JSON export of a VSS subset.
pub const SEED_VSS: &str = include_str!("../seed/vss-seed.json");

pub const EV_CHARGING: &str = "ev-charging";
pub const MILEAGE_DRIVING: &str = "mileage-driving";
pub const COARSE_LOCATION: &str = "coarse-location";
pub const VEHICLE_ACCESS: &str = "vehicle-access";

/// A seeded product: its published version and its standard plan.
#[derive(Debug, Clone)]
pub struct SeededProduct {
    pub slug: ProductSlug,
    pub version_id: ProductVersionId,
    pub plan_id: PlanId,
}

struct Spec {
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    category: &'static str,
    signals: &'static [&'static str],
    commands: &'static [&'static str],
    purposes: &'static [&'static str],
    terms: Terms,
}

fn specs() -> [Spec; 4] {
    [
        Spec {
            slug: EV_CHARGING,
            name: "EV Smart Charging",
            description: "Battery state of charge, charging state, range and charge limit, with commands to start and stop charging and set the limit.",
            category: "energy",
            signals: &[
                "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
                "Vehicle.Powertrain.TractionBattery.Range",
                "Vehicle.Powertrain.TractionBattery.Charging",
            ],
            commands: &[
                "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging",
                "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit",
            ],
            purposes: &["smart_charging"],
            terms: Terms {
                history_days: 7,
                retention_days: 30,
                location_precision_km: None,
                default_consent_days: 365,
            },
        },
        Spec {
            slug: MILEAGE_DRIVING,
            name: "Mileage and Driving",
            description: "Odometer, speed and acceleration for usage-based insurance.",
            category: "insurance",
            signals: &[
                "Vehicle.TraveledDistance",
                "Vehicle.Speed",
                "Vehicle.AverageSpeed",
                "Vehicle.IsMoving",
                "Vehicle.Acceleration.Longitudinal",
            ],
            commands: &[],
            purposes: &["usage_based_insurance"],
            terms: Terms {
                history_days: 90,
                retention_days: 365,
                location_precision_km: None,
                default_consent_days: 365,
            },
        },
        Spec {
            slug: COARSE_LOCATION,
            name: "Coarse Location",
            description: "Where the car roughly is (rounded to 5 km) and how much fuel or range it has left, for offers nearby.",
            category: "retail",
            signals: &[
                "Vehicle.CurrentLocation",
                "Vehicle.Powertrain.FuelSystem.RelativeLevel",
                "Vehicle.Powertrain.Range",
            ],
            commands: &[],
            purposes: &["location_based_offers"],
            terms: Terms {
                history_days: 0,
                retention_days: 1,
                location_precision_km: Some(5.0),
                default_consent_days: 90,
            },
        },
        Spec {
            slug: VEHICLE_ACCESS,
            name: "Vehicle Access",
            description: "Lock and unlock the driver's door, and see where the car is parked, so a courier can deliver into the boot.",
            category: "logistics",
            signals: &[
                "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked",
                "Vehicle.CurrentLocation",
                "Vehicle.IsMoving",
            ],
            commands: &["Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"],
            purposes: &["in_car_delivery"],
            terms: Terms {
                history_days: 1,
                retention_days: 7,
                location_precision_km: Some(0.1),
                default_consent_days: 30,
            },
        },
    ]
}

fn json(value: &impl serde::Serialize) -> Result<String, CatalogError> {
    serde_json::to_string(value).map_err(|e| CatalogError::InvalidVss(e.to_string()))
}

/// Imports the seed VSS subset and publishes the four seed products, each
/// with a free `standard` plan. All or nothing.
pub async fn seed_catalog(
    db: &impl TransactionTrait,
    now_ms: i64,
) -> Result<Vec<SeededProduct>, CatalogError> {
    crate::vss::import(db, SEED_VSS, now_ms, |_, _| {}).await?;
    let txn = vdx_core::db::begin_write(db).await?;
    let mut seeded = Vec::new();
    for spec in specs() {
        let product = product::ActiveModel {
            slug: Set(spec.slug.to_owned()),
            name: Set(spec.name.to_owned()),
            description: Set(spec.description.to_owned()),
            category: Set(spec.category.to_owned()),
            created_at: Set(now_ms),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let version = product_version::ActiveModel {
            product_id: Set(product.id),
            version: Set("1.0.0".to_owned()),
            status: Set(Lifecycle::Published.as_str().to_owned()),
            signals: Set(json(&spec.signals)?),
            commands: Set(json(&spec.commands)?),
            purposes: Set(json(&spec.purposes)?),
            terms: Set(json(&spec.terms)?),
            published_at: Set(Some(now_ms)),
            created_at: Set(now_ms),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let plan = plan::ActiveModel {
            product_id: Set(product.id),
            name: Set("standard".to_owned()),
            rate_per_second: Set(50),
            burst: Set(100),
            daily_quota: Set(100_000),
            vehicle_daily_budget: Set(Some(2_000)),
            price_model: Set("free".to_owned()),
            price_minor: Set(0),
            currency: Set("EUR".to_owned()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        seeded.push(SeededProduct {
            slug: ProductSlug::parse(spec.slug)?,
            version_id: version.id,
            plan_id: plan.id,
        });
    }
    txn.commit().await?;
    Ok(seeded)
}
