//! The writing node raises its policy epoch before it answers. Requests take
//! the epoch from memory; it reaches memory by notification (PostgreSQL)
//! or by a check at most every millisecond (SQLite), both some time after
//! the commit. A driver who revokes and at once sees a partner read served
//! by the same node must not depend on that. So every request that may have
//! changed policy (any unsafe method outside the partner data plane's
//! `/graphql` and `/v1/ingest`, which write no policy) reads the epoch into
//! the watch after its handler ran and before its response leaves.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

/// Unsafe-method paths that never change what a consent decision reads.
const WRITE_NO_POLICY: [&str; 2] = ["/graphql", "/v1/ingest"];

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = (!req.method().is_safe() && !WRITE_NO_POLICY.contains(&req.path()))
        .then(|| req.app_data::<web::Data<AppState>>().cloned())
        .flatten();
    let res = next.call(req).await?;
    if let Some(state) = state
        && let Err(e) = state.gate.policy().refresh(state.db_bypassing_gate()).await
    {
        // The poll raises it within its period instead.
        tracing::warn!(error = %e, "could not read the policy epoch after a write");
    }
    Ok(res)
}
