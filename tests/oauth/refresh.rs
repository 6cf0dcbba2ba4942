//! Refresh tokens through the `oauth2` crate: rotation on every use, and
//! reuse detection that revokes the whole token family.

use oauth2::basic::BasicErrorResponseType;
use oauth2::{RefreshToken, TokenResponse as _};
use vdx_tests::{TestApp, on_both_backends};

use super::support::*;

/// The OAuth world, the driver's first tokens and their first refresh.
struct Refreshed {
    oauth: OAuth,
    first: TokenResponse,
    second: TokenResponse,
}

impl Refreshed {
    async fn new(app: &TestApp) -> Self {
        let oauth = OAuth::new(app).await;
        let first = oauth.driver_tokens(app).await;
        let second = refresh(&oauth.client, first.refresh_token().unwrap())
            .await
            .unwrap();
        Self {
            oauth,
            first,
            second,
        }
    }

    /// The first and the second refresh token.
    fn refresh_tokens(&self) -> (&RefreshToken, &RefreshToken) {
        (
            self.first.refresh_token().unwrap(),
            self.second.refresh_token().unwrap(),
        )
    }
}

async fn a_refresh_token_is_replaced_by_a_new_one_on_every_use(app: TestApp) {
    let refreshed = Refreshed::new(&app).await;
    let (oauth, first, second) = (&refreshed.oauth, &refreshed.first, &refreshed.second);
    let client = &oauth.client;
    let (r1, r2) = refreshed.refresh_tokens();
    assert_ne!(r1.secret(), r2.secret());
    assert_ne!(
        first.access_token().secret(),
        second.access_token().secret()
    );
    let claims = part(second.access_token().secret(), 1);
    assert_eq!(claims["sub"], part(first.access_token().secret(), 1)["sub"]);
    assert_eq!(claims["scope"], oauth.scope().as_str());
    oauth
        .assert_accepted(&app, second.access_token().secret(), "a refreshed token")
        .await;
    let third = refresh(client, r2).await.unwrap();
    assert!(third.refresh_token().is_some());
}

async fn a_reused_refresh_token_revokes_its_whole_family(app: TestApp) {
    let refreshed = Refreshed::new(&app).await;
    let (oauth, first, second) = (&refreshed.oauth, &refreshed.first, &refreshed.second);
    let client = &oauth.client;
    let (r1, r2) = refreshed.refresh_tokens();
    oauth
        .assert_accepted(&app, second.access_token().secret(), "the current token")
        .await;

    // Someone replays the old refresh token: refused, and the family dies.
    assert_eq!(
        refresh(client, r1).await.unwrap_err(),
        BasicErrorResponseType::InvalidGrant
    );
    assert_eq!(
        refresh(client, r2).await.unwrap_err(),
        BasicErrorResponseType::InvalidGrant
    );
    oauth
        .assert_refused(
            &app,
            second.access_token().secret(),
            "an access token of a revoked family",
        )
        .await;
    oauth
        .assert_refused(
            &app,
            first.access_token().secret(),
            "the family's first access token",
        )
        .await;
}

async fn a_refresh_token_works_only_for_the_client_it_was_issued_to(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let client = &oauth.client;
    let first = oauth.driver_tokens(&app).await;
    let other = client_of(&app, &app.create_partner().await).await;
    let err = refresh(&other, first.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err, BasicErrorResponseType::InvalidGrant);
    // The rightful client can still use it.
    assert!(
        refresh(client, first.refresh_token().unwrap())
            .await
            .is_ok()
    );
}

async fn a_refresh_may_narrow_the_scope_but_never_widen_it(app: TestApp) {
    let oauth = OAuth::new(&app).await;
    let client = &oauth.client;
    let first = oauth.driver_tokens(&app).await;
    let err = client
        .exchange_refresh_token(first.refresh_token().unwrap())
        .add_scope(oauth2::Scope::new(command_scope(&oauth.world.product)))
        .request_async(&http())
        .await
        .map_err(server_error)
        .unwrap_err();
    assert_eq!(err, BasicErrorResponseType::InvalidScope);
}

on_both_backends!(
    a_refresh_token_is_replaced_by_a_new_one_on_every_use,
    a_reused_refresh_token_revokes_its_whole_family,
    a_refresh_token_works_only_for_the_client_it_was_issued_to,
    a_refresh_may_narrow_the_scope_but_never_widen_it,
);
