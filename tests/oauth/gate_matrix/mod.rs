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

use vdx_tests::world::PlanSpec;
use vdx_tests::{TestApp, on_both_backends};

use calls::{Answer, Counts, assert_alike, call};
use table::{Caller, Class, Logs, Subject, TABLE};
use world::{Bound, Unreachable, World};

/// The vehicle-data cases with their subject kind and what they log.
fn vehicle_data() -> impl Iterator<Item = (&'static table::Case, Subject, Logs)> {
    TABLE.iter().filter_map(|case| match case.class {
        Class::VehicleData { subject, logs } => Some((case, subject, logs)),
        _ => None,
    })
}

/// `case` asked with `token` about `subject`.
async fn ask(
    app: &TestApp,
    world: &World,
    case: &table::Case,
    token: &str,
    subject: &str,
) -> Answer {
    call(app, &world.names, &case.call, Some(token), Some(subject)).await
}

/// `case` asked with `token` about an unknown subject is the no-consent
/// answer, and about each of `others` (named by why) the very same; none of
/// it serves, logs or queues anything.
async fn assert_denied_alike(
    app: &TestApp,
    world: &World,
    (case, subject): (&table::Case, Subject),
    token: &str,
    others: &[(&str, String)],
) {
    let key = case.call.key();
    let before = Counts::of(app).await;
    let baseline = ask(app, world, case, token, world::unknown(subject)).await;
    checks::assert_no_consent(key, &case.call, subject, &baseline);
    for (why, other) in others {
        let answer = ask(app, world, case, token, other).await;
        assert_alike(
            key,
            &format!("an unknown {subject:?} and one {why}"),
            &baseline,
            &answer,
        );
    }
    assert_eq!(
        Counts::of(app).await,
        before,
        "{key}: a denial serves, logs and queues nothing"
    );
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

async fn without_consent_an_unknown_and_an_unconsented_subject_get_the_same_answer(
    app: TestApp,
    clock: std::sync::Arc<vdx_core::ManualClock>,
) {
    let world = World::roomy(&app).await;
    let unreachable = Unreachable::new(&app, &world, &clock).await;
    for (case, subject, _) in vehicle_data() {
        let others = match subject {
            Subject::Vehicle => &unreachable.vins,
            Subject::Command => &unreachable.commands,
        };
        let others: Vec<(&str, String)> = others.iter().map(|(w, s)| (*w, s.clone())).collect();
        assert_denied_alike(&app, &world, (case, subject), &world.token, &others).await;
        let served = ask(&app, &world, case, &world.token, world.subject(subject)).await;
        assert!(
            served.is_success(),
            "{}: the consented subject is served: {served:#?}",
            case.call.key()
        );
    }
}

async fn over_quota_a_consented_call_is_refused_whole_and_serves_and_queues_nothing(app: TestApp) {
    // A day of one call, spent at once on the command the status cases read.
    let world = World::new(&app, PlanSpec::limits(1_000, 100_000, 1, None)).await;
    for (case, subject, _) in vehicle_data() {
        let key = case.call.key();
        let before = Counts::of(&app).await;
        let answer = ask(&app, &world, case, &world.token, world.subject(subject)).await;
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
    let world = World::roomy(&app).await;
    let bound = Bound::new(&app, &world).await;
    assert_ne!(
        bound.vin,
        world.vin(),
        "the consented car is another driver's"
    );
    for (case, subject, _) in vehicle_data() {
        let key = case.call.key();
        let own = ask(&app, &world, case, &bound.token, bound.subject(subject)).await;
        assert!(
            own.is_success(),
            "{key}: the driver's own {subject:?} is served: {own:#?}"
        );
        let others = [("another driver's", world.subject(subject).to_owned())];
        assert_denied_alike(&app, &world, (case, subject), &bound.token, &others).await;
    }
    let everyone = world::listing(&app, &world.token).await;
    let (drivers, others): (Vec<_>, Vec<_>) = everyone
        .into_iter()
        .partition(|c| c["vin"] == bound.vin.as_str());
    let alices = others.iter().find(|c| c["vin"] == world.vin()).unwrap();
    let others: Vec<String> = vec![alices["id"].to_string()];
    checks::consent_cases(&app, &world.names, &bound.token, &drivers, &others).await;
    checks::assert_still_active(&app, &world.token, &others).await;
}

async fn consent_routes_answer_another_apps_consent_like_an_unknown_one(app: TestApp) {
    let world = World::roomy(&app).await;
    let partner = &world.partner().name;
    let mut theirs = Vec::new();
    for _ in 0..3 {
        let (other, owner) = world.other_app(&app).await;
        let listed = world::listing(&app, &owner).await;
        let active = listed
            .iter()
            .find(|c| c["status"] == "active")
            .unwrap_or_else(|| panic!("{} holds an active consent", other.name));
        theirs.push((owner, active["id"].to_string()));
    }
    let mine = world::listing(&app, &world.token).await;
    assert!(
        mine.iter().all(|c| c["partner"] == partner.as_str()),
        "{mine:#?}"
    );
    let ids: Vec<String> = theirs.iter().map(|(_, id)| id.clone()).collect();
    checks::consent_cases(&app, &world.names, &world.token, &mine, &ids).await;
    for (owner, id) in &theirs {
        checks::assert_still_active(&app, owner, std::slice::from_ref(id)).await;
    }
}

async fn a_consented_call_leaves_exactly_one_access_log_record_of_its_kind(app: TestApp) {
    let world = World::roomy(&app).await;
    let vehicle = checks::vehicle_id(&app, world.vin()).await;
    for (case, subject, logs) in vehicle_data() {
        let key = case.call.key();
        let before = Counts::of(&app).await;
        let answer = ask(&app, &world, case, &world.token, world.subject(subject)).await;
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
    let world = World::roomy(&app).await;
    let partner = world.token.clone();
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
        let answer: Answer = call(&app, &world.names, &case.call, token, None).await;
        let key = case.call.key();
        assert!(answer.status < 500, "{key} ({why}): {answer:#?}");
        assert!(
            answer.is_success(),
            "{key} ({why}) serves a well-formed call: {answer:#?}"
        );
    }
}

on_both_backends!(
    the_gate_table_names_every_partner_operation_and_field_and_nothing_else,
    over_quota_a_consented_call_is_refused_whole_and_serves_and_queues_nothing,
    a_driver_bound_token_reaches_another_drivers_car_command_or_consent_like_none,
    consent_routes_answer_another_apps_consent_like_an_unknown_one,
    a_consented_call_leaves_exactly_one_access_log_record_of_its_kind,
    partner_routes_without_vehicle_data_answer_without_a_server_error;
    with_clock: without_consent_an_unknown_and_an_unconsented_subject_get_the_same_answer,
);
