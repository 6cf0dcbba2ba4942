//! Test harness: `spawn_app` starts the real gateway on a random port against
//! a fresh database (a new SQLite file, or a new PostgreSQL database on the
//! server named by `VDX_TEST_POSTGRES_URL`) holding nothing but the OEM's
//! admin client, bootstrapped as `vdx apps create` does. A test builds the
//! rest of its world through the API with the fixtures in [`world`].
//! `spawn_app_with_demo_world` seeds the demo world instead, for the tests
//! not yet converted and for the test of the demo itself. `TestApp` has one
//! typed helper per endpoint.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use vdx_core::{Clock, ManualClock, SystemClock};
use vdx_gateway::config::Config;
use vdx_gateway::demo::{Credentials, seed_world};
use vdx_gateway::startup::Application;

mod data_plane;
pub mod world;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base_url: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub database_url: String,
    /// The demo world's credentials. In a fresh world (`spawn_app`) only
    /// `admin` is set: partners, drivers and examples are empty.
    pub creds: Credentials,
    /// The simulated cars of the demo world (empty in a fresh world); tests
    /// drive them with `simulator::tick`.
    pub fleet: Vec<vdx_telemetry::simulator::SimVehicle>,
    pub handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
}

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

/// What a fresh database holds before the gateway starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seed {
    /// Only the OEM's admin client (scopes `admin ingest`).
    AdminClient,
    /// The demo world (`vdx demo`), after one fleet report.
    DemoWorld,
}

/// Starts the gateway on a fresh database holding only the OEM admin client.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with a chance to adjust the configuration.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on(
        backend,
        adjust,
        std::sync::Arc::new(SystemClock),
        Seed::AdminClient,
    )
    .await
}

/// Like [`spawn_app`], with the gateway reading the time from `clock`: a
/// test moves a `ManualClock` instead of back-dating rows or sleeping.
pub async fn spawn_app_with_clock(backend: Backend, clock: std::sync::Arc<ManualClock>) -> TestApp {
    spawn_app_on(backend, |_| {}, clock, Seed::AdminClient).await
}

/// [`spawn_app_with_clock`] on a `ManualClock` showing the time now; the
/// test gets the clock to move.
pub async fn spawn_app_and_clock(backend: Backend) -> (TestApp, std::sync::Arc<ManualClock>) {
    spawn_on_manual_clock(backend, Seed::AdminClient).await
}

/// Starts the gateway on a fresh database seeded with the demo world. For
/// tests not yet building their own world; editing the demo may break them.
pub async fn spawn_app_with_demo_world(backend: Backend) -> TestApp {
    spawn_app_with_demo_world_and(backend, |_| {}).await
}

/// Like [`spawn_app_with_demo_world`], with a chance to adjust the configuration.
pub async fn spawn_app_with_demo_world_and(
    backend: Backend,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    spawn_app_on(
        backend,
        adjust,
        std::sync::Arc::new(SystemClock),
        Seed::DemoWorld,
    )
    .await
}

/// [`spawn_app_with_demo_world`] on a `ManualClock` showing the time now.
pub async fn spawn_app_with_demo_world_and_clock(
    backend: Backend,
) -> (TestApp, std::sync::Arc<ManualClock>) {
    spawn_on_manual_clock(backend, Seed::DemoWorld).await
}

async fn spawn_on_manual_clock(
    backend: Backend,
    seed: Seed,
) -> (TestApp, std::sync::Arc<ManualClock>) {
    let clock = std::sync::Arc::new(ManualClock::starting_now());
    let shared: std::sync::Arc<dyn Clock> = std::sync::Arc::clone(&clock) as _;
    (spawn_app_on(backend, |_| {}, shared, seed).await, clock)
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
            client_secret: admin.client_secret.clone(),
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
    seed: Seed,
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
    let (mut creds, fleet) = match seed {
        Seed::AdminClient => (bootstrap_admin(&db, clock.now_ms()).await, Vec::new()),
        Seed::DemoWorld => {
            let mut world = seed_world(&db, 50, clock.now_ms()).await.expect("seed");
            vdx_telemetry::simulator::tick(&db, &mut world.fleet, 1.0, clock.now_ms())
                .await
                .expect("first fleet report");
            (world.credentials, world.fleet)
        }
    };
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
        fleet,
        handle,
        _dir: dir,
    }
}

/// Starts the gateway as [`spawn_app`] does, plus one partner app without
/// subscriptions (`Voltwise Energy`'s `charging`, made through the admin
/// API, listed in `creds.partners`): an empty marketplace.
pub async fn spawn_bare_app(backend: Backend) -> TestApp {
    use vdx_gateway::demo::world::PartnerCredentials;
    let mut app = spawn_app(backend).await;
    let partner = app.create_app("Voltwise Energy", "charging", None).await;
    app.creds.partners.push(PartnerCredentials {
        name: "Voltwise Energy".to_owned(),
        client_id: partner.client_id,
        client_secret: partner.client_secret,
        scopes: Vec::new(),
        redirect_uris: Vec::new(),
    });
    app
}

/// A browser-like client for the driver portal: keeps cookies, no redirects.
pub fn portal_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    /// Signs a demo driver into the portal; returns the client and the page's CSRF token.
    pub async fn portal_login(&self, username: &str) -> (reqwest::Client, String) {
        let password = self.demo_driver(username).password.clone();
        self.portal_sign_in(username, &password).await
    }

    /// Signs a driver into the portal with the login form; returns the
    /// client and the portal page's CSRF token.
    pub async fn portal_sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> (reqwest::Client, String) {
        let client = portal_client();
        let form = self.page(&client, "/portal/login").await;
        let token = hidden(&form, "login_token");
        let res = client
            .post(self.url("/portal/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("login_token", token.as_str()),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), 303, "login failed");
        let home = self.page(&client, "/portal").await;
        let csrf = hidden(&home, "csrf");
        (client, csrf)
    }

    /// The HTML of a page as `browser` (a portal client) gets it.
    pub async fn page(&self, browser: &reqwest::Client, path: &str) -> String {
        let res = browser.get(self.url(path)).send().await.expect("page");
        res.text().await.expect("html")
    }

    /// The JSON a `GET path` answers to `browser` (a portal client, or `self.client`).
    pub async fn page_json(&self, browser: &reqwest::Client, path: &str) -> Value {
        let res = browser.get(self.url(path)).send().await.expect("page");
        res.json().await.expect("json")
    }

    /// The value of the portal grant form's offer whose text starts with `partner`.
    pub async fn offer_of(&self, portal: &reqwest::Client, partner: &str) -> String {
        let form = self.page(portal, "/portal/grant").await;
        form.split(r#"<option value=""#)
            .find(|o| {
                o.split_once('>')
                    .is_some_and(|(_, text)| text.starts_with(partner))
            })
            .unwrap_or_else(|| panic!("no offer of {partner} in {form}"))
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// `POST /portal/grant`: shares `vin` for `days` (empty: the product's default).
    pub async fn share(
        &self,
        portal: &reqwest::Client,
        csrf: &str,
        vin: &str,
        offer: &str,
        days: &str,
    ) -> reqwest::Response {
        portal
            .post(self.url("/portal/grant"))
            .form(&[
                ("csrf", csrf),
                ("vin", vin),
                ("offer", offer),
                ("days", days),
            ])
            .send()
            .await
            .expect("grant")
    }
}

/// The entry of `path` in a latest-values answer's `signals`, if served.
pub fn signal<'a>(latest: &'a Value, path: &str) -> Option<&'a Value> {
    latest["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .find(|s| s["path"] == path)
}

/// The value of the first hidden input named `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in:\n{html}"))
        + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
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

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A demo driver's sign-in and cars, by username.
    pub fn demo_driver(&self, username: &str) -> &vdx_gateway::demo::world::DriverCredentials {
        self.creds
            .drivers
            .iter()
            .find(|d| d.username == username)
            .unwrap_or_else(|| panic!("no demo driver {username}"))
    }

    pub fn partner(&self, name: &str) -> &vdx_gateway::demo::world::PartnerCredentials {
        self.creds
            .partners
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no partner {name}"))
    }

    /// `POST /oauth/token` with client_secret_basic.
    pub async fn token_response(
        &self,
        client_id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.client
            .post(self.url("/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(&form)
            .send()
            .await
            .expect("token request")
    }

    /// The access token of a client_credentials grant that must succeed.
    pub async fn access_token(&self, client_id: &str, secret: &str, scope: Option<&str>) -> String {
        let res = self.token_response(client_id, secret, scope).await;
        assert_eq!(res.status(), 200, "token request for {scope:?} failed");
        let body: Value = res.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// An access token for a demo partner, by name.
    pub async fn token_for(&self, partner: &str) -> String {
        let p = self.partner(partner);
        self.access_token(&p.client_id, &p.client_secret, None)
            .await
    }

    /// An admin access token (scope `admin`), from the OEM console client.
    pub async fn admin_token(&self) -> String {
        let admin = &self.creds.admin;
        self.access_token(&admin.client_id, &admin.client_secret, Some("admin"))
            .await
    }

    /// `GET path`, with a bearer token if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    /// `POST path` without a body, with a bearer token if given.
    pub async fn post(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.call(reqwest::Method::POST, path, token, None).await
    }

    /// The JSON of `GET path`, with a bearer token if given.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        self.get(path, token).await.json().await.expect("json")
    }

    /// `GET path` with one extra request header, no token.
    pub async fn get_with_header(&self, path: &str, name: &str, value: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header(name, value)
            .send()
            .await
            .expect("request")
    }

    /// `POST path` with a raw body of this content type, no token.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// `DELETE path`, with a bearer token if given.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.call(reqwest::Method::DELETE, path, token, None).await
    }

    /// A request with a bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request")
    }

    /// The scopes a fresh client_credentials token of this partner carries.
    pub async fn scopes_of(&self, partner: &str) -> String {
        let p = self.partner(partner);
        let res = self
            .token_response(&p.client_id, &p.client_secret, None)
            .await;
        let body: Value = res.json().await.expect("json");
        body["scope"].as_str().unwrap_or_default().to_owned()
    }

    /// `POST /graphql` with an optional bearer token.
    pub async fn graphql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("graphql request")
    }

    /// The standard latest-values query for one vehicle.
    pub async fn vehicle_latest(
        &self,
        token: &str,
        vin: &str,
        product: &str,
        purpose: &str,
    ) -> Value {
        let query = "query($vin: String!, $product: String!, $purpose: String!) { vehicle(vin: $vin, product: $product, purpose: $purpose) { vin latest { signals { path value observedAt } withheld } } }";
        let res = self
            .graphql(
                Some(token),
                query,
                json!({"vin": vin, "product": product, "purpose": purpose}),
            )
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("json")
    }

    /// `GET /v1/vehicles/{vin}/latest`.
    pub async fn rest_latest(
        &self,
        token: &str,
        vin: &str,
        product: &str,
        purpose: &str,
    ) -> reqwest::Response {
        let query = [("product", product), ("purpose", purpose)];
        self.get_query(&format!("/v1/vehicles/{vin}/latest"), &query, token)
            .await
    }

    /// `GET path?query` with a bearer token.
    pub async fn get_query(
        &self,
        path: &str,
        query: &[(&str, &str)],
        token: &str,
    ) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .query(query)
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Sets limits on every seeded plan (before the first call: the gate
    /// caches a subscription's plan for a minute).
    pub async fn set_plans(&self, rate: i32, burst: i32, daily: i64, per_vehicle: Option<i32>) {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
        use vdx_catalog::test_support::plan;
        for row in plan::Entity::find().all(&self.db).await.expect("plans") {
            let mut row: plan::ActiveModel = row.into();
            row.rate_per_second = Set(rate);
            row.burst = Set(burst);
            row.daily_quota = Set(daily);
            row.vehicle_daily_budget = Set(per_vehicle);
            row.update(&self.db).await.expect("plan update");
        }
    }

    /// The value of an unlabelled metric on `GET /metrics`, if present.
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .find_map(|value| value.trim().parse().ok())
    }

    /// Number of rows in the access log.
    pub async fn access_log_count(&self) -> i64 {
        self.sql_i64("SELECT COUNT(*) FROM access_log", vec![])
            .await
    }

    /// The first column of the first row of a query that returns one
    /// integer (parameters as `$1`, `$2`, … on both backends). For checks
    /// of what the database holds; the domain crates' tables are not
    /// reachable through their entities from outside.
    pub async fn sql_i64(&self, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                self.db.get_database_backend(),
                sql,
                values,
            ))
            .await
            .expect("query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("an integer")
    }

    /// The strings of a query's first column (parameters as in [`Self::sql_i64`]).
    pub async fn sql_strings(&self, sql: &str, values: Vec<sea_orm::Value>) -> Vec<String> {
        self.db
            .query_all_raw(sea_orm::Statement::from_sql_and_values(
                self.db.get_database_backend(),
                sql,
                values,
            ))
            .await
            .expect("query")
            .into_iter()
            .map(|row| row.try_get_by_index::<String>(0).expect("a string"))
            .collect()
    }

    /// Runs one statement (parameters as in [`Self::sql_i64`]).
    pub async fn sql_execute(&self, sql: &str, values: Vec<sea_orm::Value>) {
        self.db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                self.db.get_database_backend(),
                sql,
                values,
            ))
            .await
            .expect("statement");
    }

    /// The row id of the vehicle with this VIN.
    pub async fn vehicle_id(&self, vin: &str) -> i64 {
        self.sql_i64("SELECT id FROM vehicles WHERE vin = $1", vec![vin.into()])
            .await
    }
}

/// Generates one `#[tokio::test]` per backend for each listed test function,
/// each taking a freshly spawned `TestApp` ([`spawn_app`]: nothing but the
/// admin client; the test builds its world with [`world`]). The functions
/// listed after `with_clock:` move time: each takes the `TestApp` and the
/// `ManualClock` its gateway reads (see [`spawn_app_and_clock`]).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)? $(; with_clock: $($timed:ident),+ $(,)?)?) => {
        $crate::on_both_backends_spawning!(spawn_app, spawn_app_and_clock;
            $($name),* $(; with_clock: $($timed),+)?);
    };
}

/// Like [`on_both_backends!`], on the demo world
/// ([`spawn_app_with_demo_world`]), for the tests not yet building their own.
#[macro_export]
macro_rules! on_both_backends_in_demo_world {
    ($($name:ident),* $(,)? $(; with_clock: $($timed:ident),+ $(,)?)?) => {
        $crate::on_both_backends_spawning!(spawn_app_with_demo_world, spawn_app_with_demo_world_and_clock;
            $($name),* $(; with_clock: $($timed),+)?);
    };
}

/// The body of [`on_both_backends!`]: `$spawn` and `$spawn_clock` name the
/// harness functions that start the gateway; one module per backend.
#[doc(hidden)]
#[macro_export]
macro_rules! on_both_backends_spawning {
    ($spawn:ident, $spawn_clock:ident; $($name:ident),* $(; with_clock: $($timed:ident),+)?) => {
        $crate::on_both_backends_spawning!(@on sqlite, Sqlite, $spawn, $spawn_clock;
            $($name),* $(; with_clock: $($timed),+)?);
        $crate::on_both_backends_spawning!(@on postgres, Postgres, $spawn, $spawn_clock;
            $($name),* $(; with_clock: $($timed),+)?);
    };
    (@on $module:ident, $backend:ident, $spawn:ident, $spawn_clock:ident;
        $($name:ident),* $(; with_clock: $($timed:ident),+)?) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::$spawn($crate::Backend::$backend).await).await;
                }
            )*
            $($(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $timed() {
                    let (app, clock) = $crate::$spawn_clock($crate::Backend::$backend).await;
                    super::$timed(app, clock).await;
                }
            )+)?
        }
    };
}
