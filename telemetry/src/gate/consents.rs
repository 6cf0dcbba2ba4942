//! The partner side of consent through the gate: the consents drivers gave
//! the calling app (and, for a driver-bound token, only that driver's), one
//! consent's receipt, and ending one as the partner. Any other id is answered
//! like one that does not exist.

use vdx_consent::records::{self, ConsentStatus};
use vdx_consent::views::{self, ConsentView};
use vdx_core::ConsentId;

use super::{PartnerGate, RequestContext};
use crate::TelemetryError;

/// One page of consents, newest first.
#[derive(Debug, Clone)]
pub struct ConsentPage {
    pub consents: Vec<ConsentView>,
    /// Pass as the cursor of the next page; `None` on the last page.
    pub next: Option<i64>,
}

impl PartnerGate {
    /// The consents the caller may see, newest first, ids below `cursor`;
    /// `only_active` leaves out ended and lapsed ones (those that grant
    /// nothing now).
    pub async fn consents(
        &self,
        ctx: &RequestContext,
        cursor: Option<i64>,
        limit: u64,
        only_active: bool,
    ) -> Result<ConsentPage, TelemetryError> {
        let mut rows = records::of_principal(
            &self.db,
            &ctx.principal,
            cursor,
            limit + 1,
            only_active.then_some(ctx.now_ms),
        )
        .await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next = if more {
            rows.last().map(|r| r.id.0)
        } else {
            None
        };
        let consents = views::consents(&self.db, rows, ctx.now_ms).await?;
        Ok(ConsentPage { consents, next })
    }

    /// Ends one of the caller's consents (`revoked_by_partner`); `None` if it
    /// is not one the caller may see.
    pub async fn revoke_consent(
        &self,
        ctx: &RequestContext,
        id: i64,
    ) -> Result<Option<ConsentView>, TelemetryError> {
        let Some(consent) =
            records::find_of_principal(&self.db, &ctx.principal, ConsentId(id)).await?
        else {
            return Ok(None);
        };
        let actor = format!("partner:{}", ctx.principal.app().client_id);
        let updated = records::change_status(
            &self.db,
            consent.id,
            ConsentStatus::RevokedByPartner,
            &actor,
            ctx.now_ms,
        )
        .await?;
        // The node that wrote raises its epoch before it answers.
        self.policy.refresh(&self.db).await?;
        let view = views::consents(&self.db, vec![updated], ctx.now_ms)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                TelemetryError::Corrupt(format!("consent {id}"), "vanished on revoke".into())
            })?;
        Ok(Some(view))
    }

    /// The receipt of one of the caller's consents; `None` if it is not one
    /// the caller may see.
    pub async fn consent_receipt(
        &self,
        ctx: &RequestContext,
        id: i64,
    ) -> Result<Option<serde_json::Value>, TelemetryError> {
        let Some(consent) =
            records::find_of_principal(&self.db, &ctx.principal, ConsentId(id)).await?
        else {
            return Ok(None);
        };
        Ok(Some(
            vdx_consent::receipt::receipt(&self.db, &consent).await?,
        ))
    }
}
