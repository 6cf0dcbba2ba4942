//! Test harness: `spawn_app` starts the real gateway on a random port against
//! a fresh database (a new SQLite file, or a new PostgreSQL database on the
//! server named by `VDX_TEST_POSTGRES_URL`) holding nothing but the OEM's
//! admin client, bootstrapped as `vdx apps create` does. A test builds the
//! rest of its world through the API with the fixtures in [`world`]; no test
//! leans on the demo world (`vdx demo`'s own tests start the binary).
//! `TestApp` has one typed helper per endpoint.

use sea_orm::DatabaseConnection;
use vdx_gateway::demo::Credentials;

mod data_plane;
mod driver_portal;
mod requests;
mod spawn;
pub mod world;

pub use driver_portal::{hidden, portal_client};
pub use requests::{assert_rejected_naming, problem, signal};
pub use spawn::*;

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
    /// The simulated cars: the demo world's, or in a fresh world those a
    /// test adds with `TestApp::simulate`; tests drive them with `TestApp::tick`.
    pub fleet: Vec<vdx_telemetry::simulator::SimVehicle>,
    pub handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
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
