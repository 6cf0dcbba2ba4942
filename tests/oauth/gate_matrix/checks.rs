//! The assertions the matrix repeats: what a denial and a refused charge
//! look like on each surface, and the consent cases (listings and ids).

use std::collections::BTreeSet;

use serde_json::{Value, json};
use vdx_tests::TestApp;

use super::calls::{Answer, Names, RATE_CODES, assert_alike, call};
use super::table::{Call, Class, Listing, Subject, TABLE};
use super::world::{UNKNOWN_CONSENT, listing};

/// The no-consent answer: 403 `NO_CONSENT` for a car, 404 for a command
/// (REST); a `NO_CONSENT` error or a null command (GraphQL).
pub fn assert_no_consent(key: &str, call: &Call, subject: Subject, answer: &Answer) {
    match (call, subject) {
        (Call::Rest { .. }, Subject::Vehicle) => {
            assert_eq!(
                (answer.status, answer.code()),
                (403, Some("NO_CONSENT")),
                "{key}: {answer:#?}"
            );
        }
        (Call::Rest { .. }, Subject::Command) => {
            assert_eq!(
                (answer.status, answer.code()),
                (404, Some("NOT_FOUND")),
                "{key}: {answer:#?}"
            );
        }
        (Call::Graphql { .. }, Subject::Vehicle) => {
            assert_eq!(
                (answer.status, answer.code()),
                (200, Some("NO_CONSENT")),
                "{key}: {answer:#?}"
            );
            assert!(answer.body["data"].is_null(), "{key}: {answer:#?}");
        }
        (Call::Graphql { .. }, Subject::Command) => {
            assert_eq!(answer.status, 200, "{key}: {answer:#?}");
            assert_eq!(answer.body, json!({"data": {"command": null}}), "{key}");
        }
    }
}

/// A refused charge: a problem with a rate code (REST); `data: null` and
/// exactly one error with a rate code (GraphQL).
pub fn assert_refused_whole(key: &str, call: &Call, answer: &Answer) {
    let code = answer.code().unwrap_or_default();
    assert!(RATE_CODES.contains(&code), "{key}: {answer:#?}");
    match call {
        Call::Rest { .. } => assert_eq!(
            answer.headers.get("content-type").map(String::as_str),
            Some("application/problem+json"),
            "{key}"
        ),
        Call::Graphql { .. } => {
            assert!(answer.body["data"].is_null(), "{key}: {answer:#?}");
            assert_eq!(
                answer.body["errors"].as_array().map(Vec::len),
                Some(1),
                "{key}: {answer:#?}"
            );
        }
    }
}

/// The database id of the car `vin`.
pub async fn vehicle_id(app: &TestApp, vin: &str) -> vdx_core::VehicleId {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use vdx_consent::test_support::vehicle;
    vehicle::Entity::find()
        .filter(vehicle::Column::Vin.eq(vin))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// One consent of a listing: (id, vin, product, purpose).
type Listed = (i64, String, String, String);

/// The consents a listing answer holds; asserts it is the last page.
fn listed(key: &str, listing: Listing, answer: &Answer) -> Vec<Listed> {
    let (items, next) = match listing {
        Listing::Rest => (&answer.body["consents"], &answer.body["next"]),
        Listing::Graphql => (
            &answer.body["data"]["vehicles"]["nodes"],
            &answer.body["data"]["vehicles"]["nextCursor"],
        ),
    };
    assert!(
        next.is_null(),
        "{key}: one page holds them all: {answer:#?}"
    );
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    items
        .as_array()
        .unwrap_or_else(|| panic!("{key}: {answer:#?}"))
        .iter()
        .map(|c| {
            let id = c["id"]
                .as_i64()
                .unwrap_or_else(|| c["consentId"].as_str().unwrap().parse().unwrap());
            (
                id,
                text(&c["vin"]),
                text(&c["product"]),
                text(&c["purpose"]),
            )
        })
        .collect()
}

/// Every consent case for `token`, which may see exactly `visible` (as the
/// app's listing shows them) and none of the consent ids `foreign`.
pub async fn consent_cases(
    app: &TestApp,
    names: &Names,
    token: &str,
    visible: &[Value],
    foreign: &[String],
) {
    let ids: BTreeSet<i64> = visible.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    let active: BTreeSet<i64> = visible
        .iter()
        .filter(|c| c["status"] == "active" && c["lapsed"] == false)
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let own = active
        .first()
        .expect("the caller holds an active consent")
        .to_string();
    for case in TABLE {
        let key = case.call.key();
        match case.class {
            Class::ConsentListing(shape) => {
                let answer = call(app, names, &case.call, Some(token), None).await;
                assert!(answer.is_success(), "{key}: {answer:#?}");
                let got = listed(key, shape, &answer);
                let got_ids: BTreeSet<i64> = got.iter().map(|c| c.0).collect();
                let expected = match shape {
                    Listing::Rest => &ids,
                    Listing::Graphql => &active,
                };
                assert_eq!(
                    &got_ids, expected,
                    "{key} lists exactly the caller's consents"
                );
                for id in foreign {
                    assert!(!got_ids.contains(&id.parse().unwrap()), "{key} lists {id}");
                }
                if let Listing::Graphql = shape {
                    assert_reachable(app, key, token, &got).await;
                }
            }
            Class::ConsentById => {
                let unknown =
                    call(app, names, &case.call, Some(token), Some(UNKNOWN_CONSENT)).await;
                assert_eq!(
                    (unknown.status, unknown.code()),
                    (404, Some("NOT_FOUND")),
                    "{key}: {unknown:#?}"
                );
                for id in foreign {
                    let answer = call(app, names, &case.call, Some(token), Some(id)).await;
                    assert_alike(
                        key,
                        "an unknown consent and one the caller may not see",
                        &unknown,
                        &answer,
                    );
                }
                let mine = call(app, names, &case.call, Some(token), Some(&own)).await;
                assert!(
                    mine.is_success(),
                    "{key}: the caller's own consent {own}: {mine:#?}"
                );
            }
            _ => {}
        }
    }
}

/// Every listed vehicle is one `token` may read, as listed.
async fn assert_reachable(app: &TestApp, key: &str, token: &str, listed: &[Listed]) {
    for (_, vin, product, purpose) in listed {
        let res = app
            .graphql(
                Some(token),
                "query($vin: String!, $product: String!, $purpose: String!) { vehicle(vin: $vin, product: $product, purpose: $purpose) { vin } }",
                json!({"vin": vin, "product": product, "purpose": purpose}),
            )
            .await;
        let body: Value = res.json().await.unwrap();
        assert!(
            body["errors"].is_null(),
            "{key} lists {vin} ({product}, {purpose}), which the caller may not read: {body}"
        );
    }
}

/// The consents `ids` are still active, as their rightful app (`token`) sees them.
pub async fn assert_still_active(app: &TestApp, token: &str, ids: &[String]) {
    let consents = listing(app, token).await;
    for id in ids {
        let consent = consents
            .iter()
            .find(|c| c["id"].as_i64() == id.parse().ok())
            .unwrap_or_else(|| panic!("consent {id} is its app's"));
        assert_eq!(consent["status"], "active", "{consent}");
    }
}
