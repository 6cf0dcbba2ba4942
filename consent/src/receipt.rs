//! Consent receipts, in the shape of ISO/IEC TS 27560 consent records:
//! controller, subject, purpose, data categories, timestamps, status, and the
//! ledger entries that prove the history. Drivers and partners download them.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use vdx_catalog::marketplace;

use crate::entity::vehicle;
use crate::{ConsentError, ConsentRecord, ledger};

/// A stored time as RFC 3339; out of range is a corrupt row (logged, an error).
fn iso(ms: i64, what: impl Fn() -> String) -> Result<String, ConsentError> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339())
        .ok_or_else(|| corrupt(what(), format!("time {ms} is out of range")))
}

fn corrupt(what: String, detail: String) -> ConsentError {
    let err = ConsentError::Corrupt(what, detail);
    tracing::error!(error = %err, "corrupt row in a consent receipt");
    err
}

/// Builds the receipt of one consent.
pub async fn receipt(
    db: &impl ConnectionTrait,
    row: &ConsentRecord,
) -> Result<Value, ConsentError> {
    let missing = |what: &str| {
        ConsentError::NotFound(format!("consent {} refers to a missing {what}", row.id))
    };
    let (app, partner) = marketplace::app_with_partner(db, row.app_id)
        .await?
        .ok_or_else(|| missing("app or partner"))?;
    let vehicle = vehicle::Entity::find_by_id(row.vehicle_id)
        .one(db)
        .await?
        .ok_or_else(|| missing("vehicle"))?;
    let version = vdx_catalog::product::version_by_id(db, row.product_version_id)
        .await?
        .ok_or_else(|| missing("product version"))?;
    let consent = || format!("consent {}", row.id);
    let purpose_description = vdx_core::Purpose::parse(&row.purpose)
        .ok()
        .and_then(|p| vdx_catalog::purposes::lookup(&p))
        .map(|p| p.description)
        .ok_or_else(|| corrupt(consent(), format!("unknown purpose {:?}", row.purpose)))?;
    let entries = ledger::history(db, row.id).await?;
    let ledger = entries
        .iter()
        .map(|e| {
            Ok(json!({ "event": e.event, "status": e.status, "actor": e.actor, "at": iso(e.at, consent)?, "hash": e.hash }))
        })
        .collect::<Result<Vec<_>, ConsentError>>()?;
    Ok(json!({
        "schema": "ISO/IEC TS 27560 consent record (vdx profile 1)",
        "record_id": format!("vdx-consent-{}", row.id),
        "issued_at": Utc::now().to_rfc3339(),
        "controller": { "name": partner.name, "application": app.name, "client_id": app.client_id },
        "processor": { "name": "vdx vehicle data exchange, operated by the vehicle manufacturer" },
        "subject": { "id": format!("driver:{}", row.driver_id), "vehicle_vin": vehicle.vin },
        "legal_basis": "consent (GDPR Art. 6(1)(a)); data sharing at the user's request (EU Data Act Art. 5)",
        "purposes": [{ "name": row.purpose, "description": purpose_description }],
        "data_categories": version.signals.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "commands": if row.scopes.contains("command") { version.commands.iter().map(ToString::to_string).collect::<Vec<_>>() } else { Vec::new() },
        "product": { "slug": version.slug.to_string(), "name": version.name, "version": version.version },
        "terms": version.terms,
        "collection_method": row.source,
        "timestamps": { "granted_at": iso(row.granted_at, consent)?, "expires_at": iso(row.expires_at, consent)?, "updated_at": iso(row.updated_at, consent)? },
        "status": row.status,
        "ledger": ledger,
    }))
}
