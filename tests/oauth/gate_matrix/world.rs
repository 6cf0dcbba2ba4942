//! The world the matrix points its calls at, built per test through the
//! public API (`vdx_tests::world`): a partner subscribed to the charging
//! product with a consented car and a command to it; cars the app may not
//! reach for each reason there is (never consented, revoked by the driver,
//! lapsed, ended by the partner); other apps with consents and commands of
//! their own; and a driver-bound token with its own car and command.

use oauth2::TokenResponse;
use serde_json::{Value, json};
use vdx_tests::TestApp;
use vdx_tests::world::{CHARGE_LIMIT, Consented, DAY_MS, Partner, PlanSpec, Product, ProductSpec};

use super::calls::Names;
use super::table::Subject;
use crate::oauth::support::{client_of, command_scope, driver_tokens, read_scope};

pub const UNKNOWN_COMMAND: &str = "999999999";
pub const UNKNOWN_CONSENT: &str = "999999999";
/// A well-formed VIN no car has (the fixtures' cars start `VDXT`).
pub const UNKNOWN_VIN: &str = "VDXU0000000000000";

/// A subject that does not exist: a VIN no car has, a command id never issued.
pub fn unknown(subject: Subject) -> &'static str {
    match subject {
        Subject::Vehicle => UNKNOWN_VIN,
        Subject::Command => UNKNOWN_COMMAND,
    }
}

/// Every consent `token`'s app may see, through every page of `GET /v1/consents`.
pub async fn listing(app: &TestApp, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<i64> = None;
    loop {
        let path = match cursor {
            Some(c) => format!("/v1/consents?limit=100&cursor={c}"),
            None => "/v1/consents?limit=100".to_owned(),
        };
        let res = app
            .call(reqwest::Method::GET, &path, Some(token), None)
            .await;
        assert_eq!(res.status(), 200);
        let page: Value = res.json().await.unwrap();
        all.extend(page["consents"].as_array().unwrap().iter().cloned());
        match page["next"].as_i64() {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

/// Sends a charge-limit command through `product` over REST; its id.
pub async fn send_command(app: &TestApp, token: &str, vin: &str, product: &Product) -> String {
    let res = app
        .client
        .post(app.url(&format!("/v1/vehicles/{vin}/commands")))
        .query(&[("product", &product.slug), ("purpose", &product.purpose)])
        .bearer_auth(token)
        .json(&json!({"actuator": CHARGE_LIMIT, "value": 75}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// The app's token, its consented car and a command to it; the product
/// nobody subscribed to yet (for the subscription request).
pub struct World {
    pub consented: Consented,
    pub token: String,
    pub command: String,
    pub names: Names,
}

impl World {
    /// The world on a plan of these limits.
    pub async fn new(app: &TestApp, plan: PlanSpec) -> Self {
        let (consented, token) = app.consented_on_plan(plan).await;
        let spare = app.create_product(&ProductSpec::mileage()).await;
        let command = send_command(app, &token, &consented.vin, &consented.product).await;
        let names = Names {
            product: consented.product.slug.clone(),
            purpose: consented.product.purpose.clone(),
            spare: spare.slug,
        };
        Self {
            consented,
            token,
            command,
            names,
        }
    }

    /// Limits no test here comes near.
    pub async fn roomy(app: &TestApp) -> Self {
        Self::new(app, PlanSpec::limits(1_000, 100_000, 100_000_000, None)).await
    }

    pub fn partner(&self) -> &Partner {
        &self.consented.partner
    }

    pub fn vin(&self) -> &str {
        &self.consented.vin
    }

    /// The consented subject of a case.
    pub fn subject(&self, subject: Subject) -> &str {
        match subject {
            Subject::Vehicle => &self.consented.vin,
            Subject::Command => &self.command,
        }
    }

    /// Another partner's app, subscribed to the same product, to which the
    /// world's driver shared the consented car; its token.
    pub async fn other_app(&self, app: &TestApp) -> (Partner, String) {
        let other = app.create_partner().await;
        app.subscribe(&other, &self.consented.product).await;
        let (driver, vin) = (&self.consented.driver, &self.consented.vin);
        app.grant_consent(driver, vin, &other, None).await;
        let token = app.partner_token(&other).await;
        (other, token)
    }

    /// A new driver's new car that reported at `at_ms`, shared with the app
    /// for `days`; the driver and the car.
    async fn shared_car(
        &self,
        app: &TestApp,
        days: Option<u32>,
        at_ms: i64,
    ) -> (vdx_tests::world::Driver, String) {
        let driver = app.create_driver().await;
        let reported = ProductSpec::charging().reported;
        let vin = app
            .share_new_car((&driver, self.partner()), &reported, at_ms, days)
            .await;
        (driver, vin)
    }
}

/// Subjects the app may not reach, each named by why.
pub struct Unreachable {
    pub vins: Vec<(&'static str, String)>,
    pub commands: Vec<(&'static str, String)>,
}

impl Unreachable {
    /// Makes one subject for every reason: a car never consented, one the
    /// driver revoked, one whose consent lapsed (granted for a day, two days
    /// ago by the gateway's `clock`), one the partner itself just ended
    /// (with the command sent before), another app's command.
    pub async fn new(app: &TestApp, world: &World, clock: &vdx_core::ManualClock) -> Self {
        use vdx_core::Clock;
        let never = app.create_vehicle(&app.create_driver().await).await;
        let now = clock.now_ms();
        let (driver, revoked) = world.shared_car(app, None, now).await;
        app.revoke_on_portal(&driver, world.partner(), &revoked)
            .await;
        clock.set(now - 2 * DAY_MS);
        let (_, lapsed) = world.shared_car(app, Some(1), now - 2 * DAY_MS).await;
        clock.set(now);
        let (_, ended) = world.shared_car(app, None, now).await;
        let product = &world.consented.product;
        let ended_command = send_command(app, &world.token, &ended, product).await;
        let id = app.consent_id(world.partner(), &ended).await;
        let res = app
            .post(&format!("/v1/consents/{id}/revoke"), Some(&world.token))
            .await;
        assert_eq!(res.status(), 200);
        let (_, courier) = world.other_app(app).await;
        let other_apps = send_command(app, &courier, world.vin(), product).await;
        Self {
            vins: vec![
                ("never consented", never),
                ("revoked by the driver", revoked),
                ("lapsed", lapsed),
                ("ended by the partner", ended),
            ],
            commands: vec![
                ("another app's", other_apps),
                ("to a car whose consent the partner ended", ended_command),
                ("malformed", "not-a-command".to_owned()),
            ],
        }
    }
}

/// A token from the authorization-code flow of another driver, with the
/// car that driver authorised and a command the token sent to it.
pub struct Bound {
    pub token: String,
    pub vin: String,
    pub command: String,
}

impl Bound {
    /// A new driver authorises the app (read and command) for their own car.
    pub async fn new(app: &TestApp, world: &World) -> Self {
        let reported = ProductSpec::charging().reported;
        let (driver, vin) = app.driver_with_car(&reported).await;
        let product = &world.consented.product;
        let client = client_of(app, world.partner()).await;
        let scope = format!("{} {}", read_scope(product), command_scope(product));
        let tokens = driver_tokens(app, &client, &scope, &driver, &vin).await;
        let token = tokens.access_token().secret().clone();
        let command = send_command(app, &token, &vin, product).await;
        Self {
            token,
            vin,
            command,
        }
    }

    /// The driver's own subject of a case.
    pub fn subject(&self, subject: Subject) -> &str {
        match subject {
            Subject::Vehicle => &self.vin,
            Subject::Command => &self.command,
        }
    }
}
