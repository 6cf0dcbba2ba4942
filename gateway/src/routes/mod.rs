//! REST handlers, one module per resource. Each handler extracts, calls one
//! service function and maps the error; nothing else.

pub mod admin;
pub mod admin_apps;
pub mod authorize;
pub mod catalog_dto;
pub mod commands;
pub mod consents;
pub mod health;
pub mod history;
pub mod ingest;
pub mod marketplace;
pub mod oauth;
pub mod subscriptions;
pub mod vehicles;
