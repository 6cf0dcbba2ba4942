//! Commands end to end with the fleet simulator: queued → delivered →
//! executed | failed, expiry while the car is offline, Idempotency-Key,
//! superseding, and the GraphQL twin. Each test builds its own world: a
//! driver's car consented to a partner, the car in the simulated fleet.

use serde_json::{Value, json};
use vdx_tests::world::{
    CHARGE_LIMIT as LIMIT, Consented, DOOR_LOCK as LOCK, ProductSpec, START_STOP, id_of,
};
use vdx_tests::{TestApp, on_both_backends};

/// A consented car in the simulated fleet, and its partner's token.
struct Commanded {
    world: Consented,
    token: String,
    /// The car's index in `app.fleet`.
    car: usize,
}

impl Commanded {
    fn asked_for(&self) -> (&str, &str) {
        self.world.product.asked_for()
    }
}

/// A car consented to a partner for `spec`, simulated online and faultless.
async fn commanded(app: &mut TestApp, spec: &ProductSpec) -> Commanded {
    let world = app.consented(spec).await;
    let token = app.partner_token(&world.partner).await;
    let car = app.simulate(&world.vin).await;
    Commanded { world, token, car }
}

/// `POST /v1/vehicles/{vin}/commands` for the product and purpose.
async fn send(
    app: &TestApp,
    token: &str,
    (product, purpose): (&str, &str),
    vin: &str,
    body: Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(&format!("/v1/vehicles/{vin}/commands")))
        .query(&[("product", product), ("purpose", purpose)])
        .bearer_auth(token)
        .json(&body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.expect("command request")
}

/// Sends a command that must be queued (202); returns its id.
async fn queue(app: &TestApp, token: &str, asked: (&str, &str), vin: &str, body: Value) -> String {
    let res = send(app, token, asked, vin, body, None).await;
    assert_eq!(res.status(), 202);
    id_of(&res.json().await.unwrap())
}

async fn status(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app.get(&format!("/v1/commands/{id}"), Some(token)).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The GraphQL `command(id)` query with these fields; the whole answer.
async fn command_over_graphql(app: &TestApp, token: &str, id: &str, fields: &str) -> Value {
    let query = format!("query($id: ID!) {{ command(id: $id) {{ {fields} }} }}");
    let res = app.graphql(Some(token), &query, json!({"id": id})).await;
    res.json().await.unwrap()
}

async fn a_command_is_queued_delivered_and_carried_out_by_the_car(mut app: TestApp) {
    let c = commanded(&mut app, &ProductSpec::charging()).await;
    let (vin, token) = (&c.world.vin, &c.token);
    let before = app.access_log_count().await;
    let res = send(
        &app,
        token,
        c.asked_for(),
        vin,
        json!({"actuator": LIMIT, "value": 90}),
        None,
    )
    .await;
    assert_eq!(res.status(), 202);
    let queued: Value = res.json().await.unwrap();
    assert_eq!(queued["status"], "queued");
    assert_eq!(app.access_log_count().await, before + 1);
    let id = id_of(&queued);

    let now = chrono::Utc::now().timestamp_millis();
    app.tick(now).await;
    assert_eq!(status(&app, token, &id).await["status"], "delivered");
    app.tick(now + 10_000).await;
    assert_eq!(status(&app, token, &id).await["status"], "executed");
    // The car now reports the new limit.
    app.tick(now + 11_000).await;
    let (product, purpose) = c.asked_for();
    let body = app.vehicle_latest(token, vin, product, purpose).await;
    let limit = vdx_tests::signal(&body["data"]["vehicle"]["latest"], LIMIT)
        .cloned()
        .unwrap();
    assert_eq!(limit["value"], 90, "{body}");

    // A car with a fault reports the command failed, with a reason.
    app.fleet[c.car].fault_rate = 1.0;
    let body = json!({"actuator": START_STOP, "value": "STOP"});
    let id = queue(&app, token, c.asked_for(), vin, body).await;
    app.tick(now + 12_000).await;
    app.tick(now + 20_000).await;
    let failed = status(&app, token, &id).await;
    assert_eq!(failed["status"], "failed");
    assert!(failed["reason"].as_str().is_some());
}

async fn a_command_to_a_car_that_stays_offline_expires(mut app: TestApp) {
    let c = commanded(&mut app, &ProductSpec::charging()).await;
    app.fleet[c.car].go_offline(1e6);
    let body = json!({"actuator": LIMIT, "value": 70, "ttl_seconds": 1});
    let id = queue(&app, &c.token, c.asked_for(), &c.world.vin, body).await;
    let now = chrono::Utc::now().timestamp_millis();
    app.tick(now).await;
    assert_eq!(status(&app, &c.token, &id).await["status"], "queued");
    // The car comes back after the command's expiry: it never gets it.
    app.fleet[c.car].wake(1e6);
    app.tick(now + 5_000).await;
    app.tick(now + 15_000).await;
    assert_eq!(status(&app, &c.token, &id).await["status"], "expired");
}

async fn the_same_idempotency_key_returns_the_first_command_and_cannot_be_reused(mut app: TestApp) {
    let c = commanded(&mut app, &ProductSpec::charging()).await;
    let with_key = |value: u32| {
        let body = json!({"actuator": LIMIT, "value": value});
        send(
            &app,
            &c.token,
            c.asked_for(),
            &c.world.vin,
            body,
            Some("k-1"),
        )
    };
    let first = with_key(85).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    let again = with_key(85).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    let other = with_key(60).await;
    assert_eq!(other.status(), 422);
    assert_eq!(
        other.json::<Value>().await.unwrap()["code"],
        "IDEMPOTENCY_KEY_REUSED"
    );
}

async fn a_newer_command_to_the_same_actuator_supersedes_the_older_one(mut app: TestApp) {
    let c = commanded(&mut app, &ProductSpec::charging()).await;
    let (vin, token) = (&c.world.vin, &c.token);
    let start = json!({"actuator": START_STOP, "value": "START"});
    let older = queue(&app, token, c.asked_for(), vin, start).await;
    let stop = json!({"actuator": START_STOP, "value": "STOP"});
    let newer = queue(&app, token, c.asked_for(), vin, stop).await;
    assert_eq!(status(&app, token, &older).await["status"], "superseded");
    assert_eq!(status(&app, token, &newer).await["status"], "queued");
}

async fn a_second_partners_newer_command_supersedes_the_first_partners(mut app: TestApp) {
    let c = commanded(&mut app, &ProductSpec::charging()).await;
    let (vin, first) = (&c.world.vin, &c.token);
    // A second energy partner the driver also consented to, subscribed to
    // the same product version and plan.
    let second = app.create_partner().await;
    app.subscribe(&second, &c.world.product).await;
    app.grant_consent(&c.world.driver, vin, &second, None).await;
    let second = app.partner_token(&second).await;
    let start = json!({"actuator": START_STOP, "value": "START"});
    let older = queue(&app, first, c.asked_for(), vin, start).await;
    let stop = json!({"actuator": START_STOP, "value": "STOP"});
    let newer = queue(&app, &second, c.asked_for(), vin, stop).await;
    // Each partner sees its own command; the older one's partner sees it superseded.
    assert_eq!(status(&app, first, &older).await["status"], "superseded");
    assert_eq!(status(&app, &second, &newer).await["status"], "queued");
    // Neither sees the other's command.
    let res = app.get(&format!("/v1/commands/{newer}"), Some(first)).await;
    assert_eq!(res.status(), 404);
}

async fn bad_commands_are_refused_and_unknown_vehicles_look_unconsented(mut app: TestApp) {
    let c = commanded(&mut app, &ProductSpec::charging()).await;
    let (vin, token) = (&c.world.vin, &c.token);
    for body in [
        json!({"actuator": LOCK, "value": true}),
        json!({"actuator": LIMIT, "value": 101}),
        json!({"actuator": START_STOP, "value": "MAYBE"}),
    ] {
        let res = send(&app, token, c.asked_for(), vin, body.clone(), None).await;
        assert_eq!(res.status(), 422, "{body}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "INVALID_COMMAND"
        );
    }
    // A second car of the driver, whose consent the driver revoked.
    let revoked = app.create_vehicle(&c.world.driver).await;
    app.grant_consent(&c.world.driver, &revoked, &c.world.partner, None)
        .await;
    app.revoke_on_portal(&c.world.driver, &c.world.partner, &revoked)
        .await;
    let body = json!({"actuator": LIMIT, "value": 80});
    let unknown = send(
        &app,
        token,
        c.asked_for(),
        "VDXE9999999999999",
        body.clone(),
        None,
    )
    .await;
    let revoked = send(&app, token, c.asked_for(), &revoked, body.clone(), None).await;
    assert_eq!(unknown.status(), 403);
    assert_eq!(revoked.status(), 403);
    let (mut a, mut b): (Value, Value) =
        (unknown.json().await.unwrap(), revoked.json().await.unwrap());
    a["request_id"] = Value::Null;
    b["request_id"] = Value::Null;
    assert_eq!(a, b);
    // Another app, subscribed to another product, cannot see the command.
    let id = queue(&app, token, c.asked_for(), vin, body).await;
    let other = app.create_partner().await;
    let mileage = app.create_product(&ProductSpec::mileage()).await;
    app.subscribe(&other, &mileage).await;
    let other = app.partner_token(&other).await;
    let res = app.get(&format!("/v1/commands/{id}"), Some(&other)).await;
    assert_eq!(res.status(), 404);
}

async fn commands_work_over_graphql_too(mut app: TestApp) {
    let c = commanded(&mut app, &ProductSpec::charging()).await;
    let token = &c.token;
    let (product, purpose) = c.asked_for();
    let mutation = r#"mutation($vin: String!, $product: String!, $purpose: String!, $value: JSON!) { sendCommand(vin: $vin, product: $product, purpose: $purpose, actuator: "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", value: $value, idempotencyKey: "g-1") { id status replayed } }"#;
    let vars = |value: u32| json!({"vin": c.world.vin, "product": product, "purpose": purpose, "value": value});
    let res = app.graphql(Some(token), mutation, vars(75)).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["sendCommand"]["status"], "queued", "{body}");
    assert_eq!(body["data"]["sendCommand"]["replayed"], false);
    let id = id_of(&body["data"]["sendCommand"]);
    let res = app.graphql(Some(token), mutation, vars(75)).await;
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["data"]["sendCommand"]["id"], id.as_str());
    assert_eq!(again["data"]["sendCommand"]["replayed"], true);
    let body = command_over_graphql(&app, token, &id, "status actuator value").await;
    assert_eq!(body["data"]["command"]["status"], "queued", "{body}");
    assert_eq!(body["data"]["command"]["value"], 75);
    let res = app.graphql(Some(token), mutation, vars(60)).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "IDEMPOTENCY_KEY_REUSED",
        "{body}"
    );
}

async fn command_status_needs_the_consent_and_ends_with_its_revocation(mut app: TestApp) {
    let c = commanded(&mut app, &ProductSpec::charging()).await;
    let (vin, token) = (&c.world.vin, &c.token);
    let body = json!({"actuator": LIMIT, "value": 85});
    let id = queue(&app, token, c.asked_for(), vin, body).await;
    // Reading the status is a served access, shown to the driver but not metered.
    let before = app.access_log_count().await;
    assert_eq!(status(&app, token, &id).await["status"], "queued");
    assert_eq!(app.access_log_count().await, before + 1);
    let kinds = app
        .sql_strings("SELECT kind FROM access_log ORDER BY id DESC", vec![])
        .await;
    assert_eq!(kinds[0], "command_status");

    // The driver revokes; the partner no longer follows the car's commands,
    // and cannot tell the command from one that never existed.
    app.revoke_on_portal(&c.world.driver, &c.world.partner, vin)
        .await;
    let gone = |id: String| {
        let app = &app;
        async move {
            let res = app.get(&format!("/v1/commands/{id}"), Some(token)).await;
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
    let body = command_over_graphql(&app, token, &id, "status").await;
    assert_eq!(body["data"]["command"], Value::Null, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
}

async fn locked_now(app: &TestApp, c: &Commanded) -> Value {
    let (product, purpose) = c.asked_for();
    let res = app
        .rest_latest(&c.token, &c.world.vin, product, purpose)
        .await;
    let body: Value = res.json().await.unwrap();
    vdx_tests::signal(&body, LOCK)
        .map(|s| s["value"].clone())
        .unwrap_or_else(|| panic!("{body}"))
}

async fn a_courier_partner_unlocks_and_locks_a_car_under_the_vehicle_access_product(
    mut app: TestApp,
) {
    let c = commanded(&mut app, &ProductSpec::vehicle_access()).await;
    let (vin, token) = (&c.world.vin, &c.token);
    // The same car shares its charging with an energy partner.
    let energy = app.create_partner().await;
    let charging = app.create_product(&ProductSpec::charging()).await;
    app.subscribe(&energy, &charging).await;
    app.grant_consent(&c.world.driver, vin, &energy, None).await;
    let now = chrono::Utc::now().timestamp_millis();
    app.tick(now).await;
    assert_eq!(locked_now(&app, &c).await, true);

    let unlock = json!({"actuator": LOCK, "value": false});
    let id = queue(&app, token, c.asked_for(), vin, unlock).await;
    app.tick(now + 1_000).await;
    app.tick(now + 10_000).await;
    assert_eq!(status(&app, token, &id).await["status"], "executed");
    app.tick(now + 11_000).await;
    assert_eq!(locked_now(&app, &c).await, false);

    // A lock takes a boolean; and the courier cannot touch the charging of the same car.
    let open = json!({"actuator": LOCK, "value": "open"});
    let res = send(&app, token, c.asked_for(), vin, open, None).await;
    assert_eq!(res.status(), 422);
    let res = send(
        &app,
        token,
        charging.asked_for(),
        vin,
        json!({"actuator": START_STOP, "value": "START"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 403);
}

/// The policy epoch read at authentication is not trusted for long: a
/// command whose body arrives after the driver revoked is refused, even though
/// its headers (and token) were checked before, with the grant remembered.
async fn a_request_held_open_across_a_revocation_is_refused(mut app: TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let c = commanded(&mut app, &ProductSpec::charging()).await;
    let (vin, token) = (&c.world.vin, &c.token);
    // The grant is decided and remembered.
    queue(
        &app,
        token,
        c.asked_for(),
        vin,
        json!({"actuator": LIMIT, "value": 70}),
    )
    .await;

    let body = json!({"actuator": LIMIT, "value": 71}).to_string();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let (product, purpose) = c.asked_for();
    let head = format!(
        "POST /v1/vehicles/{vin}/commands?product={product}&purpose={purpose} HTTP/1.1\r\n\
         Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;

    app.revoke_on_portal(&c.world.driver, &c.world.partner, vin)
        .await;

    stream.write_all(body.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("NO_CONSENT"), "{answer}");
}

on_both_backends!(
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
