//! The charge step of the partner gate: rate limits and quotas of the plans
//! behind the grants a request holds. Held by the gate (never a global
//! static), in memory per replica.
//!
//! - Sustained rate plus burst: a keyed governor GCRA limiter per plan, keyed
//!   by app, so each (app, plan) pair has its own bucket.
//! - A daily quota per subscription and the plan's per-vehicle daily budget:
//!   counters per UTC day.
//!
//! [`RateLimits::charge`] is the one place a request is charged: the whole
//! cost to every subscription it touches and one call to every vehicle it
//! reads, all or nothing. The quota and budget counters move only when every
//! check passed; a GCRA cell taken from an earlier plan of a request that a
//! later plan refuses is not given back (governor has no refund), which errs
//! on the side of the limit. [`RateLimits::sweep`] evicts idle limiter keys
//! (`retain_recent`), past days' counters and stale plan cache entries.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use sea_orm::ConnectionTrait;
use vdx_catalog::plans::PlanSpec;
use vdx_core::{AppId, PlanId, SubscriptionId, VehicleId};

use crate::TelemetryError;

type Limiter =
    RateLimiter<AppId, DashMapStateStore<AppId>, DefaultClock, StateInformationMiddleware>;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const PLAN_CACHE_MS: i64 = 60_000;

/// Header values describing the limits that applied to a call
/// (draft-ietf-httpapi-ratelimit-headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateHeaders {
    pub policy: String,
    pub state: String,
}

impl RateHeaders {
    /// As (name, value) pairs, ready to insert.
    pub fn pairs(&self) -> [(&'static str, String); 2] {
        [
            ("ratelimit-policy", self.policy.clone()),
            ("ratelimit", self.state.clone()),
        ]
    }
}

/// A refused charge: which limit, why, and when to come back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Limited {
    /// `RATE_LIMITED`, `DAILY_QUOTA_EXCEEDED` or `VEHICLE_BUDGET_EXCEEDED`.
    pub code: &'static str,
    pub detail: String,
    pub retry_after_secs: u64,
    pub headers: RateHeaders,
}

/// What one request asks to be charged: `cost` units to each subscription
/// (with the app whose bucket it draws on), and one call to each vehicle
/// under a subscription.
#[derive(Debug, Default)]
pub(crate) struct Bill {
    pub subscriptions: BTreeMap<SubscriptionId, AppId>,
    pub vehicles: BTreeSet<(SubscriptionId, VehicleId)>,
}

impl Bill {
    /// Adds what `grant` touches: its subscription and its vehicle.
    pub(crate) fn add<A: vdx_consent::Action>(&mut self, grant: &vdx_consent::Grant<A>) {
        self.subscriptions
            .insert(grant.subscription_id(), grant.app_id());
        self.vehicles
            .insert((grant.subscription_id(), grant.vehicle_id()));
    }
}

#[derive(Default)]
struct Inner {
    limiters: HashMap<PlanId, (PlanSpec, Arc<Limiter>)>,
    plans: HashMap<SubscriptionId, (PlanId, PlanSpec, i64)>,
    daily: HashMap<(SubscriptionId, i64), u64>,
    vehicles: HashMap<(SubscriptionId, VehicleId, i64), u32>,
}

/// The limiter state of one gateway process.
#[derive(Default)]
pub struct RateLimits {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimits")
    }
}

fn lock(m: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn policy_of(spec: &PlanSpec) -> String {
    format!(
        "\"burst\";q={};w=1, \"daily\";q={};w=86400",
        spec.burst.max(1),
        spec.daily_quota
    )
}

impl RateLimits {
    async fn plan_of(
        &self,
        db: &impl ConnectionTrait,
        sub: SubscriptionId,
        now_ms: i64,
    ) -> Result<(PlanId, PlanSpec), TelemetryError> {
        if let Some((id, spec, at)) = lock(&self.inner).plans.get(&sub)
            && now_ms - at < PLAN_CACHE_MS
        {
            return Ok((*id, spec.clone()));
        }
        let (id, spec) = vdx_catalog::plans::of_subscription(db, sub)
            .await?
            .ok_or_else(|| {
                TelemetryError::Corrupt(format!("subscription {sub}"), "its plan is missing".into())
            })?;
        lock(&self.inner)
            .plans
            .insert(sub, (id, spec.clone(), now_ms));
        Ok((id, spec))
    }

    /// Charges `cost` units to every subscription of `bill` and one call to
    /// every vehicle, all or nothing. `Ok(None)` for an empty bill; else the
    /// headers of the first subscription (the one REST calls have).
    pub(crate) async fn charge(
        &self,
        db: &impl ConnectionTrait,
        bill: &Bill,
        cost: u32,
        now_ms: i64,
    ) -> Result<Result<Option<RateHeaders>, Limited>, TelemetryError> {
        let mut plans = Vec::with_capacity(bill.subscriptions.len());
        for (&sub, &app) in &bill.subscriptions {
            let (plan_id, spec) = self.plan_of(db, sub, now_ms).await?;
            plans.push((sub, app, plan_id, spec));
        }
        let cost = cost.max(1);
        let day = now_ms.div_euclid(DAY_MS);
        let to_midnight = ((day + 1) * DAY_MS - now_ms + 999) / 1000;
        let retry = |secs: i64| u64::try_from(secs.max(1)).unwrap_or(1);
        let mut inner = lock(&self.inner);
        // Quotas and budgets first: pure checks, nothing moves yet.
        for (sub, _, _, spec) in &plans {
            let used = inner.daily.get(&(*sub, day)).copied().unwrap_or(0);
            if used + u64::from(cost) > spec.daily_quota {
                return Ok(Err(Limited {
                    code: "DAILY_QUOTA_EXCEEDED",
                    detail: format!(
                        "the subscription's daily quota of {} is used up",
                        spec.daily_quota
                    ),
                    retry_after_secs: retry(to_midnight),
                    headers: RateHeaders {
                        policy: policy_of(spec),
                        state: format!("\"daily\";r=0;t={to_midnight}"),
                    },
                }));
            }
            if let Some(budget) = spec.vehicle_daily_budget {
                for (_, vehicle) in bill.vehicles.iter().filter(|(s, _)| s == sub) {
                    let key = (*sub, *vehicle, day);
                    if inner.vehicles.get(&key).copied().unwrap_or(0) >= budget {
                        return Ok(Err(Limited {
                            code: "VEHICLE_BUDGET_EXCEEDED",
                            detail: format!("the plan allows {budget} calls per vehicle per day"),
                            retry_after_secs: retry(to_midnight),
                            headers: RateHeaders {
                                policy: policy_of(spec),
                                state: format!("\"vehicle\";r=0;t={to_midnight}"),
                            },
                        }));
                    }
                }
            }
        }
        // Then the GCRA buckets, one per (app, plan).
        let mut remaining = Vec::with_capacity(plans.len());
        for (_, app, plan_id, spec) in &plans {
            let rate = NonZeroU32::new(spec.rate_per_second).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(spec.burst).unwrap_or(NonZeroU32::MIN);
            let limiter = match inner.limiters.get(plan_id) {
                Some((s, l)) if s == spec => Arc::clone(l),
                _ => {
                    let l = Arc::new(
                        RateLimiter::dashmap(Quota::per_second(rate).allow_burst(burst))
                            .with_middleware::<StateInformationMiddleware>(),
                    );
                    inner
                        .limiters
                        .insert(*plan_id, (spec.clone(), Arc::clone(&l)));
                    l
                }
            };
            let n = NonZeroU32::new(cost).unwrap_or(NonZeroU32::MIN);
            match limiter.check_key_n(app, n) {
                Ok(Ok(snapshot)) => remaining.push(snapshot.remaining_burst_capacity()),
                Ok(Err(not_until)) => {
                    let wait = not_until.wait_time_from(DefaultClock::default().now());
                    let secs = i64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(1);
                    return Ok(Err(Limited {
                        code: "RATE_LIMITED",
                        detail: format!(
                            "more than {rate} calls per second (burst {burst}) for this plan"
                        ),
                        retry_after_secs: retry(secs),
                        headers: RateHeaders {
                            policy: policy_of(spec),
                            state: format!("\"burst\";r=0;t={}", secs.max(1)),
                        },
                    }));
                }
                Err(_) => {
                    return Ok(Err(Limited {
                        code: "RATE_LIMITED",
                        detail: format!(
                            "a request costing {cost} exceeds the plan's burst of {burst}"
                        ),
                        retry_after_secs: 1,
                        headers: RateHeaders {
                            policy: policy_of(spec),
                            state: "\"burst\";r=0;t=1".to_owned(),
                        },
                    }));
                }
            }
        }
        // Everything passed: move the counters.
        for (sub, _, _, spec) in &plans {
            *inner.daily.entry((*sub, day)).or_default() += u64::from(cost);
            if spec.vehicle_daily_budget.is_some() {
                for (s, vehicle) in &bill.vehicles {
                    if s == sub {
                        *inner.vehicles.entry((*sub, *vehicle, day)).or_default() += 1;
                    }
                }
            }
        }
        Ok(Ok(plans.first().zip(remaining.first()).map(
            |((sub, _, _, spec), remaining)| {
                let used = inner.daily.get(&(*sub, day)).copied().unwrap_or(0);
                let left = spec.daily_quota.saturating_sub(used);
                RateHeaders {
                    policy: policy_of(spec),
                    state: format!(
                        "\"burst\";r={remaining};t=0, \"daily\";r={left};t={to_midnight}"
                    ),
                }
            },
        )))
    }

    /// Bounds memory: evicts idle limiter keys and yesterday's counters.
    pub fn sweep(&self, now_ms: i64) {
        let day = now_ms.div_euclid(DAY_MS);
        let mut inner = lock(&self.inner);
        for (_, limiter) in inner.limiters.values() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        inner.daily.retain(|(_, d), _| *d == day);
        inner.vehicles.retain(|(_, _, d), _| *d == day);
        inner
            .plans
            .retain(|_, (_, _, at)| now_ms - *at < PLAN_CACHE_MS);
    }

    /// Keys held across all limiters (for tests and metrics).
    pub fn tracked_keys(&self) -> usize {
        lock(&self.inner)
            .limiters
            .values()
            .map(|(_, l)| l.len())
            .sum()
    }
}
