//! The consent ledger: every state change of every consent, appended and
//! never updated or deleted. Entries form one hash chain: each entry's hash
//! covers its content and the previous entry's hash, and `prev_hash` is
//! unique, so two writers can never fork the chain. Appenders queue for the
//! head instead of racing for it: on SQLite every write transaction holds the
//! database's write lock from its start (`vdx_core::db::begin_write`), and on
//! PostgreSQL [`append`] takes a transaction-scoped advisory lock first.
//! The `consents` table is a projection of the ledger for fast decisions;
//! [`verify`] checks the chain and that the projection agrees with it.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseBackend, EntityTrait, QueryOrder,
    QuerySelect, Statement,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use vdx_core::ConsentId;

use crate::ConsentError;

/// The PostgreSQL advisory lock key that serialises appends to the chain.
const APPEND_LOCK: i64 = 0x7664_785f_6c65_6467; // "vdx_ledg"

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

use crate::entity::consent_ledger as entity;

/// One entry of the ledger, as receipts show it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub id: i64,
    pub consent_id: ConsentId,
    /// What happened: created, revoked, expired, ended, …
    pub event: String,
    /// The consent's status after the event.
    pub status: String,
    /// Who caused it: `driver:<id>`, `partner:<client_id>`, `oem:<client_id>`, `system`.
    pub actor: String,
    /// The consent's terms at the time, as canonical JSON.
    pub payload: String,
    pub at: i64,
    pub prev_hash: String,
    pub hash: String,
}

impl From<entity::Model> for Entry {
    fn from(m: entity::Model) -> Self {
        Self {
            id: m.id,
            consent_id: m.consent_id,
            event: m.event,
            status: m.status,
            actor: m.actor,
            payload: m.payload,
            at: m.at,
            prev_hash: m.prev_hash,
            hash: m.hash,
        }
    }
}

/// The hash of an entry: SHA-256 over its fields and the previous hash, hex.
pub fn entry_hash(
    prev_hash: &str,
    consent: ConsentId,
    event: &str,
    status: &str,
    actor: &str,
    payload: &str,
    at: i64,
) -> String {
    let mut hasher = Sha256::new();
    for part in [
        prev_hash,
        &consent.to_string(),
        event,
        status,
        actor,
        payload,
        &at.to_string(),
    ] {
        hasher.update(part.len().to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends one entry after the current head of the chain.
pub async fn append(
    db: &impl ConnectionTrait,
    consent: ConsentId,
    event: &str,
    status: &str,
    actor: &str,
    payload: &Value,
    at: i64,
) -> Result<String, ConsentError> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Held until the caller's transaction ends, so the next appender
        // reads the head this one writes.
        db.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [APPEND_LOCK.into()],
        ))
        .await?;
    }
    let head = entity::Entity::find()
        .order_by_desc(entity::Column::Id)
        .limit(1)
        .one(db)
        .await?;
    let prev_hash = head.map_or_else(|| GENESIS.to_owned(), |h| h.hash);
    let payload = payload.to_string();
    let hash = entry_hash(&prev_hash, consent, event, status, actor, &payload, at);
    entity::ActiveModel {
        consent_id: Set(consent),
        event: Set(event.to_owned()),
        status: Set(status.to_owned()),
        actor: Set(actor.to_owned()),
        payload: Set(payload),
        at: Set(at),
        prev_hash: Set(prev_hash),
        hash: Set(hash.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(hash)
}

/// The outcome of checking the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: u64,
    /// The first entry that does not verify, and why.
    pub first_broken: Option<(i64, String)>,
}

/// Walks the whole chain in order, recomputing every hash, then checks that
/// each consent's current status is the one its last ledger entry says.
pub async fn verify(db: &impl ConnectionTrait) -> Result<Verification, ConsentError> {
    use std::collections::HashMap;
    let mut expected_prev = GENESIS.to_owned();
    let mut entries = 0;
    let mut last_status: HashMap<ConsentId, (i64, String)> = HashMap::new();
    let mut after = 0i64;
    loop {
        use sea_orm::{ColumnTrait, QueryFilter};
        let page = entity::Entity::find()
            .filter(entity::Column::Id.gt(after))
            .order_by_asc(entity::Column::Id)
            .limit(1000)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            after = e.id;
            entries += 1;
            if e.prev_hash != expected_prev {
                return Ok(Verification {
                    entries,
                    first_broken: Some((
                        e.id,
                        "its prev_hash does not match the previous entry's hash".into(),
                    )),
                });
            }
            let recomputed = entry_hash(
                &e.prev_hash,
                e.consent_id,
                &e.event,
                &e.status,
                &e.actor,
                &e.payload,
                e.at,
            );
            if recomputed != e.hash {
                return Ok(Verification {
                    entries,
                    first_broken: Some((e.id, "its content does not match its hash".into())),
                });
            }
            expected_prev = e.hash;
            last_status.insert(e.consent_id, (e.id, e.status));
        }
    }
    let consents = crate::entity::consent::Entity::find()
        .order_by_asc(crate::entity::consent::Column::Id)
        .all(db)
        .await?;
    for consent in consents {
        match last_status.get(&consent.id) {
            None => {
                return Ok(Verification {
                    entries,
                    first_broken: Some((0, format!("consent {} has no ledger entry", consent.id))),
                });
            }
            Some((entry, status)) if *status != consent.status => {
                return Ok(Verification {
                    entries,
                    first_broken: Some((
                        *entry,
                        format!(
                            "consent {} is {} but its last ledger entry says {status}",
                            consent.id, consent.status
                        ),
                    )),
                });
            }
            Some(_) => {}
        }
    }
    Ok(Verification {
        entries,
        first_broken: None,
    })
}

/// A consent's entries, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    consent: ConsentId,
) -> Result<Vec<Entry>, ConsentError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    crate::rows::all(
        db,
        entity::Entity::find()
            .filter(entity::Column::ConsentId.eq(consent))
            .order_by_asc(entity::Column::Id),
    )
    .await
}
