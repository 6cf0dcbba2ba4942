//! The controlled list of purposes a product may be used for, in the spirit of
//! the COVESA VISS purpose lists. A consent names exactly one of these.

use vdx_core::Purpose;

/// A purpose with the plain-words description a driver is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurposeInfo {
    pub name: &'static str,
    pub description: &'static str,
}

pub const PURPOSES: &[PurposeInfo] = &[
    PurposeInfo {
        name: "smart_charging",
        description: "Schedule and control charging so the car charges when power is cheap or green.",
    },
    PurposeInfo {
        name: "usage_based_insurance",
        description: "Price motor insurance by the distance driven and how the car is driven.",
    },
    PurposeInfo {
        name: "location_based_offers",
        description: "Make offers that depend on roughly where the car is, such as a nearby fuel station.",
    },
    PurposeInfo {
        name: "in_car_delivery",
        description: "Unlock the car for a courier to deliver a parcel into it, and lock it again.",
    },
    PurposeInfo {
        name: "fleet_management",
        description: "Operate a fleet: vehicle positions, utilisation and status for the fleet owner.",
    },
    PurposeInfo {
        name: "predictive_maintenance",
        description: "Detect wear and faults early and propose a workshop visit.",
    },
];

/// Looks a purpose up in the controlled list.
pub fn lookup(purpose: &Purpose) -> Option<&'static PurposeInfo> {
    PURPOSES.iter().find(|p| p.name == purpose.as_str())
}
