//! Consent: the decision table, BOLA, revocation across replicas, the
//! ledger and its tamper detection, the portal, the partner side.

use reqwest::Method;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::{Value, json};
use vdx_consent::records::ConsentStatus;
use vdx_consent::test_support::{consent, vehicle};
use vdx_tests::{
    Backend, TestApp, hidden, on_both_backends_in_demo_world, spawn_app_with_demo_world, vdx_binary,
};

const EV: &str = "ev-charging";
const CHARGING: &str = "smart_charging";

pub(crate) async fn consent_of(app: &TestApp, vin: &str, client_id: &str) -> consent::Model {
    let car = vehicle::Entity::find()
        .filter(vehicle::Column::Vin.eq(vin))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let partner_app = vdx_catalog::marketplace::find_app_by_client_id(&app.db, client_id)
        .await
        .unwrap()
        .unwrap();
    consent::Entity::find()
        .filter(consent::Column::VehicleId.eq(car.id))
        .filter(consent::Column::AppId.eq(partner_app.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn code_of(app: &TestApp, token: &str, vin: &str) -> String {
    let body = app.vehicle_latest(token, vin, EV, CHARGING).await;
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
        .to_owned()
}

async fn the_decision_allows_only_an_active_scoped_subscribed_consent(app: TestApp) {
    let voltwise = app.partner("Voltwise Energy").clone();
    let vin = app.creds.examples.consented.vin.clone();
    let row = consent_of(&app, &vin, &voltwise.client_id).await;
    let admin = app.admin_token().await;
    let subscriptions: Value = app.get_json("/admin/v1/subscriptions", Some(&admin)).await;
    let sub_id = subscriptions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["partner"] == "Voltwise Energy")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let with_read = app.token_for("Voltwise Energy").await;
    let without_read: Value = app
        .token_response(
            &voltwise.client_id,
            &voltwise.client_secret,
            Some("command:ev-charging"),
        )
        .await
        .json()
        .await
        .unwrap();
    let without_read = without_read["access_token"].as_str().unwrap().to_owned();

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
            let mut active = row.clone().into_active_model();
            active.status = Set(status.as_str().to_owned());
            active.update(&app.db).await.unwrap();
            for (has_scope, token) in [(true, &with_read), (false, &without_read)] {
                let code = code_of(&app, token, &vin).await;
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
    // Voltwise has consent for alice's EV, none at all for her combustion car.
    let token = app.token_for("Voltwise Energy").await;
    let alice = app.demo_driver("alice");
    let other = alice
        .vehicles
        .iter()
        .find(|v| v.starts_with("VDXC"))
        .unwrap();
    let gql_other = app.vehicle_latest(&token, other, EV, CHARGING).await;
    let gql_none = app
        .vehicle_latest(&token, "VDXC9999999999999", EV, CHARGING)
        .await;
    assert_eq!(gql_other, gql_none);
    assert_eq!(gql_other["errors"][0]["extensions"]["code"], "NO_CONSENT");
    let strip = |mut v: Value| {
        v["request_id"] = Value::Null;
        v
    };
    let rest_other = app.rest_latest(&token, other, EV, CHARGING).await;
    let rest_none = app
        .rest_latest(&token, "VDXC9999999999999", EV, CHARGING)
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
    let token = app.token_for("Voltwise Energy").await;
    let vin = app.creds.examples.consented.vin.clone();
    assert_eq!(code_of(&app, &token, &vin).await, "OK");
    let (portal, csrf) = app.portal_login("alice").await;
    let row = consent_of(&app, &vin, &app.partner("Voltwise Energy").client_id).await;
    // Without the CSRF token nothing happens.
    let res = portal
        .post(app.url(&format!("/portal/consents/{}/revoke", row.id)))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(code_of(&app, &token, &vin).await, "OK");
    let res = portal
        .post(app.url(&format!("/portal/consents/{}/revoke", row.id)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(code_of(&app, &token, &vin).await, "NO_CONSENT");
    // The page shows it as past, and the ledger recorded who did it.
    let page = app.page(&portal, "/portal").await;
    let past = &page[page.find("past-consents").unwrap()..];
    assert!(
        past.contains(&vin) && past.contains("revoked by driver"),
        "{past}"
    );
    let entries = vdx_consent::ledger::history(&app.db, row.id).await.unwrap();
    assert_eq!(entries.last().unwrap().event, "revoked");
    assert!(entries.last().unwrap().actor.starts_with("driver:"));
}

async fn granting_in_the_portal_needs_ownership_and_an_allowed_offer(app: TestApp) {
    let (portal, csrf) = app.portal_login("carol").await;
    let offer = app.offer_of(&portal, "Voltwise").await;
    let vin = crate::portal::ev_of(&app, "carol");
    let token = app.token_for("Voltwise Energy").await;
    assert_eq!(code_of(&app, &token, &vin).await, "NO_CONSENT");
    // Someone else's car: refused.
    let alices = app.creds.examples.consented.vin.clone();
    let res = app.share(&portal, &csrf, &alices, &offer, "30").await;
    assert_eq!(res.status(), 400);
    // Longer than the product allows: refused.
    let res = app.share(&portal, &csrf, &vin, &offer, "9999").await;
    assert_eq!(res.status(), 400);
    let res = app.share(&portal, &csrf, &vin, &offer, "30").await;
    assert_eq!(res.status(), 303);
    assert_eq!(code_of(&app, &token, &vin).await, "OK");
}

async fn the_access_history_shows_partner_reads_and_exports_them(app: TestApp) {
    let token = app.token_for("Voltwise Energy").await;
    let vin = app.creds.examples.consented.vin.clone();
    let res = app
        .client
        .get(app.url(&format!(
            "/v1/vehicles/{vin}/latest?product=ev-charging&purpose=smart_charging"
        )))
        .bearer_auth(&token)
        .header("x-request-id", "history-probe-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (portal, _) = app.portal_login("alice").await;
    let page = app
        .page(&portal, &format!("/portal/access?vin={vin}"))
        .await;
    assert!(
        page.contains("Voltwise Energy") && page.contains("StateOfCharge"),
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
    assert_eq!(record["purpose"], CHARGING);
    let csv = app.page(&portal, "/portal/access?format=csv").await;
    assert!(
        csv.starts_with("at,partner,app,vin,product,purpose,kind,fields,request_id")
            && csv.contains("history-probe-1"),
        "{csv}"
    );
    // Bob sees none of alice's history.
    let (bob, _) = app.portal_login("bob").await;
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
    let voltwise = app.partner("Voltwise Energy").clone();
    let row = consent_of(&app, &app.creds.examples.consented.vin, &voltwise.client_id).await;
    let (portal, _) = app.portal_login("alice").await;
    let receipt: Value = app
        .page_json(&portal, &format!("/portal/consents/{}/receipt", row.id))
        .await;
    assert_eq!(receipt["controller"]["name"], "Voltwise Energy");
    assert_eq!(receipt["purposes"][0]["name"], CHARGING);
    assert!(
        receipt["data_categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current")
    );
    assert_eq!(receipt["status"], "active");
    assert_eq!(receipt["ledger"][0]["event"], "created");
    let token = app.token_for("Voltwise Energy").await;
    let partner: Value = app
        .get_json(&format!("/v1/consents/{}/receipt", row.id), Some(&token))
        .await;
    assert_eq!(partner["record_id"], receipt["record_id"]);
    // Another partner cannot fetch it, and is told nothing more than "no such consent".
    let other = app.token_for("Milesure Insurance").await;
    let res = app
        .get(&format!("/v1/consents/{}/receipt", row.id), Some(&other))
        .await;
    assert_eq!(res.status(), 404);
    let bob = app.portal_login("bob").await.0;
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
    let token = app.token_for("Voltwise Energy").await;
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
    assert_eq!(code_of(&app, &token, &vin).await, "OK");
    let res = app
        .post(&format!("/v1/consents/{id}/revoke"), Some(&token))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "revoked_by_partner");
    assert_eq!(code_of(&app, &token, &vin).await, "NO_CONSENT");
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
    let token = app.token_for("Voltwise Energy").await;
    let vin = app.creds.examples.consented.vin.clone();
    assert_eq!(code_of(&app, &token, &vin).await, "OK");
    let admin = app.admin_token().await;
    let res = app
        .call(
            Method::POST,
            &format!("/admin/v1/vehicles/{vin}/owner"),
            Some(&admin),
            Some(json!({"new_owner": "bob"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["consents_ended"], 1);
    assert_eq!(code_of(&app, &token, &vin).await, "NO_CONSENT");
    let row = consent_of(&app, &vin, &app.partner("Voltwise Energy").client_id).await;
    assert_eq!(row.status, "ended_by_ownership_change");
    // Alice no longer sees the car; bob does.
    let vehicles_section = |page: String| {
        page[page.find("My vehicles</h3>").unwrap()..page.find("Active consents").unwrap()]
            .to_owned()
    };
    let (alice, _) = app.portal_login("alice").await;
    assert!(!vehicles_section(app.page(&alice, "/portal").await).contains(&vin));
    let (bob, _) = app.portal_login("bob").await;
    assert!(
        vehicles_section(
            bob.get(app.url("/portal"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        )
        .contains(&vin)
    );
}

async fn an_owner_adds_a_driver_who_sees_the_car_but_cannot_share_it(app: TestApp) {
    let vin = app.creds.examples.consented.vin.clone();
    let (alice, csrf) = app.portal_login("alice").await;
    let res = alice
        .post(app.url(&format!("/portal/vehicles/{vin}/drivers")))
        .form(&[("csrf", csrf.as_str()), ("username", "bob")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (bob, bob_csrf) = app.portal_login("bob").await;
    let home = app.page(&bob, "/portal").await;
    assert!(
        home.contains(&format!(
            r#"<code>{vin}</code></td><td data-label="Model">Volta e-Hatch</td><td data-label="My role">additional"#
        )),
        "bob sees alice's car as an additional driver"
    );
    // Bob may not add drivers to it, nor share its data.
    let res = bob
        .post(app.url(&format!("/portal/vehicles/{vin}/drivers")))
        .form(&[("csrf", bob_csrf.as_str()), ("username", "carol")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let form = app.page(&bob, "/portal/grant").await;
    assert!(
        !form.contains(&format!(r#"<option value="{vin}">"#)),
        "only owned cars are offered for sharing"
    );
    let offer = app.offer_of(&bob, "Voltwise").await;
    let res = app.share(&bob, &bob_csrf, &vin, &offer, "").await;
    assert_eq!(res.status(), 400);
}

async fn a_grant_without_a_duration_lasts_the_products_default(app: TestApp) {
    let vin = crate::portal::ev_of(&app, "carol");
    let (portal, csrf) = app.portal_login("carol").await;
    let offer = app.offer_of(&portal, "Voltwise").await;
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
    assert_eq!(days, 365, "ev-charging's default consent lasts 365 days");
}

/// Decisions are remembered per policy epoch. A change made behind the
/// gateway's back, in plain SQL, still takes effect on the next request,
/// because the database's triggers raise the epoch; and a remembered grant
/// whose consent runs out is denied at once, with no write at all.
async fn remembered_decisions_follow_every_committed_change_and_expiry(
    app: TestApp,
    clock: std::sync::Arc<vdx_core::ManualClock>,
) {
    use sea_orm::ConnectionTrait;
    use vdx_core::Clock;
    let token = app.token_for("Voltwise Energy").await;
    let vin = app.creds.examples.consented.vin.clone();
    let row = consent_of(&app, &vin, &app.partner("Voltwise Energy").client_id).await;
    let epoch = vdx_consent::policy_epoch(&app.db).await.unwrap();
    assert_eq!(code_of(&app, &token, &vin).await, "OK");
    assert_eq!(code_of(&app, &token, &vin).await, "OK");
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
    assert_eq!(code_of(&app, &token, &vin).await, "NO_CONSENT");

    // Active again, but only for two more seconds.
    let ends = clock.now_ms() + 2_000;
    app.db
        .execute_unprepared(&format!(
            "UPDATE consents SET status = 'active', expires_at = {ends} WHERE id = {}",
            row.id
        ))
        .await
        .unwrap();
    assert_eq!(code_of(&app, &token, &vin).await, "OK");
    let before = vdx_consent::policy_epoch(&app.db).await.unwrap();
    clock.advance(std::time::Duration::from_millis(2_100));
    assert_eq!(vdx_consent::policy_epoch(&app.db).await.unwrap(), before);
    assert_eq!(code_of(&app, &token, &vin).await, "NO_CONSENT");

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
    let client = vdx_tests::portal_client();
    let attempt = |password: String| {
        let client = client.clone();
        let app = &app;
        async move {
            let page = app.page(&client, "/portal/login").await;
            let token = vdx_tests::hidden(&page, "login_token");
            client
                .post(app.url("/portal/login"))
                .form(&[
                    ("username", "alice"),
                    ("password", password.as_str()),
                    ("login_token", token.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..10 {
        let res = attempt("guess".to_owned()).await;
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("wrong password"));
    }
    let password = app.demo_driver("alice").password.clone();
    let res = attempt(password).await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts")
    );
    // Another driver is not locked out.
    app.portal_login("bob").await;
}

on_both_backends_in_demo_world!(
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
async fn a_revocation_on_one_replica_is_refused_on_the_other_at_the_next_request() {
    let first = spawn_app_with_demo_world(Backend::Postgres).await;
    let replica = first.spawn_replica().await;
    let second = replica.base_url.clone();
    let token = first.token_for("Voltwise Energy").await;
    let vin = first.creds.examples.consented.vin.clone();
    let read = |base: String| {
        let token = token.clone();
        let vin = vin.clone();
        let client = first.client.clone();
        async move {
            client
                .get(format!(
                    "{base}/v1/vehicles/{vin}/latest?product=ev-charging&purpose=smart_charging"
                ))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        read(second.clone()).await,
        200,
        "the second replica accepts the first one's token"
    );
    let (portal, csrf) = first.portal_login("alice").await;
    let row = consent_of(&first, &vin, &first.partner("Voltwise Energy").client_id).await;
    let res = portal
        .post(first.url(&format!("/portal/consents/{}/revoke", row.id)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        read(second).await,
        403,
        "the very next request on the other replica is refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_verify_names_the_first_tampered_ledger_entry() {
    let app = spawn_app_with_demo_world(Backend::Sqlite).await;
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

    // Rewrite history: make a revoked consent's entry say active.
    let entries = vdx_consent::test_support::consent_ledger::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let victim = entries
        .iter()
        .find(|e| e.status == "revoked_by_driver")
        .unwrap();
    app.db
        .execute_unprepared(&format!(
            "UPDATE consent_ledger SET status = 'active' WHERE id = {}",
            victim.id
        ))
        .await
        .unwrap();
    let broken = verify();
    assert_eq!(broken.status.code(), Some(1));
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(err.contains(&format!("entry {}", victim.id)), "{err}");

    // Restore it, then tamper with the projection instead: verify notices too.
    app.db
        .execute_unprepared(&format!(
            "UPDATE consent_ledger SET status = 'revoked_by_driver' WHERE id = {}",
            victim.id
        ))
        .await
        .unwrap();
    assert!(verify().status.success());
    app.db
        .execute_unprepared(&format!(
            "UPDATE consents SET status = 'active' WHERE id = {}",
            victim.consent_id
        ))
        .await
        .unwrap();
    let broken = verify();
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains(&format!("consent {}", victim.consent_id))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_a_stale_login_form_signs_nobody_in() {
    let app = spawn_app_with_demo_world(Backend::Sqlite).await;
    let client = vdx_tests::portal_client();
    let form = app.page(&client, "/portal/login").await;
    let token = hidden(&form, "login_token");
    let res = client
        .post(app.url("/portal/login"))
        .form(&[
            ("username", "alice"),
            ("password", "wrong"),
            ("login_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Unknown username or wrong password")
    );
    let stranger = vdx_tests::portal_client();
    let password = app.creds.drivers[0].password.clone();
    let res = stranger
        .post(app.url("/portal/login"))
        .form(&[
            ("username", "alice"),
            ("password", password.as_str()),
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
    let form = app.page(&stranger, "/portal/login").await;
    let token = hidden(&form, "login_token");
    let res = stranger
        .post(app.url("/portal/login"))
        .form(&[
            ("username", "alice"),
            ("password", password.as_str()),
            ("login_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
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
