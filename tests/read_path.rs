//! The read path in memory keeps the promises the database made: a value
//! acknowledged by ingest is in the very next read, a revocation reaches
//! every PostgreSQL replica within 100 ms (even with the change feed's
//! connection killed), and every read answered 200 keeps its access-log
//! record when the gateway is killed with SIGKILL right after.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use vdx_tests::world::{Consented, PlanSpec, ProductSpec, SOC};
use vdx_tests::{Backend, TestApp, on_both_backends, spawn_app, vdx_binary};

async fn latest(app: &TestApp, base: &str, world: &Consented, token: &str) -> reqwest::Response {
    let (product, purpose) = world.product.asked_for();
    app.client
        .get(format!("{base}/v1/vehicles/{}/latest", world.vin))
        .query(&[("product", product), ("purpose", purpose)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn value_of(body: &Value, path: &str) -> Value {
    body["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == path)
        .map(|s| s["value"].clone())
        .unwrap_or(Value::Null)
}

async fn an_acknowledged_ingest_is_in_the_very_next_read(app: TestApp) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    // After the value the world reported, within the allowed clock skew.
    let start = chrono::Utc::now().timestamp_millis() + 1;
    for i in 0..25_i64 {
        // Read first, so the vehicle is cached when the value arrives.
        let before = latest(&app, &app.base_url, &world, &token).await;
        assert_eq!(before.status(), 200);
        let soc = json!(10 + i);
        app.report(&world.vin, &[(SOC, soc.clone())], start + i * 1000)
            .await;
        let after: Value = latest(&app, &app.base_url, &world, &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(value_of(&after, SOC), soc, "read {i} after its ingest");
    }
    // An older sample is stored in history but does not move the latest value.
    app.report(&world.vin, &[(SOC, json!(99))], start - 1000)
        .await;
    let after: Value = latest(&app, &app.base_url, &world, &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(value_of(&after, SOC), json!(34));
}

/// Starts `vdx serve` on the app's database, as a process of its own (same
/// issuer, so the app's tokens verify); returns it and its base URL.
fn serve_process(app: &TestApp) -> (Child, String) {
    let mut child = Command::new(vdx_binary())
        .args(["serve", "--port", "0", "--database-url", &app.database_url])
        .env("VDX_PUBLIC_URL", &app.base_url)
        .env("VDX_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let port = loop {
        let mut line = String::new();
        assert!(
            std::io::BufRead::read_line(&mut out, &mut line).unwrap() > 0,
            "vdx serve stopped before listening"
        );
        if let Some(rest) = line.split("(port ").nth(1) {
            break rest.trim().trim_end_matches(')').parse::<u16>().unwrap();
        }
    };
    (child, format!("http://127.0.0.1:{port}"))
}

async fn every_read_answered_200_keeps_its_access_record_after_a_sigkill(app: TestApp) {
    // Limits that do not refuse any of the reads below.
    let (world, token) = app
        .consented_on_plan(PlanSpec::limits(100_000, 100_000, 1_000_000, None))
        .await;
    let (mut child, base) = serve_process(&app);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let (product, purpose) = world.product.asked_for();
    let reads = futures_util::stream::iter(0..400)
        .map(|i| {
            let (client, token, base, run, vin) = (&app.client, &token, &base, &run, &world.vin);
            async move {
                let id = format!("kill-{run}-{i}");
                let status = client
                    .get(format!("{base}/v1/vehicles/{vin}/latest"))
                    .query(&[("product", product), ("purpose", purpose)])
                    .bearer_auth(token)
                    .header("x-request-id", &id)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                (id, status)
            }
        })
        .buffer_unordered(32);
    futures_util::pin_mut!(reads);
    let mut served = Vec::new();
    let mut answered = 0;
    while let Some((id, status)) = reads.next().await {
        answered += 1;
        if status == 200 {
            served.push(id);
        }
        // Killed while reads are still in flight.
        if answered == 150 {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
    assert!(served.len() >= 150, "only {} reads served", served.len());
    let recorded: Vec<String> = vdx_consent::test_support::access_log::Entity::find()
        .filter(
            vdx_consent::test_support::access_log::Column::RequestId
                .starts_with(format!("kill-{run}-")),
        )
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.request_id)
        .collect();
    let missing: Vec<&String> = served.iter().filter(|id| !recorded.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} reads answered 200 have no access-log record: {:?}",
        missing.len(),
        served.len(),
        &missing[..missing.len().min(5)]
    );
}

on_both_backends!(
    an_acknowledged_ingest_is_in_the_very_next_read,
    every_read_answered_200_keeps_its_access_record_after_a_sigkill,
);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

/// Kills every change-feed connection to the test database; how many.
async fn kill_change_feeds(app: &TestApp) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = 'vdx-change-feed' AND datname = current_database()",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Each car in turn: read on the second replica (warm), revoke on the first
/// through the portal, then read the second replica until it refuses; the
/// time from the revocation's answer to the first refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_replica_is_refused_on_the_other_within_100_ms() {
    const CARS: usize = 16;
    let first = spawn_app(Backend::Postgres).await;
    let spec = ProductSpec::charging();
    let world = first.consented(&spec).await;
    let token = first.partner_token(&world.partner).await;
    let replica = first.spawn_replica().await;
    // One driver a car (the portal throttles sign-ins per driver).
    let mut cars = vec![(world.driver.clone(), world.vin.clone())];
    for _ in 1..CARS {
        let (driver, vin) = first.driver_with_car(&spec.reported).await;
        first
            .grant_consent(&driver, &vin, &world.partner, None)
            .await;
        cars.push((driver, vin));
    }
    let mut listening = Vec::new();
    let mut killed = Vec::new();
    for (i, (driver, vin)) in cars.iter().enumerate() {
        let car = Consented {
            vin: vin.clone(),
            driver: driver.clone(),
            ..world.clone()
        };
        assert_eq!(
            latest(&first, &replica.base_url, &car, &token)
                .await
                .status(),
            200
        );
        assert_eq!(
            latest(&first, &replica.base_url, &car, &token)
                .await
                .status(),
            200
        );
        let feed_down = i >= CARS / 2;
        if feed_down {
            // The notification of this revocation is lost on every replica.
            assert!(
                kill_change_feeds(&first).await >= 1,
                "no change feed to kill"
            );
        }
        first.revoke_on_portal(driver, &world.partner, vin).await;
        let revoked = Instant::now();
        loop {
            let status = latest(&first, &replica.base_url, &car, &token)
                .await
                .status();
            if status == 403 {
                break;
            }
            assert_eq!(status, 200);
            assert!(
                revoked.elapsed() < Duration::from_secs(2),
                "still served after 2 s"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let delay = revoked.elapsed();
        if feed_down {
            &mut killed
        } else {
            &mut listening
        }
        .push(delay);
        // The writing replica refuses at once.
        assert_eq!(
            latest(&first, &first.base_url, &car, &token).await.status(),
            403
        );
    }
    for (name, delays) in [("listening", &mut listening), ("feed killed", &mut killed)] {
        delays.sort();
        println!(
            "cross-replica revocation, {name}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} revocations",
            percentile(delays, 0.5).as_secs_f64() * 1e3,
            percentile(delays, 0.99).as_secs_f64() * 1e3,
            delays.last().unwrap().as_secs_f64() * 1e3,
            delays.len()
        );
        assert!(
            *delays.last().unwrap() <= Duration::from_millis(100),
            "{name}: a revocation took {:?} to reach the other replica",
            delays.last().unwrap()
        );
    }
}
