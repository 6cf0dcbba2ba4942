//! Consent: the decision table, BOLA, revocation (across replicas: read_path.rs), the
//! ledger and its tamper detection, the portal, the partner side.

use reqwest::Method;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::{Value, json};
use vdx_consent::records::ConsentStatus;
use vdx_consent::test_support::consent;
use vdx_tests::world::{Consented, Driver, ProductSpec, SOC, assert_says, retry_after};
use vdx_tests::{Backend, TestApp, on_both_backends, spawn_app, vdx_binary};

pub(crate) async fn consent_of(app: &TestApp, vin: &str, client_id: &str) -> consent::Model {
    let car = app.vehicle_id(vin).await;
    let partner_app = vdx_catalog::marketplace::find_app_by_client_id(&app.db, client_id)
        .await
        .unwrap()
        .unwrap();
    consent::Entity::find()
        .filter(consent::Column::VehicleId.eq(car))
        .filter(consent::Column::AppId.eq(partner_app.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// The error code of the world's product's latest values of `vin`, or `OK`.
async fn code_of(app: &TestApp, world: &Consented, token: &str, vin: &str) -> String {
    let (product, purpose) = world.product.asked_for();
    let body = app.vehicle_latest(token, vin, product, purpose).await;
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
        .to_owned()
}

/// The usual world and the partner's token.
async fn consented(app: &TestApp) -> (Consented, String) {
    let world = app.consented(&ProductSpec::charging()).await;
    let token = app.partner_token(&world.partner).await;
    (world, token)
}

/// The world's consent of its car, as stored.
async fn the_consent(app: &TestApp, world: &Consented) -> consent::Model {
    consent_of(app, &world.vin, &world.partner.client_id).await
}

/// `driver`'s portal session: the browser and its CSRF token.
async fn sign_in(app: &TestApp, driver: &Driver) -> (reqwest::Client, String) {
    app.portal_sign_in(&driver.username, &driver.password).await
}

async fn the_decision_allows_only_an_active_scoped_subscribed_consent(app: TestApp) {
    let (world, with_read) = consented(&app).await;
    let (partner, vin) = (&world.partner, &world.vin);
    let row = the_consent(&app, &world).await;
    let admin = app.admin_token().await;
    let subscriptions: Value = app.get_json("/admin/v1/subscriptions", Some(&admin)).await;
    let sub_id = subscriptions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["partner"] == partner.name.as_str())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let command_only = format!("command:{}", world.product.slug);
    let without_read = app
        .access_token(
            &partner.client_id,
            &partner.client_secret,
            Some(&command_only),
        )
        .await;

    for subscribed in [true, false] {
        let decision = if subscribed { "resume" } else { "suspend" };
        if !subscribed {
            let res = app
                .call(
                    Method::POST,
                    &format!("/admin/v1/subscriptions/{sub_id}/decision"),
                    Some(&admin),
                    Some(json!({"decision": decision, "reason": "test"})),
                )
                .await;
            assert_eq!(res.status(), 200);
        }
        for status in ConsentStatus::ALL {
            // Every status, including those no API sets directly, written to
            // the row: the decision table over all of them is the point.
            let mut active = row.clone().into_active_model();
            active.status = Set(status.as_str().to_owned());
            active.update(&app.db).await.unwrap();
            for (has_scope, token) in [(true, &with_read), (false, &without_read)] {
                let code = code_of(&app, &world, token, vin).await;
                let expected = match (has_scope, subscribed, status) {
                    (false, _, _) => "INSUFFICIENT_SCOPE",
                    (true, false, _) => "NOT_SUBSCRIBED",
                    (true, true, ConsentStatus::Active) => "OK",
                    (true, true, _) => "NO_CONSENT",
                };
                assert_eq!(
                    code, expected,
                    "status {status:?}, scope {has_scope}, subscribed {subscribed}"
                );
            }
        }
    }
}

async fn a_partner_reading_another_vehicle_learns_nothing_more_than_for_a_vin_that_does_not_exist(
    app: TestApp,
) {
    // The partner has consent for the driver's first car, none at all for the second.
    let (world, token) = consented(&app).await;
    let other = app.create_vehicle(&world.driver).await;
    let (product, purpose) = world.product.asked_for();
    let gql_other = app.vehicle_latest(&token, &other, product, purpose).await;
    let gql_none = app
        .vehicle_latest(&token, "VDXC9999999999999", product, purpose)
        .await;
    assert_eq!(gql_other, gql_none);
    assert_eq!(gql_other["errors"][0]["extensions"]["code"], "NO_CONSENT");
    let strip = |mut v: Value| {
        v["request_id"] = Value::Null;
        v
    };
    let rest_other = app.rest_latest(&token, &other, product, purpose).await;
    let rest_none = app
        .rest_latest(&token, "VDXC9999999999999", product, purpose)
        .await;
    assert_eq!(
        (rest_other.status(), rest_none.status()),
        (
            reqwest::StatusCode::FORBIDDEN,
            reqwest::StatusCode::FORBIDDEN
        )
    );
    assert_eq!(
        strip(rest_other.json().await.unwrap()),
        strip(rest_none.json().await.unwrap())
    );
}

async fn a_driver_revokes_in_the_portal_and_the_partner_is_refused_on_its_next_call(app: TestApp) {
    let (world, token) = consented(&app).await;
    let vin = &world.vin;
    assert_eq!(code_of(&app, &world, &token, vin).await, "OK");
    let (portal, csrf) = sign_in(&app, &world.driver).await;
    let row = the_consent(&app, &world).await;
    let revoke = |csrf: String| {
        let (app, portal) = (&app, &portal);
        async move {
            portal
                .post(app.url(&format!("/portal/consents/{}/revoke", row.id)))
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Without the CSRF token nothing happens.
    assert_eq!(revoke("forged".to_owned()).await, 400);
    assert_eq!(code_of(&app, &world, &token, vin).await, "OK");
    assert_eq!(revoke(csrf).await, 303);
    assert_eq!(code_of(&app, &world, &token, vin).await, "NO_CONSENT");
    // The page shows it as past, and the ledger recorded who did it.
    let page = app.page(&portal, "/portal").await;
    let past = &page[page.find("past-consents").unwrap()..];
    assert!(
        past.contains(vin.as_str()) && past.contains("revoked by driver"),
        "{past}"
    );
    let entries = vdx_consent::ledger::history(&app.db, row.id).await.unwrap();
    assert_eq!(entries.last().unwrap().event, "revoked");
    assert!(entries.last().unwrap().actor.starts_with("driver:"));
}

async fn granting_in_the_portal_needs_ownership_and_an_allowed_offer(app: TestApp) {
    let (world, token) = consented(&app).await;
    let (carol, vin) = app.driver_with_car(&ProductSpec::charging().reported).await;
    let (portal, csrf) = sign_in(&app, &carol).await;
    let offer = app.offer_of(&portal, &world.partner.name).await;
    assert_eq!(code_of(&app, &world, &token, &vin).await, "NO_CONSENT");
    // Someone else's car: refused.
    let res = app.share(&portal, &csrf, &world.vin, &offer, "30").await;
    assert_eq!(res.status(), 400);
    // Longer than the product allows: refused.
    let res = app.share(&portal, &csrf, &vin, &offer, "9999").await;
    assert_eq!(res.status(), 400);
    let res = app.share(&portal, &csrf, &vin, &offer, "30").await;
    assert_eq!(res.status(), 303);
    assert_eq!(code_of(&app, &world, &token, &vin).await, "OK");
}

async fn the_access_history_shows_partner_reads_and_exports_them(app: TestApp) {
    let (world, token) = consented(&app).await;
    let vin = &world.vin;
    let (product, purpose) = world.product.asked_for();
    let res = app
        .client
        .get(app.url(&format!("/v1/vehicles/{vin}/latest")))
        .query(&[("product", product), ("purpose", purpose)])
        .bearer_auth(&token)
        .header("x-request-id", "history-probe-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (portal, _) = sign_in(&app, &world.driver).await;
    let page = app
        .page(&portal, &format!("/portal/access?vin={vin}"))
        .await;
    assert!(
        page.contains(&world.partner.name) && page.contains("StateOfCharge"),
        "{page}"
    );
    let json: Value = app.page_json(&portal, "/portal/access?format=json").await;
    let record = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["request_id"] == "history-probe-1")
        .expect("the read is in the history");
    assert_eq!(record["vin"], vin.as_str());
    assert_eq!(record["purpose"], purpose);
    let csv = app.page(&portal, "/portal/access?format=csv").await;
    assert!(
        csv.starts_with("at,partner,app,vin,product,purpose,kind,fields,request_id")
            && csv.contains("history-probe-1"),
        "{csv}"
    );
    // Another driver sees none of this driver's history.
    let (bob, _) = sign_in(&app, &app.create_driver().await).await;
    let theirs = app.page(&bob, "/portal/access?format=json").await;
    assert!(!theirs.contains("history-probe-1"));
    // The full export holds receipts and the access history.
    let export: Value = app.page_json(&portal, "/portal/export").await;
    assert!(!export["consents"].as_array().unwrap().is_empty());
    assert!(
        export["access_history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["request_id"] == "history-probe-1")
    );
}

async fn receipts_name_controller_subject_purpose_and_data_for_driver_and_partner(app: TestApp) {
    let (world, token) = consented(&app).await;
    let row = the_consent(&app, &world).await;
    let (portal, _) = sign_in(&app, &world.driver).await;
    let receipt: Value = app
        .page_json(&portal, &format!("/portal/consents/{}/receipt", row.id))
        .await;
    assert_eq!(receipt["controller"]["name"], world.partner.name.as_str());
    assert_eq!(
        receipt["purposes"][0]["name"],
        world.product.purpose.as_str()
    );
    assert!(
        receipt["data_categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == SOC)
    );
    assert_eq!(receipt["status"], "active");
    assert_eq!(receipt["ledger"][0]["event"], "created");
    let partner: Value = app
        .get_json(&format!("/v1/consents/{}/receipt", row.id), Some(&token))
        .await;
    assert_eq!(partner["record_id"], receipt["record_id"]);
    // Another partner cannot fetch it, and is told nothing more than "no such consent".
    let other = app.partner_token(&app.create_partner().await).await;
    let res = app
        .get(&format!("/v1/consents/{}/receipt", row.id), Some(&other))
        .await;
    assert_eq!(res.status(), 404);
    let bob = sign_in(&app, &app.create_driver().await).await.0;
    assert_eq!(
        bob.get(app.url(&format!("/portal/consents/{}/receipt", row.id)))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

async fn partners_page_through_their_consents_and_can_end_one(app: TestApp) {
    let (world, token) = consented(&app).await;
    // Seven consents in all: more than a page of five.
    let reported = ProductSpec::charging().reported;
    for _ in 0..6 {
        let now = chrono::Utc::now().timestamp_millis();
        app.share_new_car((&world.driver, &world.partner), &reported, now, None)
            .await;
    }
    let first: Value = app.get_json("/v1/consents?limit=5", Some(&token)).await;
    assert_eq!(first["consents"].as_array().unwrap().len(), 5);
    let cursor = first["next"].as_i64().expect("more pages");
    let second: Value = app
        .get(
            &format!("/v1/consents?limit=5&cursor={cursor}"),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(second["consents"][0]["id"].as_i64().unwrap() < cursor);
    let active = first["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "active" && c["lapsed"] == false)
        .unwrap();
    let (id, vin) = (
        active["id"].as_i64().unwrap(),
        active["vin"].as_str().unwrap().to_owned(),
    );
    assert_eq!(code_of(&app, &world, &token, &vin).await, "OK");
    let res = app
        .post(&format!("/v1/consents/{id}/revoke"), Some(&token))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "revoked_by_partner");
    assert_eq!(code_of(&app, &world, &token, &vin).await, "NO_CONSENT");
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/v1/consents/{id}/revoke"),
            Some(&token),
            None
        )
        .await
        .status(),
        409
    );
}

async fn transferring_ownership_ends_the_previous_owners_consents(app: TestApp) {
    let (world, token) = consented(&app).await;
    let vin = &world.vin;
    let bob = app.create_driver().await;
    assert_eq!(code_of(&app, &world, &token, vin).await, "OK");
    let admin = app.admin_token().await;
    let res = app
        .call(
            Method::POST,
            &format!("/admin/v1/vehicles/{vin}/owner"),
            Some(&admin),
            Some(json!({"new_owner": bob.username})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["consents_ended"], 1);
    assert_eq!(code_of(&app, &world, &token, vin).await, "NO_CONSENT");
    let row = the_consent(&app, &world).await;
    assert_eq!(row.status, "ended_by_ownership_change");
    // The previous owner no longer sees the car; the new one does.
    let vehicles_section = |page: String| {
        page[page.find("My vehicles</h3>").unwrap()..page.find("Active consents").unwrap()]
            .to_owned()
    };
    let (alice, _) = sign_in(&app, &world.driver).await;
    assert!(!vehicles_section(app.page(&alice, "/portal").await).contains(vin.as_str()));
    let (bob, _) = sign_in(&app, &bob).await;
    assert!(vehicles_section(app.page(&bob, "/portal").await).contains(vin.as_str()));
}

async fn an_owner_adds_a_driver_who_sees_the_car_but_cannot_share_it(app: TestApp) {
    let (world, _) = consented(&app).await;
    let vin = &world.vin;
    let (bob, carol) = (app.create_driver().await, app.create_driver().await);
    let (alice, csrf) = sign_in(&app, &world.driver).await;
    let add = |browser: reqwest::Client, csrf: String, username: String| {
        let app = &app;
        async move {
            browser
                .post(app.url(&format!("/portal/vehicles/{vin}/drivers")))
                .form(&[("csrf", csrf.as_str()), ("username", username.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(add(alice, csrf, bob.username.clone()).await, 303);
    let (bob, bob_csrf) = sign_in(&app, &bob).await;
    let home = app.page(&bob, "/portal").await;
    assert!(
        home.contains(&format!(
            r#"<code>{vin}</code></td><td data-label="Model">Test e-Hatch</td><td data-label="My role">additional"#
        )),
        "the added driver sees the owner's car as an additional driver"
    );
    // The added driver may not add drivers to it, nor share its data.
    assert_eq!(
        add(bob.clone(), bob_csrf.clone(), carol.username.clone()).await,
        400
    );
    let form = app.page(&bob, "/portal/grant").await;
    assert!(
        !form.contains(&format!(r#"<option value="{vin}">"#)),
        "only owned cars are offered for sharing"
    );
    let offer = app.offer_of(&bob, &world.partner.name).await;
    let res = app.share(&bob, &bob_csrf, vin, &offer, "").await;
    assert_eq!(res.status(), 400);
}

async fn a_grant_without_a_duration_lasts_the_products_default(app: TestApp) {
    let (world, _) = consented(&app).await;
    let (carol, vin) = app.driver_with_car(&ProductSpec::charging().reported).await;
    let (portal, csrf) = sign_in(&app, &carol).await;
    let offer = app.offer_of(&portal, &world.partner.name).await;
    let res = app.share(&portal, &csrf, &vin, &offer, "").await;
    assert_eq!(res.status(), 303);
    let newest = consent::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .max_by_key(|c| c.id)
        .unwrap();
    let days = (newest.expires_at - newest.granted_at) / (24 * 3600 * 1000);
    let default = ProductSpec::charging().default_consent_days;
    assert_eq!(
        days,
        i64::from(default),
        "the charging product's default consent lasts {default} days"
    );
}

/// `code_of` until it answers `expected`, for at most 100 ms: how soon a
/// write by another process (here the test's own SQL) reaches a gateway,
/// through the epoch row checked every millisecond (SQLite) or `NOTIFY`
/// (PostgreSQL). The gateway that writes sees its own writes at once.
async fn within_100_ms(app: &TestApp, world: &Consented, token: &str, expected: &str) {
    let started = std::time::Instant::now();
    loop {
        let code = code_of(app, world, token, &world.vin).await;
        if code == expected {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_millis(100),
            "still {code} after {:?}, expected {expected}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}

/// Decisions are remembered per policy epoch. A change made behind the
/// gateway's back, in plain SQL, still takes effect within 100 ms, because
/// the database's triggers raise the epoch; and a remembered grant whose
/// consent runs out is denied at once, with no write at all.
async fn remembered_decisions_follow_every_committed_change_and_expiry(
    app: TestApp,
    clock: std::sync::Arc<vdx_core::ManualClock>,
) {
    use vdx_core::Clock;
    // SQL on purpose here: the database triggers are what is tested.
    let (world, token) = consented(&app).await;
    let vin = &world.vin;
    let row = the_consent(&app, &world).await;
    let epoch = vdx_consent::policy_epoch(&app.db).await.unwrap();
    assert_eq!(code_of(&app, &world, &token, vin).await, "OK");
    assert_eq!(code_of(&app, &world, &token, vin).await, "OK");
    // Reads do not move the epoch.
    assert_eq!(vdx_consent::policy_epoch(&app.db).await.unwrap(), epoch);

    app.db
        .execute_unprepared(&format!(
            "UPDATE consents SET status = 'revoked_by_oem' WHERE id = {}",
            row.id
        ))
        .await
        .unwrap();
    assert!(vdx_consent::policy_epoch(&app.db).await.unwrap() > epoch);
    within_100_ms(&app, &world, &token, "NO_CONSENT").await;

    // Active again, but only for two more seconds.
    let ends = clock.now_ms() + 2_000;
    app.db
        .execute_unprepared(&format!(
            "UPDATE consents SET status = 'active', expires_at = {ends} WHERE id = {}",
            row.id
        ))
        .await
        .unwrap();
    within_100_ms(&app, &world, &token, "OK").await;
    let before = vdx_consent::policy_epoch(&app.db).await.unwrap();
    clock.advance(std::time::Duration::from_millis(2_100));
    assert_eq!(vdx_consent::policy_epoch(&app.db).await.unwrap(), before);
    assert_eq!(code_of(&app, &world, &token, vin).await, "NO_CONSENT");

    // Every table a decision reads raises the epoch when written.
    for (table, column) in [
        ("subscriptions", "status"),
        ("products", "slug"),
        ("product_versions", "status"),
        ("vehicles", "vin"),
    ] {
        let before = vdx_consent::policy_epoch(&app.db).await.unwrap();
        app.db
            .execute_unprepared(&format!(
                "UPDATE {table} SET {column} = {column} WHERE id = (SELECT MIN(id) FROM {table})"
            ))
            .await
            .unwrap();
        let after = vdx_consent::policy_epoch(&app.db).await.unwrap();
        assert!(after > before, "{table}: {before} -> {after}");
    }
}

/// Password guessing meets a brake: after ten attempts for one username the
/// portal answers 429 with Retry-After, even for the right password, while
/// other drivers still sign in.
async fn portal_sign_in_is_throttled_per_username(app: TestApp) {
    let (alice, bob) = (app.create_driver().await, app.create_driver().await);
    let client = vdx_tests::portal_client();
    for _ in 0..10 {
        let res = app.try_sign_in(&client, &alice.username, "guess").await;
        assert_says(res, 200, "wrong password").await;
    }
    let res = app
        .try_sign_in(&client, &alice.username, &alice.password)
        .await;
    let wait = retry_after(&res);
    assert!((1..=30).contains(&wait), "{wait}");
    assert_says(res, 429, "Too many sign-in attempts").await;
    // Another driver is not locked out.
    sign_in(&app, &bob).await;
}

/// Drivers sharing at the same moment each get their consent: the ledger's
/// one hash chain takes concurrent appends one after the other (on
/// PostgreSQL too, where transactions do not queue as SQLite's writers do),
/// and still verifies.
async fn drivers_sharing_at_the_same_moment_each_get_their_consent(app: TestApp) {
    app.import_signals().await;
    let product = app.create_product(&ProductSpec::charging()).await;
    let partner = app.create_partner().await;
    app.subscribe(&partner, &product).await;
    let mut signed_in = Vec::new();
    for _ in 0..12 {
        let driver = app.create_driver().await;
        let vin = app.create_vehicle(&driver).await;
        let (portal, csrf) = app.portal_sign_in(&driver.username, &driver.password).await;
        let offer = app.offer_of(&portal, &partner.name).await;
        signed_in.push((portal, csrf, vin, offer));
    }
    let shares = signed_in
        .iter()
        .map(|(portal, csrf, vin, offer)| app.share(portal, csrf, vin, offer, ""));
    for res in futures_util::future::join_all(shares).await {
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    }
    let verified = vdx_consent::ledger::verify(&app.db).await.unwrap();
    assert_eq!(verified.entries, 12);
    assert_eq!(verified.first_broken, None);
}

on_both_backends!(
    drivers_sharing_at_the_same_moment_each_get_their_consent,
    an_owner_adds_a_driver_who_sees_the_car_but_cannot_share_it,
    a_grant_without_a_duration_lasts_the_products_default,
    the_decision_allows_only_an_active_scoped_subscribed_consent,
    a_partner_reading_another_vehicle_learns_nothing_more_than_for_a_vin_that_does_not_exist,
    a_driver_revokes_in_the_portal_and_the_partner_is_refused_on_its_next_call,
    granting_in_the_portal_needs_ownership_and_an_allowed_offer,
    the_access_history_shows_partner_reads_and_exports_them,
    receipts_name_controller_subject_purpose_and_data_for_driver_and_partner,
    partners_page_through_their_consents_and_can_end_one,
    transferring_ownership_ends_the_previous_owners_consents,
    portal_sign_in_is_throttled_per_username;
    with_clock: remembered_decisions_follow_every_committed_change_and_expiry,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_verify_names_the_first_tampered_ledger_entry() {
    let app = spawn_app(Backend::Sqlite).await;
    // A consent the driver revoked, so the ledger has a revocation to rewrite.
    let (world, _) = consented(&app).await;
    app.revoke_on_portal(&world.driver, &world.partner, &world.vin)
        .await;
    let verify = || {
        std::process::Command::new(vdx_binary())
            .args(["consent", "verify", "--database-url", &app.database_url])
            .output()
            .unwrap()
    };
    let ok = verify();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact"));

    // Rewrite history: make a revoked consent's entry say active (SQL on
    // purpose: tamper detection is what is tested).
    let entries = vdx_consent::test_support::consent_ledger::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let victim = entries
        .iter()
        .find(|e| e.status == "revoked_by_driver")
        .unwrap();
    let tamper = |sql: String| {
        let db = &app.db;
        async move {
            db.execute_unprepared(&sql).await.unwrap();
        }
    };
    let ledger_entry_says = |status: &str| {
        format!(
            "UPDATE consent_ledger SET status = '{status}' WHERE id = {}",
            victim.id
        )
    };
    tamper(ledger_entry_says("active")).await;
    let broken = verify();
    assert_eq!(broken.status.code(), Some(1));
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(err.contains(&format!("entry {}", victim.id)), "{err}");

    // Restore it, then tamper with the projection instead: verify notices too.
    tamper(ledger_entry_says("revoked_by_driver")).await;
    assert!(verify().status.success());
    tamper(format!(
        "UPDATE consents SET status = 'active' WHERE id = {}",
        victim.consent_id
    ))
    .await;
    let broken = verify();
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains(&format!("consent {}", victim.consent_id))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_a_stale_login_form_signs_nobody_in() {
    let app = spawn_app(Backend::Sqlite).await;
    let driver = app.create_driver().await;
    let (username, password) = (driver.username.as_str(), driver.password.as_str());
    let client = vdx_tests::portal_client();
    let res = app.try_sign_in(&client, username, "wrong").await;
    assert_says(res, 200, "Unknown username or wrong password").await;
    let stranger = vdx_tests::portal_client();
    let res = stranger
        .post(app.url("/portal/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("login_token", "guessed"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "no session without the login form's token"
    );
    let res = stranger.get(app.url("/portal")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    // The session cookie is HttpOnly and SameSite=Lax (so a driver arriving
    // from a partner's app or the OEM's login is recognised; every POST
    // carries the session's CSRF token).
    let res = app.try_sign_in(&stranger, username, password).await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("vdx_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}
