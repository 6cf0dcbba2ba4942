//! REST handlers, one module per resource. Each handler extracts, calls one
//! service function and maps the error; nothing else.

pub mod admin_apps;
pub mod authorize;
pub mod health;
pub mod oauth;
pub mod vehicles;
