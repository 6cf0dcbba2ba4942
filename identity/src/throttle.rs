//! The portal's sign-in throttle, in memory per process; the gateway holds
//! one and passes each attempt's username and client address. (Partner rate
//! limits are the partner gate's charge step: `vdx_telemetry::gate::limits`.)

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

/// Brakes on password guessing at the portal's sign-in: every attempt costs
/// a cell per (username, client address) and per client address (GCRA,
/// governor). A username gets 10 attempts at once from one address, then one
/// every 30 s; an address 30 attempts, then one a second. Keying the username
/// with the address means a guesser elsewhere cannot lock a driver out.
/// Unknown usernames count alike, so the brake reveals nothing. IPv6
/// addresses count per /64. The state is per gateway process, and the address
/// is the TCP peer (behind a proxy, the proxy's).
#[allow(missing_debug_implementations)]
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

    /// Bounds memory: evicts idle keys.
    pub fn sweep(&self) {
        self.by_user.retain_recent();
        self.by_user.shrink_to_fit();
        self.by_address.retain_recent();
        self.by_address.shrink_to_fit();
    }
}
