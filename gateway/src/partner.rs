//! The partner read path, shared by REST and GraphQL: consent decision,
//! field authorisation, store read (which writes the access log), in that
//! order. The store read cannot be reached without the decision's grant.

use sea_orm::DatabaseConnection;
use vdx_consent::{Grant, Read};
use vdx_core::{Principal, ProductSlug, Purpose, SignalPath, Vin};
use vdx_telemetry::SignalValue;

use crate::problem::ApiError;
use crate::state::AppState;

/// The latest values a partner may see, and what it asked for but may not.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub values: Vec<SignalValue>,
    pub withheld: Vec<SignalPath>,
}

/// `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) headers for calls served
/// under a deprecated product version; none otherwise.
pub fn lifecycle_headers(version: &vdx_catalog::ProductVersion) -> Vec<(&'static str, String)> {
    if version.status != vdx_catalog::Lifecycle::Deprecated {
        return Vec::new();
    }
    let mut headers = Vec::new();
    if let Some(at) = version.deprecated_at {
        headers.push(("deprecation", format!("@{}", at / 1000)));
    }
    if let Some(sunset) = version
        .sunset_at
        .and_then(chrono::DateTime::from_timestamp_millis)
    {
        headers.push((
            "sunset",
            sunset.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        ));
    }
    headers
}

/// Parses the raw identifiers of a partner request.
pub fn parse_target(
    vin: &str,
    product: &str,
    purpose: &str,
) -> Result<(Vin, ProductSlug, Purpose), ApiError> {
    let bad = |e: vdx_core::ParseError| ApiError::bad_request("INVALID_INPUT", e.to_string());
    Ok((
        Vin::parse(vin).map_err(bad)?,
        ProductSlug::parse(product).map_err(bad)?,
        Purpose::parse(purpose).map_err(bad)?,
    ))
}

/// Parses requested signal paths; `None` means every signal of the product.
pub fn parse_paths(raw: Option<Vec<String>>) -> Result<Option<Vec<SignalPath>>, ApiError> {
    raw.map(|paths| {
        paths
            .iter()
            .map(|p| {
                SignalPath::parse(p.trim())
                    .map_err(|e| ApiError::bad_request("INVALID_INPUT", e.to_string()))
            })
            .collect()
    })
    .transpose()
}

/// Step 3 of the request path: the consent decision (remembered per policy
/// epoch, see [`vdx_consent::decide_cached`]).
pub async fn decide<A: vdx_consent::Action>(
    state: &AppState,
    principal: &Principal,
    vin: &Vin,
    product: &ProductSlug,
    purpose: &Purpose,
) -> Result<Grant<A>, ApiError> {
    Ok(vdx_consent::decide_cached::<A>(
        &state.decisions,
        &state.db,
        principal,
        vin,
        product,
        purpose,
        vdx_catalog::now_ms(),
    )
    .await?)
}

/// Steps 4 to 6: field filter, store read, access log.
pub async fn latest(
    state: &AppState,
    grant: Grant<Read>,
    paths: Option<Vec<SignalPath>>,
    request_id: &str,
) -> Result<Snapshot, ApiError> {
    let fields = grant.authorize(paths);
    let values = vdx_telemetry::read::latest(
        &state.db,
        &state.access_log,
        &fields,
        request_id,
        vdx_catalog::now_ms(),
    )
    .await?;
    Ok(Snapshot {
        values,
        withheld: fields.withheld().to_vec(),
    })
}

/// A page of one signal's history, or the path withheld.
#[derive(Debug, Clone)]
pub struct History {
    pub page: vdx_telemetry::history::HistoryPage,
    pub withheld: Vec<SignalPath>,
}

/// Steps 4 to 6 for history: field filter, bounded store read, access log.
pub async fn history(
    db: &DatabaseConnection,
    grant: Grant<Read>,
    query: &vdx_telemetry::history::HistoryQuery,
    request_id: &str,
) -> Result<History, ApiError> {
    vdx_telemetry::history::check(query).map_err(|e| ApiError::bad_request("INVALID_INPUT", e))?;
    let fields = grant.authorize(Some(vec![query.path.clone()]));
    let page =
        vdx_telemetry::history::history(db, &fields, query, request_id, vdx_catalog::now_ms())
            .await?;
    Ok(History {
        page: page.unwrap_or(vdx_telemetry::history::HistoryPage {
            values: Vec::new(),
            next_cursor: None,
        }),
        withheld: fields.withheld().to_vec(),
    })
}

/// Step 3 for a command-status read: command `id` of the calling app, with
/// a command grant for the vehicle, product and purpose it was sent under.
/// `None` when the id is unknown, another app's, or no longer consented: the
/// same answer, so nothing tells them apart. The caller charges the grant
/// (step 2) and reads the status with it (`vdx_telemetry::commands::status`).
pub async fn command_grant(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Option<(Grant<vdx_consent::Command>, i64)>, ApiError> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    let Some(target) =
        vdx_telemetry::commands::target(&state.db, principal.app().app_id, id).await?
    else {
        return Ok(None);
    };
    match decide::<vdx_consent::Command>(
        state,
        principal,
        &target.vin,
        &target.product,
        &target.purpose,
    )
    .await
    {
        Ok(grant) => Ok(Some((grant, id))),
        Err(ApiError::Denied(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Builds a command request: the actuator parsed, the expiry capped by the
/// configured maximum, the Idempotency-Key checked.
pub fn new_command(
    actuator: &str,
    value: serde_json::Value,
    ttl_secs: Option<u64>,
    idempotency_key: Option<String>,
    max_ttl_secs: u64,
) -> Result<vdx_telemetry::commands::NewCommand, ApiError> {
    let actuator = SignalPath::parse(actuator)
        .map_err(|e| ApiError::bad_request("INVALID_INPUT", e.to_string()))?;
    if let Some(key) = &idempotency_key
        && (key.is_empty() || key.len() > 255)
    {
        return Err(ApiError::bad_request(
            "INVALID_INPUT",
            "an Idempotency-Key is 1 to 255 characters",
        ));
    }
    let ttl = ttl_secs.unwrap_or(max_ttl_secs).clamp(1, max_ttl_secs);
    Ok(vdx_telemetry::commands::NewCommand {
        actuator,
        value,
        idempotency_key,
        ttl_ms: i64::try_from(ttl.saturating_mul(1000)).unwrap_or(i64::MAX),
    })
}
