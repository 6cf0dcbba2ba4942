//! The change feed of a PostgreSQL replica: one `LISTEN` connection for the
//! policy epoch (`vdx_policy`, raised by the epoch triggers) and the latest
//! values (`vdx_latest`, sent by ingest), plus a short poll of the epoch.
//!
//! Notifications sent while the listener is disconnected are lost, so:
//! - the moment the connection is known lost, the policy watch reads the
//!   epoch per request and the latest-values cache is bypassed;
//! - a new listener listens first and reads the epoch second (a commit in
//!   between is both notified and read), and only then are both live again
//!   (the cache starting over empty);
//! - the poll reads the epoch every [`POLL`] whatever the listener's state,
//!   which bounds the staleness even when a connection dies without a sign.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use sea_orm::sqlx::postgres::PgListener;
use vdx_consent::PolicyWatch;

use crate::latest::{self, LatestCache};

/// How often the epoch is polled besides the notifications.
pub const POLL: Duration = Duration::from_millis(40);

/// Reconnection backoff bounds.
const BACKOFF_MIN: Duration = Duration::from_millis(20);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// The application name of the listener's connection (`pg_stat_activity`).
pub const APPLICATION_NAME: &str = "vdx-change-feed";

/// Starts the listener and the poll on the current runtime, when `policy` is
/// pushed (PostgreSQL). They stop with the runtime.
pub(crate) fn start(db: &DatabaseConnection, policy: &PolicyWatch, latest: &LatestCache) {
    if !policy.is_pushed() {
        return;
    }
    tokio::spawn(listen(db.clone(), policy.clone(), latest.clone()));
    tokio::spawn(poll(db.clone(), policy.clone()));
}

async fn poll(db: DatabaseConnection, policy: PolicyWatch) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = policy.poll(&db).await {
            tracing::debug!(error = %e, "policy epoch poll failed");
        }
    }
}

async fn connect(db: &DatabaseConnection) -> Result<PgListener, sea_orm::sqlx::Error> {
    let pool = db.get_postgres_connection_pool();
    let options = pool
        .connect_options()
        .as_ref()
        .clone()
        .application_name(APPLICATION_NAME);
    let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options);
    let mut listener = PgListener::connect_with(&pool).await?;
    // Report a lost connection at once; this loop reconnects itself.
    listener.eager_reconnect(false);
    listener
        .listen_all([vdx_consent::watch::CHANNEL, latest::CHANNEL])
        .await?;
    Ok(listener)
}

async fn listen(db: DatabaseConnection, policy: PolicyWatch, latest: LatestCache) {
    let mut backoff = BACKOFF_MIN;
    loop {
        match connect(&db).await {
            Ok(mut listener) => {
                // Listening already: a commit from here on is notified, and
                // everything before it is in the epoch read now.
                match policy.refresh(&db).await {
                    Ok(_) => {
                        policy.set_live(true);
                        latest.set_live(true);
                        backoff = BACKOFF_MIN;
                        tracing::info!("change feed listening");
                        let why = loop {
                            match listener.try_recv().await {
                                Ok(Some(n)) => match n.channel() {
                                    vdx_consent::watch::CHANNEL => policy.notified(n.payload()),
                                    latest::CHANNEL => latest.notified(n.payload()),
                                    _ => {}
                                },
                                Ok(None) => break "connection lost".to_owned(),
                                Err(e) => break e.to_string(),
                            }
                        };
                        policy.set_live(false);
                        latest.set_live(false);
                        tracing::warn!(
                            reason = %why,
                            "change feed down: the policy epoch is read per request and latest values bypass the cache until it is back"
                        );
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "change feed cannot read the policy epoch")
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "change feed cannot listen"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}
