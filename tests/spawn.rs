//! Starting gateways for tests: a fresh database per test (SQLite file or
//! PostgreSQL database), migrated, holding the OEM admin client or the demo
//! world, served on a random port; replicas on the same database. It must
//! not build a test's world beyond that: fixtures are in `world`.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use vdx_core::{Clock, ManualClock, SystemClock};
use vdx_gateway::config::Config;
use vdx_gateway::demo::Credentials;
use vdx_gateway::startup::Application;

use crate::{Backend, TestApp};

/// A fresh, empty database URL for the backend.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("vdx.db").display()),
        Backend::Postgres => {
            let admin = std::env::var("VDX_TEST_POSTGRES_URL").expect(
                "VDX_TEST_POSTGRES_URL is not set: run the suite with ./scripts/test, which starts a throwaway PostgreSQL",
            );
            let name = format!("vdx_test_{}", uuid::Uuid::new_v4().simple());
            let conn = Database::connect(&admin)
                .await
                .expect("cannot reach the test PostgreSQL server");
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("CREATE DATABASE failed");
            conn.close().await.ok();
            let (base, _) = admin
                .rsplit_once('/')
                .expect("VDX_TEST_POSTGRES_URL must end in /DBNAME");
            format!("{base}/{name}")
        }
    }
}

pub fn test_config(database_url: String) -> Config {
    Config {
        database_url: database_url.into(),
        database_max_connections: 5,
        port: 0,
        log_level: "warn".to_owned(),
        shutdown_timeout_secs: 5,
        ..Config::default()
    }
}

/// Starts the gateway on a fresh database holding only the OEM admin client.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with a chance to adjust the configuration.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_on_system_clock(backend, adjust).await
}

/// Like [`spawn_app`], with the gateway reading the time from `clock`: a
/// test moves a `ManualClock` instead of back-dating rows or sleeping.
pub async fn spawn_app_with_clock(backend: Backend, clock: std::sync::Arc<ManualClock>) -> TestApp {
    spawn_app_on(backend, |_| {}, clock).await
}

/// [`spawn_app_with_clock`] on a `ManualClock` showing the time now; the
/// test gets the clock to move.
pub async fn spawn_app_and_clock(backend: Backend) -> (TestApp, std::sync::Arc<ManualClock>) {
    spawn_on_manual_clock(backend).await
}

async fn spawn_on_system_clock(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on(backend, adjust, std::sync::Arc::new(SystemClock)).await
}

async fn spawn_on_manual_clock(backend: Backend) -> (TestApp, std::sync::Arc<ManualClock>) {
    let clock = std::sync::Arc::new(ManualClock::starting_now());
    let shared: std::sync::Arc<dyn Clock> = std::sync::Arc::clone(&clock) as _;
    (spawn_app_on(backend, |_| {}, shared).await, clock)
}

/// The OEM's admin client, created as `vdx apps create --partner "vdx OEM"
/// --name "OEM console" --scope admin --scope ingest` creates it: there is
/// no API to make the first admin (the admin API needs one).
async fn bootstrap_admin(db: &DatabaseConnection, now: i64) -> Credentials {
    use vdx_gateway::demo::world::{Example, Examples, PartnerCredentials};
    let scopes = vdx_core::ScopeSet::parse("admin ingest").expect("scopes");
    let (_, admin) = vdx_catalog::apps::create(db, "vdx OEM", "OEM console", &[], &scopes, now)
        .await
        .expect("the admin client");
    let none = Example {
        partner: String::new(),
        vin: String::new(),
        product: String::new(),
        purpose: String::new(),
    };
    Credentials {
        base_url: String::new(),
        partners: Vec::new(),
        drivers: Vec::new(),
        admin: PartnerCredentials {
            name: "OEM console".to_owned(),
            client_id: admin.app.client_id.clone(),
            client_secret: secrecy::ExposeSecret::expose_secret(&admin.client_secret).to_owned(),
            scopes: vec!["admin".to_owned(), "ingest".to_owned()],
            redirect_uris: Vec::new(),
        },
        examples: Examples {
            consented: none.clone(),
            revoked: none.clone(),
            unknown_vin: none,
        },
    }
}

async fn spawn_app_on(
    backend: Backend,
    adjust: impl FnOnce(&mut Config),
    clock: std::sync::Arc<dyn Clock>,
) -> TestApp {
    vdx_gateway::logging::init(vdx_gateway::config::LogFormat::Text, "warn");
    let dir = tempfile::tempdir().expect("tempdir");
    let database_url = fresh_database(backend, dir.path()).await;
    let mut config = test_config(database_url.clone());
    adjust(&mut config);
    let db = vdx_gateway::db::connect(
        config.database_url.expose(),
        config.database_max_connections,
    )
    .await
    .expect("connect");
    vdx_gateway::db::migrate(&db).await.expect("migrate");
    let mut creds = bootstrap_admin(&db, clock.now_ms()).await;
    let app = Application::build_with_clock(config, db.clone(), clock)
        .await
        .expect("build");
    let port = app.port();
    let base_url = app.base_url().to_owned();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    creds.base_url.clone_from(&base_url);
    TestApp {
        base_url,
        port,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        db,
        database_url,
        creds,
        fleet: Vec::new(),
        handle,
        _dir: dir,
    }
}

/// A second gateway on the same database, as another replica behind a load
/// balancer would be: same issuer, its own port and memory (key ring, token cache).
pub struct Replica {
    pub base_url: String,
    pub handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub async fn spawn_replica(&self) -> Replica {
        let mut config = test_config(self.database_url.clone());
        config.public_url = Some(self.base_url.clone());
        let db = vdx_gateway::db::connect(
            config.database_url.expose(),
            config.database_max_connections,
        )
        .await
        .expect("connect");
        let replica = Application::build_with_db(config, db)
            .await
            .expect("build replica");
        let base_url = format!("http://127.0.0.1:{}", replica.port());
        let handle = replica.handle();
        tokio::spawn(replica.run_until_stopped());
        Replica { base_url, handle }
    }
}

/// The `vdx` binary, built by the test script before the suite runs.
pub fn vdx_binary() -> PathBuf {
    if let Ok(path) = std::env::var("VDX_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("debug/vdx");
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --bin vdx` (./scripts/test does)",
        path.display()
    );
    path
}
