//! What the fixtures' products offer: signal paths of the catalog crate's
//! VSS subset, and product and plan specifications with the limits a test
//! asks for. Plain data; it must not call the gateway.

use serde_json::{Value, json};

pub const DAY_MS: i64 = 24 * 3600 * 1000;
pub const SOC: &str = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current";
pub const RANGE: &str = "Vehicle.Powertrain.TractionBattery.Range";
pub const CHARGING: &str = "Vehicle.Powertrain.TractionBattery.Charging";
pub const IS_CHARGING: &str = "Vehicle.Powertrain.TractionBattery.Charging.IsCharging";
pub const START_STOP: &str = "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging";
pub const CHARGE_LIMIT: &str = "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit";
pub const ODOMETER: &str = "Vehicle.TraveledDistance";
pub const SPEED: &str = "Vehicle.Speed";
pub const LOCATION: &str = "Vehicle.CurrentLocation";
pub const LATITUDE: &str = "Vehicle.CurrentLocation.Latitude";
pub const LONGITUDE: &str = "Vehicle.CurrentLocation.Longitude";
pub const DOOR_LOCK: &str = "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked";

/// What a product offers, and its one plan's limits.
#[derive(Debug, Clone)]
pub struct ProductSpec {
    pub name: &'static str,
    pub category: &'static str,
    pub signals: Vec<&'static str>,
    pub commands: Vec<&'static str>,
    pub purpose: &'static str,
    /// The leaf signals a car of [`TestApp::consented`] reports, with values.
    pub reported: Vec<(&'static str, Value)>,
    pub history_days: u32,
    pub location_precision_km: Option<f64>,
    pub default_consent_days: u32,
    pub plan: PlanSpec,
}

/// A plan's limits (free of charge unless `price_model` says otherwise).
#[derive(Debug, Clone)]
pub struct PlanSpec {
    pub rate_per_second: u32,
    pub burst: u32,
    pub daily_quota: u64,
    pub vehicle_daily_budget: Option<u32>,
    pub price_model: &'static str,
    pub price_minor: u64,
}

impl Default for PlanSpec {
    fn default() -> Self {
        Self {
            rate_per_second: 50,
            burst: 100,
            daily_quota: 100_000,
            vehicle_daily_budget: None,
            price_model: "free",
            price_minor: 0,
        }
    }
}

impl PlanSpec {
    /// A free plan with these limits.
    pub fn limits(
        rate_per_second: u32,
        burst: u32,
        daily_quota: u64,
        vehicle_daily_budget: Option<u32>,
    ) -> Self {
        Self {
            rate_per_second,
            burst,
            daily_quota,
            vehicle_daily_budget,
            ..Self::default()
        }
    }
}

impl ProductSpec {
    /// Battery values, with commands to start and stop charging.
    pub fn charging() -> Self {
        Self {
            name: "EV Smart Charging",
            category: "energy",
            signals: vec![SOC, RANGE, CHARGING],
            commands: vec![START_STOP, CHARGE_LIMIT],
            purpose: "smart_charging",
            reported: vec![
                (SOC, json!(57.5)),
                (RANGE, json!(231_000)),
                (IS_CHARGING, json!(false)),
                (CHARGE_LIMIT, json!(80)),
            ],
            history_days: 7,
            location_precision_km: None,
            default_consent_days: 365,
            plan: PlanSpec::default(),
        }
    }

    /// Odometer and speed, read only.
    pub fn mileage() -> Self {
        Self {
            name: "Mileage",
            category: "insurance",
            signals: vec![ODOMETER, SPEED],
            commands: Vec::new(),
            purpose: "usage_based_insurance",
            reported: vec![(ODOMETER, json!(12_345)), (SPEED, json!(48.5))],
            history_days: 90,
            location_precision_km: None,
            default_consent_days: 365,
            plan: PlanSpec::default(),
        }
    }

    /// Where the car roughly is.
    pub fn coarse_location() -> Self {
        Self {
            name: "Coarse location",
            category: "retail",
            signals: vec![LOCATION],
            commands: Vec::new(),
            purpose: "location_based_offers",
            reported: vec![(LATITUDE, json!(48.137154)), (LONGITUDE, json!(11.576124))],
            history_days: 0,
            location_precision_km: Some(5.0),
            default_consent_days: 90,
            plan: PlanSpec::default(),
        }
    }

    /// Lock and unlock the driver's door, for a courier.
    pub fn vehicle_access() -> Self {
        Self {
            name: "Vehicle access",
            category: "fleet",
            signals: vec![DOOR_LOCK, LOCATION],
            commands: vec![DOOR_LOCK],
            purpose: "in_car_delivery",
            reported: vec![(DOOR_LOCK, json!(true))],
            history_days: 1,
            location_precision_km: Some(0.1),
            default_consent_days: 30,
            plan: PlanSpec::default(),
        }
    }

    /// The same product with another plan.
    pub fn with_plan(mut self, plan: PlanSpec) -> Self {
        self.plan = plan;
        self
    }
}
