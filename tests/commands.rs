//! Commands end to end with the fleet simulator: queued → delivered →
//! executed | failed, expiry while the car is offline, Idempotency-Key,
//! superseding, and the GraphQL twin.

use serde_json::{Value, json};
use vdx_telemetry::simulator;
use vdx_tests::{TestApp, on_both_backends_in_demo_world};

const LIMIT: &str = "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit";
const START_STOP: &str = "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging";
const TARGET: [(&str, &str); 2] = [("product", "ev-charging"), ("purpose", "smart_charging")];

async fn send(
    app: &TestApp,
    token: &str,
    vin: &str,
    body: Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(&format!("/v1/vehicles/{vin}/commands")))
        .query(&TARGET)
        .bearer_auth(token)
        .json(&body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.expect("command request")
}

async fn status(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app.get(&format!("/v1/commands/{id}"), Some(token)).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The simulated car behind a VIN.
async fn car_index(app: &TestApp, vin: &str) -> usize {
    let id = vdx_core::VehicleId(app.vehicle_id(vin).await);
    app.fleet.iter().position(|c| c.id == id).unwrap()
}

async fn tick(app: &mut TestApp, at_ms: i64) {
    simulator::tick(&app.db, &mut app.fleet, 0.001, at_ms)
        .await
        .unwrap();
}

async fn a_command_is_queued_delivered_and_carried_out_by_the_car(mut app: TestApp) {
    let vin = app.creds.examples.consented.vin.clone();
    let car = car_index(&app, &vin).await;
    app.fleet[car].wake(1e6);
    app.fleet[car].fault_rate = 0.0;
    let token = app.token_for("Voltwise Energy").await;
    let before = app.access_log_count().await;
    let res = send(
        &app,
        &token,
        &vin,
        json!({"actuator": LIMIT, "value": 90}),
        None,
    )
    .await;
    assert_eq!(res.status(), 202);
    let queued: Value = res.json().await.unwrap();
    assert_eq!(queued["status"], "queued");
    assert_eq!(app.access_log_count().await, before + 1);
    let id = queued["id"].as_str().unwrap().to_owned();

    let now = chrono::Utc::now().timestamp_millis();
    tick(&mut app, now).await;
    assert_eq!(status(&app, &token, &id).await["status"], "delivered");
    tick(&mut app, now + 10_000).await;
    assert_eq!(status(&app, &token, &id).await["status"], "executed");
    // The car now reports the new limit.
    tick(&mut app, now + 11_000).await;
    let body = app
        .vehicle_latest(&token, &vin, "ev-charging", "smart_charging")
        .await;
    let limit = body["data"]["vehicle"]["latest"]["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == LIMIT)
        .cloned()
        .unwrap();
    assert_eq!(limit["value"], 90, "{body}");

    // A car with a fault reports the command failed, with a reason.
    app.fleet[car].fault_rate = 1.0;
    let res = send(
        &app,
        &token,
        &vin,
        json!({"actuator": START_STOP, "value": "STOP"}),
        None,
    )
    .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    tick(&mut app, now + 12_000).await;
    tick(&mut app, now + 20_000).await;
    let failed = status(&app, &token, &id).await;
    assert_eq!(failed["status"], "failed");
    assert!(failed["reason"].as_str().is_some());
}

async fn a_command_to_a_car_that_stays_offline_expires(mut app: TestApp) {
    let vin = app.creds.examples.consented.vin.clone();
    let car = car_index(&app, &vin).await;
    app.fleet[car].go_offline(1e6);
    let token = app.token_for("Voltwise Energy").await;
    let body = json!({"actuator": LIMIT, "value": 70, "ttl_seconds": 1});
    let res = send(&app, &token, &vin, body, None).await;
    assert_eq!(res.status(), 202);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = chrono::Utc::now().timestamp_millis();
    tick(&mut app, now).await;
    assert_eq!(status(&app, &token, &id).await["status"], "queued");
    // The car comes back after the command's expiry: it never gets it.
    app.fleet[car].wake(1e6);
    tick(&mut app, now + 5_000).await;
    tick(&mut app, now + 15_000).await;
    assert_eq!(status(&app, &token, &id).await["status"], "expired");
}

async fn the_same_idempotency_key_returns_the_first_command_and_cannot_be_reused(app: TestApp) {
    let vin = app.creds.examples.consented.vin.clone();
    let token = app.token_for("Voltwise Energy").await;
    let body = json!({"actuator": LIMIT, "value": 85});
    let first = send(&app, &token, &vin, body.clone(), Some("k-1")).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    let again = send(&app, &token, &vin, body, Some("k-1")).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    let other = send(
        &app,
        &token,
        &vin,
        json!({"actuator": LIMIT, "value": 60}),
        Some("k-1"),
    )
    .await;
    assert_eq!(other.status(), 422);
    assert_eq!(
        other.json::<Value>().await.unwrap()["code"],
        "IDEMPOTENCY_KEY_REUSED"
    );
}

async fn a_newer_command_to_the_same_actuator_supersedes_the_older_one(app: TestApp) {
    let vin = app.creds.examples.consented.vin.clone();
    let token = app.token_for("Voltwise Energy").await;
    let older = send(
        &app,
        &token,
        &vin,
        json!({"actuator": START_STOP, "value": "START"}),
        None,
    )
    .await;
    let older = older.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let newer = send(
        &app,
        &token,
        &vin,
        json!({"actuator": START_STOP, "value": "STOP"}),
        None,
    )
    .await;
    assert_eq!(newer.status(), 202);
    let newer = newer.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status(&app, &token, &older).await["status"], "superseded");
    assert_eq!(status(&app, &token, &newer).await["status"], "queued");
}

/// A second energy partner that alice also consented to, subscribed to the same
/// product version and plan as Voltwise: its client id and secret.
async fn second_energy_partner(app: &TestApp, vin: &str) -> (String, String) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use vdx_catalog::marketplace::{self, SubscriptionStatus};
    use vdx_catalog::test_support::subscription;
    let voltwise = app.partner("Voltwise Energy").client_id.clone();
    let theirs = crate::consent::consent_of(app, vin, &voltwise).await;
    let plan = subscription::Entity::find()
        .filter(subscription::Column::AppId.eq(theirs.app_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .plan_id;
    let now = chrono::Utc::now().timestamp_millis();
    let partner = marketplace::create_partner(&app.db, "Gridly Energy", now)
        .await
        .unwrap();
    let created = marketplace::create_app(
        &app.db,
        partner.id,
        "Gridly",
        &[],
        &vdx_core::ScopeSet::default(),
        now,
    )
    .await
    .unwrap();
    marketplace::subscribe(
        &app.db,
        created.app.id,
        theirs.product_version_id,
        plan,
        SubscriptionStatus::Active,
        now,
    )
    .await
    .unwrap();
    let version = vdx_catalog::product::version_by_id(&app.db, theirs.product_version_id)
        .await
        .unwrap()
        .unwrap();
    vdx_consent::records::create(
        &app.db,
        vdx_consent::records::NewConsent {
            driver: theirs.driver_id,
            vehicle: theirs.vehicle_id,
            app: created.app.id,
            product: &version,
            purpose: vdx_core::Purpose::parse("smart_charging").unwrap(),
            scopes: "read command",
            status: vdx_consent::ConsentStatus::Active,
            source: "portal",
            granted_at: now,
            expires_at: now + 86_400_000,
        },
    )
    .await
    .unwrap();
    (
        created.app.client_id,
        secrecy::ExposeSecret::expose_secret(&created.client_secret).to_owned(),
    )
}

async fn a_second_partners_newer_command_supersedes_the_first_partners(app: TestApp) {
    let vin = app.creds.examples.consented.vin.clone();
    let voltwise = app.token_for("Voltwise Energy").await;
    let (id, secret) = second_energy_partner(&app, &vin).await;
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let gridly = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let id_of = |res: Value| res["id"].as_str().unwrap().to_owned();
    let older = send(
        &app,
        &voltwise,
        &vin,
        json!({"actuator": START_STOP, "value": "START"}),
        None,
    )
    .await;
    assert_eq!(older.status(), 202);
    let older = id_of(older.json().await.unwrap());
    let newer = send(
        &app,
        &gridly,
        &vin,
        json!({"actuator": START_STOP, "value": "STOP"}),
        None,
    )
    .await;
    assert_eq!(newer.status(), 202);
    let newer = id_of(newer.json().await.unwrap());
    // Each partner sees its own command; the older one's partner sees it superseded.
    assert_eq!(
        status(&app, &voltwise, &older).await["status"],
        "superseded"
    );
    assert_eq!(status(&app, &gridly, &newer).await["status"], "queued");
    // Neither sees the other's command.
    let res = app
        .get(&format!("/v1/commands/{newer}"), Some(&voltwise))
        .await;
    assert_eq!(res.status(), 404);
}

async fn bad_commands_are_refused_and_unknown_vehicles_look_unconsented(app: TestApp) {
    let vin = app.creds.examples.consented.vin.clone();
    let token = app.token_for("Voltwise Energy").await;
    for body in [
        json!({"actuator": "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", "value": true}),
        json!({"actuator": LIMIT, "value": 101}),
        json!({"actuator": START_STOP, "value": "MAYBE"}),
    ] {
        let res = send(&app, &token, &vin, body.clone(), None).await;
        assert_eq!(res.status(), 422, "{body}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "INVALID_COMMAND"
        );
    }
    let body = json!({"actuator": LIMIT, "value": 80});
    let unknown = send(&app, &token, "VDXE9999999999999", body.clone(), None).await;
    let revoked = send(&app, &token, &app.creds.examples.revoked.vin, body, None).await;
    assert_eq!(unknown.status(), 403);
    assert_eq!(revoked.status(), 403);
    let (mut a, mut b): (Value, Value) =
        (unknown.json().await.unwrap(), revoked.json().await.unwrap());
    a["request_id"] = Value::Null;
    b["request_id"] = Value::Null;
    assert_eq!(a, b);
    // Another app cannot see the command.
    let res = send(
        &app,
        &token,
        &vin,
        json!({"actuator": LIMIT, "value": 80}),
        None,
    )
    .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.token_for("Milesure Insurance").await;
    let res = app.get(&format!("/v1/commands/{id}"), Some(&other)).await;
    assert_eq!(res.status(), 404);
}

async fn commands_work_over_graphql_too(app: TestApp) {
    let vin = app.creds.examples.consented.vin.clone();
    let token = app.token_for("Voltwise Energy").await;
    let mutation = r#"mutation($vin: String!, $value: JSON!) { sendCommand(vin: $vin, product: "ev-charging", purpose: "smart_charging", actuator: "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", value: $value, idempotencyKey: "g-1") { id status replayed } }"#;
    let res = app
        .graphql(Some(&token), mutation, json!({"vin": vin, "value": 75}))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["sendCommand"]["status"], "queued", "{body}");
    assert_eq!(body["data"]["sendCommand"]["replayed"], false);
    let id = body["data"]["sendCommand"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .graphql(Some(&token), mutation, json!({"vin": vin, "value": 75}))
        .await;
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["data"]["sendCommand"]["id"], id.as_str());
    assert_eq!(again["data"]["sendCommand"]["replayed"], true);
    let res = app
        .graphql(
            Some(&token),
            "query($id: ID!) { command(id: $id) { status actuator value } }",
            json!({"id": id}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["command"]["status"], "queued", "{body}");
    assert_eq!(body["data"]["command"]["value"], 75);
    let res = app
        .graphql(Some(&token), mutation, json!({"vin": vin, "value": 60}))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "IDEMPOTENCY_KEY_REUSED",
        "{body}"
    );
}

async fn command_status_needs_the_consent_and_ends_with_its_revocation(app: TestApp) {
    let vin = app.creds.examples.consented.vin.clone();
    let token = app.token_for("Voltwise Energy").await;
    let res = send(
        &app,
        &token,
        &vin,
        json!({"actuator": LIMIT, "value": 85}),
        None,
    )
    .await;
    assert_eq!(res.status(), 202);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Reading the status is a served access, shown to the driver but not metered.
    let before = app.access_log_count().await;
    assert_eq!(status(&app, &token, &id).await["status"], "queued");
    assert_eq!(app.access_log_count().await, before + 1);
    let kinds = app
        .sql_strings("SELECT kind FROM access_log ORDER BY id DESC", vec![])
        .await;
    assert_eq!(kinds[0], "command_status");

    // The driver revokes; the partner no longer follows the car's commands,
    // and cannot tell the command from one that never existed.
    crate::consent::revoke_in_portal(&app, "alice", &vin, "Voltwise Energy").await;
    let gone = |id: String| {
        let app = &app;
        let token = token.clone();
        async move {
            let res = app.get(&format!("/v1/commands/{id}"), Some(&token)).await;
            let status = res.status().as_u16();
            let mut body: Value = res.json().await.unwrap();
            body.as_object_mut().unwrap().remove("request_id");
            (status, body)
        }
    };
    let revoked = gone(id.clone()).await;
    let unknown = gone("987654321".to_owned()).await;
    assert_eq!(revoked.0, 404);
    assert_eq!(revoked, unknown);
    let res = app
        .graphql(
            Some(&token),
            "query($id: ID!) { command(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["command"], Value::Null, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
}

const LOCK: &str = "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked";

async fn lock(app: &TestApp, token: &str, vin: &str, value: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/v1/vehicles/{vin}/commands")))
        .query(&[
            ("product", "vehicle-access"),
            ("purpose", "in_car_delivery"),
        ])
        .bearer_auth(token)
        .json(&json!({"actuator": LOCK, "value": value}))
        .send()
        .await
        .unwrap()
}

async fn locked_now(app: &TestApp, token: &str, vin: &str) -> Value {
    let res = app
        .rest_latest(token, vin, "vehicle-access", "in_car_delivery")
        .await;
    let body: Value = res.json().await.unwrap();
    vdx_tests::signal(&body, LOCK)
        .map(|s| s["value"].clone())
        .unwrap_or_else(|| panic!("{body}"))
}

async fn a_courier_partner_unlocks_and_locks_a_car_under_the_vehicle_access_product(
    mut app: TestApp,
) {
    let erin = app.demo_driver("erin");
    let vin = erin.vehicles[0].clone();
    let car = car_index(&app, &vin).await;
    app.fleet[car].wake(1e6);
    app.fleet[car].fault_rate = 0.0;
    let token = app.token_for("Parcelway Logistics").await;
    let now = chrono::Utc::now().timestamp_millis();
    tick(&mut app, now).await;
    assert_eq!(locked_now(&app, &token, &vin).await, true);

    let res = lock(&app, &token, &vin, json!(false)).await;
    assert_eq!(res.status(), 202);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    tick(&mut app, now + 1_000).await;
    tick(&mut app, now + 10_000).await;
    let res = app.get(&format!("/v1/commands/{id}"), Some(&token)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "executed");
    tick(&mut app, now + 11_000).await;
    assert_eq!(locked_now(&app, &token, &vin).await, false);

    // A lock takes a boolean; and the courier cannot touch the charging of the same car.
    assert_eq!(lock(&app, &token, &vin, json!("open")).await.status(), 422);
    let res = send(
        &app,
        &token,
        &vin,
        json!({"actuator": START_STOP, "value": "START"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 403);
}

/// The policy epoch read at authentication is not trusted for long: a
/// command whose body arrives after the driver revoked is refused, even though
/// its headers (and token) were checked before, with the grant remembered.
async fn a_request_held_open_across_a_revocation_is_refused(app: TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let vin = app.creds.examples.consented.vin.clone();
    let token = app.token_for("Voltwise Energy").await;
    // The grant is decided and remembered.
    let res = send(
        &app,
        &token,
        &vin,
        json!({"actuator": LIMIT, "value": 70}),
        None,
    )
    .await;
    assert_eq!(res.status(), 202);

    let body = json!({"actuator": LIMIT, "value": 71}).to_string();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let head = format!(
        "POST /v1/vehicles/{vin}/commands?product=ev-charging&purpose=smart_charging HTTP/1.1\r\n\
         Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;

    crate::consent::revoke_in_portal(&app, "alice", &vin, "Voltwise Energy").await;

    stream.write_all(body.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("NO_CONSENT"), "{answer}");
}

on_both_backends_in_demo_world!(
    a_command_is_queued_delivered_and_carried_out_by_the_car,
    a_command_to_a_car_that_stays_offline_expires,
    the_same_idempotency_key_returns_the_first_command_and_cannot_be_reused,
    a_newer_command_to_the_same_actuator_supersedes_the_older_one,
    bad_commands_are_refused_and_unknown_vehicles_look_unconsented,
    commands_work_over_graphql_too,
    command_status_needs_the_consent_and_ends_with_its_revocation,
    a_courier_partner_unlocks_and_locks_a_car_under_the_vehicle_access_product,
    a_second_partners_newer_command_supersedes_the_first_partners,
    a_request_held_open_across_a_revocation_is_refused,
);
