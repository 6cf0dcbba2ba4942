//! Step 2 of the request path: rate limits and quotas of the subscription's
//! plan. Held in app state (never a global static), in memory per replica.
//!
//! - Sustained rate plus burst: a keyed governor GCRA limiter per plan, keyed
//!   by app, so each (app, plan) pair has its own bucket.
//! - A daily quota per subscription and the plan's per-vehicle daily budget:
//!   counters per UTC day.
//!
//! The plan belongs to the subscription the consent decision found, so a call
//! is charged *after* the decision and before the store read; denied calls
//! cost nothing (they are cheap, and they reveal nothing). REST calls cost 1;
//! a GraphQL request costs its complexity, charged once per request and plan.
//! Responses carry `RateLimit-Policy` and `RateLimit`
//! (draft-ietf-httpapi-ratelimit-headers); a 429 also `Retry-After`.
//! [`RateLimits::sweep`] runs every minute: idle limiter keys are evicted
//! (`retain_recent`), past days' counters and stale plan cache entries dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use sea_orm::{DatabaseConnection, EntityTrait};
use vdx_catalog::entity::{plan, subscription};
use vdx_catalog::plans::PlanSpec;
use vdx_consent::{Action, Grant};
use vdx_core::{AppId, PlanId, SubscriptionId, VehicleId};

use crate::problem::ApiError;

type Limiter =
    RateLimiter<AppId, DashMapStateStore<AppId>, DefaultClock, StateInformationMiddleware>;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const PLAN_CACHE_MS: i64 = 60_000;

/// Header values describing the limits that applied to a call.
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

/// Brakes on password guessing at the portal's sign-in: every attempt costs
/// a cell per (username, client address) and per client address (GCRA,
/// governor). A username gets 10 attempts at once from one address, then one
/// every 30 s; an address 30 attempts, then one a second. Keying the username
/// with the address means a guesser elsewhere cannot lock a driver out.
/// Unknown usernames count alike, so the brake reveals nothing. IPv6
/// addresses count per /64. The state is per gateway process, and the address
/// is the TCP peer (behind a proxy, the proxy's).
pub struct LoginThrottle {
    by_user: RateLimiter<(String, IpAddr), DashMapStateStore<(String, IpAddr)>, DefaultClock>,
    by_address: RateLimiter<IpAddr, DashMapStateStore<IpAddr>, DefaultClock>,
}

/// Longest username kept as a throttle key; longer ones are cut.
const LOGIN_KEY_MAX: usize = 128;

impl Default for LoginThrottle {
    fn default() -> Self {
        let per = |period: std::time::Duration, burst: u32| {
            Quota::with_period(period)
                .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
        };
        Self {
            by_user: RateLimiter::dashmap(per(std::time::Duration::from_secs(30), 10)),
            by_address: RateLimiter::dashmap(per(std::time::Duration::from_secs(1), 30)),
        }
    }
}

/// The address a client is counted under: itself, or its /64 for IPv6.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::V6(octets.into())
            }
        },
        v4 => v4,
    }
}

impl LoginThrottle {
    /// Charges one sign-in attempt; `Err(seconds)` to wait when over the limit.
    pub fn attempt(&self, username: &str, address: Option<IpAddr>) -> Result<(), u64> {
        let wait = |not_until: governor::NotUntil<_>| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            u64::try_from(wait.as_millis().div_ceil(1000))
                .unwrap_or(u64::MAX)
                .max(1)
        };
        let address = client_key(address.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)));
        self.by_address.check_key(&address).map_err(wait)?;
        let mut user: String = username.trim().to_lowercase();
        if user.len() > LOGIN_KEY_MAX {
            let cut = (0..=LOGIN_KEY_MAX)
                .rev()
                .find(|i| user.is_char_boundary(*i))
                .unwrap_or(0);
            user.truncate(cut);
        }
        self.by_user.check_key(&(user, address)).map_err(wait)
    }

    fn sweep(&self) {
        self.by_user.retain_recent();
        self.by_user.shrink_to_fit();
        self.by_address.retain_recent();
        self.by_address.shrink_to_fit();
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
    /// The portal's sign-in throttle.
    pub login: LoginThrottle,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimits")
    }
}

fn lock(m: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl RateLimits {
    async fn plan_of(
        &self,
        db: &DatabaseConnection,
        sub: SubscriptionId,
        now_ms: i64,
    ) -> Result<(PlanId, PlanSpec), ApiError> {
        if let Some((id, spec, at)) = lock(&self.inner).plans.get(&sub)
            && now_ms - at < PLAN_CACHE_MS
        {
            return Ok((*id, spec.clone()));
        }
        let row = subscription::Entity::find_by_id(sub)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::internal("the grant's subscription is gone"))?;
        let plan = plan::Entity::find_by_id(row.plan_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::internal("the subscription's plan is gone"))?;
        let spec = PlanSpec::from_row(&plan);
        lock(&self.inner)
            .plans
            .insert(sub, (plan.id, spec.clone(), now_ms));
        Ok((plan.id, spec))
    }

    /// Charges a served call of `cost` units against the grant's plan.
    pub async fn charge<A: Action>(
        &self,
        db: &DatabaseConnection,
        grant: &Grant<A>,
        cost: u32,
        now_ms: i64,
    ) -> Result<RateHeaders, ApiError> {
        let (plan_id, spec) = self.plan_of(db, grant.subscription_id(), now_ms).await?;
        let rate = NonZeroU32::new(spec.rate_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(spec.burst).unwrap_or(NonZeroU32::MIN);
        let day = now_ms.div_euclid(DAY_MS);
        let to_midnight = ((day + 1) * DAY_MS - now_ms + 999) / 1000;
        let policy = format!(
            "\"burst\";q={burst};w=1, \"daily\";q={};w=86400",
            spec.daily_quota
        );
        let mut inner = lock(&self.inner);
        let limiter = match inner.limiters.get(&plan_id) {
            Some((s, l)) if *s == spec => Arc::clone(l),
            _ => {
                let l = Arc::new(
                    RateLimiter::dashmap(Quota::per_second(rate).allow_burst(burst))
                        .with_middleware::<StateInformationMiddleware>(),
                );
                inner
                    .limiters
                    .insert(plan_id, (spec.clone(), Arc::clone(&l)));
                l
            }
        };
        let used = inner
            .daily
            .get(&(grant.subscription_id(), day))
            .copied()
            .unwrap_or(0);
        let cost = cost.max(1);
        let limited =
            |code: &'static str, detail: String, retry: i64, state: String| ApiError::RateLimited {
                code,
                detail,
                retry_after_secs: u64::try_from(retry.max(1)).unwrap_or(1),
                headers: RateHeaders {
                    policy: policy.clone(),
                    state,
                },
            };
        if used + u64::from(cost) > spec.daily_quota {
            return Err(limited(
                "DAILY_QUOTA_EXCEEDED",
                format!(
                    "the subscription's daily quota of {} is used up",
                    spec.daily_quota
                ),
                to_midnight,
                format!("\"daily\";r=0;t={to_midnight}"),
            ));
        }
        if let Some(budget) = spec.vehicle_daily_budget {
            let key = (grant.subscription_id(), grant.vehicle_id(), day);
            let spent = inner.vehicles.get(&key).copied().unwrap_or(0);
            if spent >= budget {
                return Err(limited(
                    "VEHICLE_BUDGET_EXCEEDED",
                    format!("the plan allows {budget} calls per vehicle per day"),
                    to_midnight,
                    format!("\"vehicle\";r=0;t={to_midnight}"),
                ));
            }
        }
        let n = NonZeroU32::new(cost).unwrap_or(NonZeroU32::MIN);
        let remaining = match limiter.check_key_n(&grant.app_id(), n) {
            Ok(Ok(snapshot)) => snapshot.remaining_burst_capacity(),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let secs = i64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(1);
                return Err(limited(
                    "RATE_LIMITED",
                    format!("more than {rate} calls per second (burst {burst}) for this plan"),
                    secs,
                    format!("\"burst\";r=0;t={}", secs.max(1)),
                ));
            }
            Err(_) => {
                return Err(limited(
                    "RATE_LIMITED",
                    format!("a request costing {cost} exceeds the plan's burst of {burst}"),
                    1,
                    "\"burst\";r=0;t=1".to_owned(),
                ));
            }
        };
        *inner
            .daily
            .entry((grant.subscription_id(), day))
            .or_default() += u64::from(cost);
        if spec.vehicle_daily_budget.is_some() {
            *inner
                .vehicles
                .entry((grant.subscription_id(), grant.vehicle_id(), day))
                .or_default() += 1;
        }
        let left = spec.daily_quota.saturating_sub(used + u64::from(cost));
        Ok(RateHeaders {
            policy,
            state: format!("\"burst\";r={remaining};t=0, \"daily\";r={left};t={to_midnight}"),
        })
    }

    /// Bounds memory: evicts idle limiter keys and yesterday's counters.
    pub fn sweep(&self, now_ms: i64) {
        let day = now_ms.div_euclid(DAY_MS);
        self.login.sweep();
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
