//! What a GraphQL request costs against the plan's rate limit: its
//! complexity (as computed by validation), charged once per request and
//! subscription, after the consent decision names the plan (see `ratelimit`).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{Context, ServerError, ValidationResult};
use vdx_consent::{Action, Grant};
use vdx_core::SubscriptionId;

use super::gql_error;
use crate::problem::ApiError;
use crate::state::AppState;

/// The cost of one request, shared between the extension and the resolvers.
#[derive(Debug, Default)]
pub struct RequestCost {
    complexity: AtomicUsize,
    charged: Mutex<HashSet<SubscriptionId>>,
}

/// The extension that records each request's complexity.
pub struct CostMeter;

impl ExtensionFactory for CostMeter {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostMeterExtension)
    }
}

struct CostMeterExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for CostMeterExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(cost) = ctx.data_opt::<Arc<RequestCost>>() {
            cost.complexity.store(result.complexity, Ordering::Relaxed);
        }
        Ok(result)
    }
}

/// Charges the request's complexity to the grant's plan, once per request and
/// subscription, and sets the RateLimit headers (and Retry-After on a 429).
pub async fn charge<A: Action>(ctx: &Context<'_>, grant: &Grant<A>) -> async_graphql::Result<()> {
    let state = ctx.data::<Arc<AppState>>()?;
    let Some(cost) = ctx.data_opt::<Arc<RequestCost>>() else {
        return Ok(());
    };
    let first = cost
        .charged
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(grant.subscription_id());
    if !first {
        return Ok(());
    }
    let units = u32::try_from(cost.complexity.load(Ordering::Relaxed)).unwrap_or(u32::MAX);
    match state
        .limits
        .charge(&state.db, grant, units, vdx_catalog::now_ms())
        .await
    {
        Ok(headers) => {
            for (name, value) in headers.pairs() {
                ctx.insert_http_header(name, value);
            }
            Ok(())
        }
        Err(err) => {
            if let ApiError::RateLimited {
                retry_after_secs,
                headers,
                ..
            } = &err
            {
                ctx.insert_http_header("retry-after", retry_after_secs.to_string());
                for (name, value) in headers.pairs() {
                    ctx.insert_http_header(name, value);
                }
            }
            Err(gql_error(err))
        }
    }
}
