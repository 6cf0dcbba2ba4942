//! The one integration-test binary. Every test talks HTTP to a real gateway
//! spawned on a random port over a fresh database; most run on SQLite and on
//! PostgreSQL. Add modules here, never new test binaries.

mod admin_console;
mod admin_drafts;
mod browser;
mod browser_docs;
mod catalog;
mod cli;
mod commands;
mod consent;
mod constraints;
mod contracts;
mod edge;
mod federated;
mod gate;
mod graphql_limits;
mod history;
mod http_basics;
mod ingest;
mod oauth;
mod openapi_docs;
mod persisted_queries;
mod portal;
mod ratelimit;
mod read_path;
mod secrets;
mod slice;
mod times;
