//! SeaORM entities of the catalog and marketplace tables. Rows only; the
//! domain types and rules live in the parent modules.

pub mod app;
pub mod audit_log;
pub mod partner;
pub mod plan;
pub mod product;
pub mod product_version;
pub mod signal;
pub mod subscription;
