//! SeaORM entities of people, vehicles, consents and the access log.

pub mod access_log;
pub mod consent;
pub mod consent_ledger;
pub mod driver;
pub mod vehicle;
pub mod vehicle_driver;
