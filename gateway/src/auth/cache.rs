//! The verified-token cache. Checking an EdDSA signature costs far more than
//! the rest of a request, so a token that verified once is remembered, keyed
//! by the SHA-256 of its text, until it expires (or its signing key retires,
//! whichever comes first). The cache never answers "is it revoked?": the
//! caller checks revocation on every request, cached or not.
//!
//! Bounded: when full, expired entries are dropped first, then the entries
//! closest to expiry.

use std::collections::HashMap;
use std::sync::Mutex;

use vdx_core::Principal;

/// Most tokens remembered at once.
pub const CAPACITY: usize = 10_000;

/// A verified token as remembered.
#[derive(Debug, Clone)]
pub struct Verified {
    pub principal: Principal,
    pub kid: String,
    /// The token's `sid` (token family), if any.
    pub sid: Option<String>,
    /// Epoch ms after which the entry must not be used.
    pub valid_until_ms: i64,
}

#[derive(Debug, Default)]
pub struct VerifiedCache {
    entries: Mutex<HashMap<[u8; 32], Verified>>,
}

/// The cache key of a token.
pub fn key_of(token: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(digest.as_ref());
    key
}

impl VerifiedCache {
    /// The remembered verification of `key`, if it is still valid at `now_ms`.
    pub fn get(&self, key: &[u8; 32], now_ms: i64) -> Option<Verified> {
        let mut entries = self.entries.lock().ok()?;
        match entries.get(key) {
            Some(entry) if entry.valid_until_ms > now_ms => Some(entry.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn insert(&self, key: [u8; 32], verified: Verified, now_ms: i64) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| e.valid_until_ms > now_ms);
        }
        if entries.len() >= CAPACITY {
            let mut expiries: Vec<i64> = entries.values().map(|e| e.valid_until_ms).collect();
            let cut = CAPACITY / 4;
            expiries.select_nth_unstable(cut);
            let threshold = expiries[cut];
            entries.retain(|_, e| e.valid_until_ms > threshold);
        }
        entries.insert(key, verified);
    }

    pub fn len(&self) -> usize {
        match self.entries.lock() {
            Ok(entries) => entries.len(),
            Err(poisoned) => poisoned.into_inner().len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vdx_core::{AppId, AppPrincipal, PartnerId, ScopeSet};

    fn verified(valid_until_ms: i64) -> Verified {
        Verified {
            principal: Principal::App(AppPrincipal {
                app_id: AppId(1),
                partner_id: PartnerId(1),
                client_id: "c".into(),
                scopes: ScopeSet::default(),
                token_id: "j".into(),
                driver_id: None,
            }),
            kid: "k".into(),
            sid: None,
            valid_until_ms,
        }
    }

    #[test]
    fn an_entry_is_dropped_when_it_expires() {
        let cache = VerifiedCache::default();
        cache.insert(key_of("t"), verified(1_000), 0);
        assert!(cache.get(&key_of("t"), 999).is_some());
        assert!(cache.get(&key_of("t"), 1_000).is_none());
        assert!(cache.is_empty());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = VerifiedCache::default();
        for i in 0..(CAPACITY as i64 + 10) {
            cache.insert(key_of(&i.to_string()), verified(10_000 + i), 0);
        }
        assert!(cache.len() <= CAPACITY);
        // The newest (longest-lived) entry survives eviction.
        assert!(cache.get(&key_of(&(CAPACITY + 9).to_string()), 0).is_some());
    }
}
