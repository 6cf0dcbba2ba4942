//! The operator operations besides serving (`vdx` subcommands; not car
//! commands, which are `routes::commands` and `telemetry::commands`): `vdx apps create` and
//! `vdx keys rotate`. Each migrates first (harmless when current), does one
//! thing, and prints what an operator needs, secrets only once.

use vdx_catalog::apps;
use vdx_core::{Clock, SystemClock};

use crate::auth::token::ROTATION_MARGIN_SECS;
use crate::config::Config;
use crate::db;
use crate::run_error::{Context, RunError};

/// `vdx apps create`: prints the client id and the secret, once.
pub async fn create_app(
    config: &Config,
    partner: &str,
    name: &str,
    redirect_uris: &[String],
    scopes: &[String],
) -> Result<(), RunError> {
    let scopes = vdx_core::ScopeSet::parse(&scopes.join(" ")).context("--scope")?;
    if partner.trim().is_empty() || name.trim().is_empty() {
        return Err(RunError::usage("--partner and --name must not be empty"));
    }
    for uri in redirect_uris {
        apps::check_redirect_uri(uri).context("--redirect-uri")?;
    }
    let db = db::connect(config.database_url.expose(), 1).await?;
    db::migrate(&db).await?;
    let (partner, created) = apps::create(
        &db,
        partner,
        name,
        redirect_uris,
        &scopes,
        SystemClock.now_ms(),
    )
    .await
    .context("cannot create the app")?;
    println!("partner:       {}", partner.name);
    println!("app:           {}", created.app.name);
    println!("client_id:     {}", created.app.client_id);
    println!(
        "client_secret: {}",
        secrecy::ExposeSecret::expose_secret(&created.client_secret)
    );
    for uri in redirect_uris {
        println!("redirect_uri:  {uri}");
    }
    if !scopes.is_empty() {
        println!("scopes:        {scopes}");
    }
    println!("The secret is shown only now; vdx keeps only its hash.");
    Ok(())
}

/// `vdx keys rotate`: a new signing key; the old ones retire once the tokens
/// they signed have expired.
pub async fn rotate_keys(config: &Config) -> Result<(), RunError> {
    let db = db::connect(config.database_url.expose(), 1).await?;
    db::migrate(&db).await?;
    let grace_secs = config
        .access_token_ttl_secs
        .saturating_add(ROTATION_MARGIN_SECS);
    let grace_ms = i64::try_from(grace_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let now = SystemClock.now_ms();
    let (kid, retired) = vdx_identity::keys::rotate(&db, now, grace_ms)
        .await
        .map_err(RunError::cause)?;
    println!("new signing key: {kid}");
    let retire_ms = now.saturating_add(grace_ms);
    let at = chrono::DateTime::from_timestamp_millis(retire_ms)
        .map(|t| t.to_rfc3339())
        .ok_or_else(|| RunError::cause(format!("retirement at {retire_ms} ms is out of range")))?;
    for old in retired {
        println!("retiring:        {old} at {at}");
    }
    Ok(())
}
