//! Starting write transactions. On SQLite a plain `BEGIN` is deferred: a
//! transaction that reads before it writes keeps the snapshot of its first
//! read, and when another connection commits in between, its first write
//! fails at once with `SQLITE_BUSY` ("database is locked"; the busy timeout
//! does not apply, since waiting could not help). `BEGIN IMMEDIATE` takes the
//! write lock up front, so concurrent writers queue behind the busy timeout
//! instead. Every transaction of the house writes, so every one starts here.
//! PostgreSQL ignores the SQLite mode.

use sea_orm::{DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait};

/// Begins a transaction that will write: `BEGIN IMMEDIATE` on SQLite.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
