//! The vdx gateway: the only crate that knows HTTP and GraphQL.
//!
//! Request path: request id → metrics → problem mapping → authn (JWT to a
//! typed `Principal`, in the extractors) → consent decision (a `Grant`) →
//! field filter (`AuthorizedFields`) → store read (takes the fields, writes
//! the access log) → response.

pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod demo;
pub mod edge;
pub mod graphql;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod pages;
mod partner;
pub mod portal;
pub mod problem;
mod problem_mw;
pub mod ratelimit;
pub mod request_id;
pub mod routes;
pub mod run_error;
pub mod simulate;
pub mod startup;
pub mod state;
pub mod statements;
