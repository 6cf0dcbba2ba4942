//! What the verified-token cache saves per request. Three ways to accept the
//! same EdDSA access token, on a fresh SQLite database:
//!
//! - `signature + claims`: the JWT check alone (no database);
//! - `uncached`: what every request would cost without the cache: the JWT
//!   check, the client lookup and the revocation lookup;
//! - `cached`: what a request costs with it: a cache hit plus the revocation
//!   lookup, which is never skipped.
//!
//! Run: `cargo bench -p vdx-gateway --bench token_verify` (add
//! `--profile dev` to skip the release build; the crypto is optimised in
//! both). Prints microseconds per verification.

use std::time::{Duration, Instant};

use vdx_core::{Clock, ScopeSet, SystemClock};
use vdx_gateway::auth::TokenService;
use vdx_gateway::auth::token::AccessGrant;

const ROUNDS: u32 = 2_000;

async fn time<F, Fut, T, E>(label: &str, mut f: F) -> Result<Duration, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    for _ in 0..50 {
        f().await.map_err(|e| format!("{label}: {e}"))?;
    }
    let start = Instant::now();
    for _ in 0..ROUNDS {
        f().await.map_err(|e| format!("{label}: {e}"))?;
    }
    let per = start.elapsed() / ROUNDS;
    println!(
        "{label:<20} {:>8.1} µs/verification",
        per.as_secs_f64() * 1e6
    );
    Ok(per)
}

async fn run() -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("vdx-bench-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.display());
    let db = vdx_gateway::db::connect(&url, 4)
        .await
        .map_err(|e| e.to_string())?;
    vdx_gateway::db::migrate(&db)
        .await
        .map_err(|e| e.to_string())?;
    let now_ms = SystemClock.now_ms();
    let partner = vdx_catalog::marketplace::create_partner(&db, "Bench", now_ms)
        .await
        .map_err(|e| e.to_string())?;
    let app = vdx_catalog::marketplace::create_app(
        &db,
        partner.id,
        "bench",
        &[],
        &ScopeSet::default(),
        now_ms,
    )
    .await
    .map_err(|e| e.to_string())?;
    let tokens = TokenService::new(
        db.clone(),
        "http://bench.local".into(),
        Duration::from_secs(900),
        std::sync::Arc::new(SystemClock),
        vdx_consent::PolicyWatch::for_database(&db),
    )
    .await
    .map_err(|e| e.to_string())?;
    let token = tokens
        .issue(AccessGrant {
            client_id: &app.app.client_id,
            driver: None,
            scope: ScopeSet::default(),
            family: None,
        })
        .await
        .map_err(|e| e.to_string())?
        .access_token;

    println!("verifying one EdDSA access token, {ROUNDS} rounds each");
    time("signature + claims", || tokens.verify_claims(&token)).await?;
    let uncached = time("uncached", || tokens.verify_uncached(&token)).await?;
    let cached = time("cached", || tokens.verify(&token)).await?;
    println!(
        "the cache saves {:.1} µs per request ({:.1}x faster)",
        (uncached.saturating_sub(cached)).as_secs_f64() * 1e6,
        uncached.as_secs_f64() / cached.as_secs_f64().max(f64::EPSILON)
    );
    db.close().await.map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("benchmark failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
