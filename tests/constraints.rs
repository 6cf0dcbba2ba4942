//! Writes refused by the database's constraints: a duplicate that raced past
//! a friendly pre-check is a 409 `CONFLICT`, a dangling reference a 422
//! `REFERENCE_NOT_FOUND`, never a 500. The race is played deterministically:
//! the domain's insert is called twice directly, without the handler's
//! pre-check in between, as the second of two racing requests would.

use actix_web::ResponseError;
use vdx_core::{PartnerId, ScopeSet};
use vdx_gateway::problem::ApiError;
use vdx_tests::{TestApp, on_both_backends};

async fn a_raced_duplicate_partner_is_a_409_conflict_not_a_500(app: TestApp) {
    let name = format!("Racing Partner {}", uuid::Uuid::new_v4().simple());
    vdx_catalog::marketplace::create_partner(&app.db, &name, 0)
        .await
        .expect("the first insert wins");
    let lost = vdx_catalog::marketplace::create_partner(&app.db, &name, 0)
        .await
        .expect_err("the unique index refuses the second");
    assert!(
        matches!(
            lost,
            vdx_catalog::CatalogError::Constraint(vdx_core::constraint::Violation::Unique(_))
        ),
        "{lost:?}"
    );
    let api = ApiError::from(lost);
    assert_eq!(api.status_code(), 409);
    assert_eq!(api.code(), "CONFLICT");
}

async fn an_app_of_a_partner_that_does_not_exist_is_a_422_not_a_500(app: TestApp) {
    let refused = vdx_catalog::marketplace::create_app(
        &app.db,
        PartnerId(i64::from(i32::MAX)),
        "Orphan",
        &[],
        &ScopeSet::default(),
        0,
    )
    .await
    .expect_err("the foreign key refuses an app without its partner");
    let api = ApiError::from(refused);
    assert_eq!(api.status_code(), 422);
    assert_eq!(api.code(), "REFERENCE_NOT_FOUND");
}

on_both_backends!(
    a_raced_duplicate_partner_is_a_409_conflict_not_a_500,
    an_app_of_a_partner_that_does_not_exist_is_a_422_not_a_500,
);
