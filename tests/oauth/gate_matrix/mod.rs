//! The partner gate, table-driven: every partner-facing REST operation and
//! GraphQL field (listed from `/openapi.json` and the schema, see
//! `coverage`) has a case in `table::TABLE`, and each case is held to what
//! the gate promises for its class:
//!
//! - vehicle data: an unknown subject and an unconsented one get the same
//!   answer; over quota nothing is served or queued; a driver-bound token
//!   reaches another driver's car or command exactly like no consent; a
//!   consented call leaves one access-log record of its kind;
//! - consents: another app's or another driver's consent is 404 like an
//!   unknown id, and listings hold only the app's (and the driver's);
//! - everything else: answers without a server error.

mod calls;
mod checks;
mod coverage;
mod table;
mod world;

use std::collections::BTreeSet;

use vdx_tests::{TestApp, on_both_backends_in_demo_world};

use calls::{Answer, Counts, assert_alike, call};
use table::{Caller, Class, Logs, Subject, TABLE};
use world::{Bound, Consented, PARTNER, Unreachable};

/// Limits no test here comes near, set before the first call.
async fn roomy_plans(app: &TestApp) {
    app.set_plans(1_000, 100_000, 100_000_000, None).await;
}

/// The vehicle-data cases with their subject kind and what they log.
fn vehicle_data() -> impl Iterator<Item = (&'static table::Case, Subject, Logs)> {
    TABLE.iter().filter_map(|case| match case.class {
        Class::VehicleData { subject, logs } => Some((case, subject, logs)),
        _ => None,
    })
}

async fn the_gate_table_names_every_partner_operation_and_field_and_nothing_else(app: TestApp) {
    let rest = coverage::rest_operations(&app).await;
    let fields = coverage::graphql_fields(&app).await;
    let mut keys = BTreeSet::new();
    for case in TABLE {
        let key = case.call.key();
        assert!(keys.insert(key), "the table has two cases for {key}");
        match case.call {
            table::Call::Rest {
                op, method, path, ..
            } => {
                let documented = rest.get(op).unwrap_or_else(|| {
                    panic!("the table names {op}, which the partner API no longer has")
                });
                assert_eq!(
                    documented,
                    &(method.to_owned(), path.to_owned()),
                    "{op} moved"
                );
            }
            table::Call::Graphql { field, .. } => assert!(
                fields.contains(field),
                "the table names {field}, which the schema no longer has"
            ),
        }
    }
    for key in rest.keys().chain(fields.iter()) {
        assert!(
            keys.contains(key.as_str()),
            "{key} is exposed to partners but has no case in the gate table"
        );
    }
    // The lists come from what is served, not from the table.
    assert!(rest.contains_key("vehicle_latest") && fields.contains("VehicleData.history"));
}

async fn without_consent_an_unknown_and_an_unconsented_subject_get_the_same_answer(app: TestApp) {
    roomy_plans(&app).await;
    let consented = Consented::new(&app).await;
    let unreachable = Unreachable::new(&app, &consented).await;
    for (case, subject, _) in vehicle_data() {
        let key = case.call.key();
        let unknown = world::unknown(&app, subject);
        let others = match subject {
            Subject::Vehicle => &unreachable.vins,
            Subject::Command => &unreachable.commands,
        };
        let before = Counts::of(&app).await;
        let baseline = call(&app, &case.call, Some(&consented.token), Some(unknown)).await;
        checks::assert_no_consent(key, &case.call, subject, &baseline);
        for (why, other) in others {
            let answer = call(&app, &case.call, Some(&consented.token), Some(other)).await;
            assert_alike(
                key,
                &format!("an unknown {subject:?} and one {why}"),
                &baseline,
                &answer,
            );
        }
        assert_eq!(
            Counts::of(&app).await,
            before,
            "{key}: a denial serves, logs and queues nothing"
        );
        let served = call(
            &app,
            &case.call,
            Some(&consented.token),
            Some(consented.subject(subject)),
        )
        .await;
        assert!(
            served.is_success(),
            "{key}: the consented subject is served: {served:#?}"
        );
    }
}

async fn over_quota_a_consented_call_is_refused_whole_and_serves_and_queues_nothing(app: TestApp) {
    // A day of one call, spent at once on the command the status cases read.
    app.set_plans(1_000, 100_000, 1, None).await;
    let consented = Consented::new(&app).await;
    for (case, subject, _) in vehicle_data() {
        let key = case.call.key();
        let before = Counts::of(&app).await;
        let answer = call(
            &app,
            &case.call,
            Some(&consented.token),
            Some(consented.subject(subject)),
        )
        .await;
        assert_eq!(answer.status, 429, "{key}: {answer:#?}");
        assert!(
            answer.headers.contains_key("retry-after"),
            "{key}: {answer:#?}"
        );
        checks::assert_refused_whole(key, &case.call, &answer);
        assert_eq!(
            Counts::of(&app).await,
            before,
            "{key}: nothing served over quota"
        );
    }
}

async fn a_driver_bound_token_reaches_another_drivers_car_command_or_consent_like_none(
    app: TestApp,
) {
    roomy_plans(&app).await;
    let consented = Consented::new(&app).await;
    let bound = Bound::new(&app, "carol").await;
    assert!(
        !bound.cars(&app).contains(&consented.vin),
        "the consented car is another driver's"
    );
    for (case, subject, _) in vehicle_data() {
        let key = case.call.key();
        let own = call(
            &app,
            &case.call,
            Some(&bound.token),
            Some(bound.subject(subject)),
        )
        .await;
        assert!(
            own.is_success(),
            "{key}: the driver's own {subject:?} is served: {own:#?}"
        );
        let unknown = world::unknown(&app, subject);
        let before = Counts::of(&app).await;
        let baseline = call(&app, &case.call, Some(&bound.token), Some(unknown)).await;
        checks::assert_no_consent(key, &case.call, subject, &baseline);
        let other = call(
            &app,
            &case.call,
            Some(&bound.token),
            Some(consented.subject(subject)),
        )
        .await;
        assert_alike(
            key,
            &format!("an unknown {subject:?} and another driver's"),
            &baseline,
            &other,
        );
        assert_eq!(
            Counts::of(&app).await,
            before,
            "{key}: a denial serves, logs and queues nothing"
        );
    }
    let everyone = world::listing(&app, &consented.token).await;
    let (drivers, others): (Vec<_>, Vec<_>) = everyone
        .into_iter()
        .partition(|c| bound.cars(&app).iter().any(|v| c["vin"] == v.as_str()));
    let alices = others
        .iter()
        .find(|c| c["vin"] == consented.vin.as_str())
        .unwrap();
    let others: Vec<String> = vec![alices["id"].to_string()];
    checks::consent_cases(&app, &bound.token, &drivers, &others).await;
    checks::assert_still_active(&app, &consented.token, &others).await;
}

async fn consent_routes_answer_another_apps_consent_like_an_unknown_one(app: TestApp) {
    roomy_plans(&app).await;
    let token = app.token_for(PARTNER).await;
    let mine = world::listing(&app, &token).await;
    assert!(mine.iter().all(|c| c["partner"] == PARTNER), "{mine:#?}");
    let mut theirs = Vec::new();
    for partner in world::OTHER_PARTNERS {
        let owner = app.token_for(partner).await;
        let listed = world::listing(&app, &owner).await;
        let active = listed
            .iter()
            .find(|c| c["status"] == "active")
            .unwrap_or_else(|| panic!("{partner} holds an active consent"));
        theirs.push((owner, active["id"].to_string()));
    }
    let ids: Vec<String> = theirs.iter().map(|(_, id)| id.clone()).collect();
    checks::consent_cases(&app, &token, &mine, &ids).await;
    for (owner, id) in &theirs {
        checks::assert_still_active(&app, owner, std::slice::from_ref(id)).await;
    }
}

async fn a_consented_call_leaves_exactly_one_access_log_record_of_its_kind(app: TestApp) {
    roomy_plans(&app).await;
    let consented = Consented::new(&app).await;
    let vehicle = checks::vehicle_id(&app, &consented.vin).await;
    for (case, subject, logs) in vehicle_data() {
        let key = case.call.key();
        let before = Counts::of(&app).await;
        let answer = call(
            &app,
            &case.call,
            Some(&consented.token),
            Some(consented.subject(subject)),
        )
        .await;
        assert!(answer.is_success(), "{key}: {answer:#?}");
        let records = before.records_since(&app).await;
        let after = Counts::of(&app).await;
        match logs {
            Logs::Record(kind) => {
                assert_eq!(records.len(), 1, "{key}: one record per call: {records:#?}");
                let record = &records[0];
                assert_eq!(record.kind, kind, "{key}");
                assert_eq!(record.request_id, answer.request_id, "{key}");
                assert_eq!(record.vehicle_id, vehicle, "{key}");
                let queued = i64::from(kind == "command");
                assert_eq!(after.commands, before.commands + queued, "{key}");
            }
            Logs::Nothing(why) => {
                assert!(records.is_empty(), "{key} {why}: {records:#?}");
                assert_eq!(after.commands, before.commands, "{key}");
            }
        }
        assert_eq!(
            after.access_log,
            before.access_log + records.len() as i64,
            "{key}"
        );
    }
}

async fn partner_routes_without_vehicle_data_answer_without_a_server_error(app: TestApp) {
    let partner = app.token_for(PARTNER).await;
    let ingest = app.ingest_token().await;
    for case in TABLE {
        let Class::NotVehicleData(why, caller) = case.class else {
            continue;
        };
        let token = match caller {
            Caller::Anonymous => None,
            Caller::Partner => Some(partner.as_str()),
            Caller::Ingest => Some(ingest.as_str()),
        };
        let answer: Answer = call(&app, &case.call, token, None).await;
        let key = case.call.key();
        assert!(answer.status < 500, "{key} ({why}): {answer:#?}");
        assert!(
            answer.is_success(),
            "{key} ({why}) serves a well-formed call: {answer:#?}"
        );
    }
}

on_both_backends_in_demo_world!(
    the_gate_table_names_every_partner_operation_and_field_and_nothing_else,
    without_consent_an_unknown_and_an_unconsented_subject_get_the_same_answer,
    over_quota_a_consented_call_is_refused_whole_and_serves_and_queues_nothing,
    a_driver_bound_token_reaches_another_drivers_car_command_or_consent_like_none,
    consent_routes_answer_another_apps_consent_like_an_unknown_one,
    a_consented_call_leaves_exactly_one_access_log_record_of_its_kind,
    partner_routes_without_vehicle_data_answer_without_a_server_error,
);
