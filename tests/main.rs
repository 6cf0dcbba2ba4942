//! The one integration-test binary. Every test talks HTTP to a real gateway
//! spawned on a random port over a fresh database; most run on SQLite and on
//! PostgreSQL. Add modules here, never new test binaries.

mod browser;
mod catalog;
mod cli;
mod consent;
mod contracts;
mod http_basics;
mod oauth;
mod slice;
