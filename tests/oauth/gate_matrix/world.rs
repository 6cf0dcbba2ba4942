//! The fixtures the matrix points its calls at, found through the partner
//! API (the app's own consent listing) or made through it (commands sent,
//! a consent ended by the partner, a driver authorising the app): the
//! consented car, cars the app may not reach for each reason there is, and
//! a driver-bound token with its own car and command.

use oauth2::TokenResponse;
use serde_json::{Value, json};
use vdx_tests::TestApp;

use super::super::support::{authorize_url, browse, exchange, param, voltwise};

pub const PARTNER: &str = "Voltwise Energy";
/// The partners whose consents and commands Voltwise must never reach.
pub const OTHER_PARTNERS: [&str; 3] = [
    "Milesure Insurance",
    "Fuelstop Retail",
    "Parcelway Logistics",
];
pub const UNKNOWN_COMMAND: &str = "999999999";
pub const UNKNOWN_CONSENT: &str = "999999999";

/// A subject that does not exist: a VIN no car has, a command id never issued.
pub fn unknown(app: &TestApp, subject: super::table::Subject) -> &str {
    match subject {
        super::table::Subject::Vehicle => &app.creds.examples.unknown_vin.vin,
        super::table::Subject::Command => UNKNOWN_COMMAND,
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

/// Whether a listed consent grants `scope` today.
pub fn grants(consent: &Value, scope: &str) -> bool {
    consent["status"] == "active"
        && consent["lapsed"] == false
        && consent["product"] == "ev-charging"
        && consent["scopes"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .any(|s| s == scope)
}

/// Sends a charge-limit command over REST; its id.
pub async fn send_command(app: &TestApp, token: &str, vin: &str, product: &str) -> String {
    let (purpose, body) = match product {
        "ev-charging" => (
            "smart_charging",
            json!({"actuator": "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", "value": 75}),
        ),
        _ => (
            "in_car_delivery",
            json!({"actuator": "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", "value": true}),
        ),
    };
    let res = app
        .client
        .post(app.url(&format!("/v1/vehicles/{vin}/commands")))
        .query(&[("product", product), ("purpose", purpose)])
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// The app's token, its consented car (the demo's example) and a command to it.
pub struct Consented {
    pub token: String,
    pub vin: String,
    pub command: String,
}

impl Consented {
    pub async fn new(app: &TestApp) -> Self {
        let token = app.token_for(PARTNER).await;
        let vin = app.creds.examples.consented.vin.clone();
        let command = send_command(app, &token, &vin, "ev-charging").await;
        Self {
            token,
            vin,
            command,
        }
    }

    /// The consented subject of a case.
    pub fn subject(&self, subject: super::table::Subject) -> &str {
        match subject {
            super::table::Subject::Vehicle => &self.vin,
            super::table::Subject::Command => &self.command,
        }
    }
}

/// Subjects the app may not reach, each named by why.
pub struct Unreachable {
    pub vins: Vec<(&'static str, String)>,
    pub commands: Vec<(&'static str, String)>,
}

impl Unreachable {
    /// Finds or makes one subject for every reason: a car never consented,
    /// one the driver revoked, one whose consent lapsed, one the partner
    /// itself just ended (with the command sent before), another app's command.
    pub async fn new(app: &TestApp, consented: &Consented) -> Self {
        let token = &consented.token;
        let consents = listing(app, token).await;
        let reaches = |vin: &str| {
            consents
                .iter()
                .any(|c| c["vin"] == vin && grants(c, "read"))
        };
        let never = app
            .creds
            .drivers
            .iter()
            .flat_map(|d| d.vehicles.iter())
            .find(|v| !consents.iter().any(|c| c["vin"] == v.as_str()))
            .expect("a car never consented to the app")
            .clone();
        let find = |what: &str, test: &dyn Fn(&Value) -> bool| {
            consents
                .iter()
                .find(|c| test(c) && !reaches(c["vin"].as_str().unwrap()))
                .unwrap_or_else(|| panic!("no {what} consent among {consents:#?}"))["vin"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let revoked = find("revoked", &|c| c["status"] == "revoked_by_driver");
        let lapsed = find("lapsed", &|c| {
            c["status"] == "active" && c["lapsed"] == true
        });
        let ending = consents
            .iter()
            .find(|c| grants(c, "command") && c["vin"] != consented.vin.as_str())
            .expect("a second car consented for commands");
        let ended = ending["vin"].as_str().unwrap().to_owned();
        let ended_command = send_command(app, token, &ended, "ev-charging").await;
        let res = app
            .post(
                &format!("/v1/consents/{}/revoke", ending["id"]),
                Some(token),
            )
            .await;
        assert_eq!(res.status(), 200);
        let courier = app.token_for("Parcelway Logistics").await;
        let parcel_car = listing(app, &courier)
            .await
            .iter()
            .find(|c| c["status"] == "active" && c["lapsed"] == false)
            .expect("a car consented to Parcelway")["vin"]
            .as_str()
            .unwrap()
            .to_owned();
        let other_apps = send_command(app, &courier, &parcel_car, "vehicle-access").await;
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

/// A token from the authorization-code flow of one driver, with the car
/// that driver authorised and a command the token sent to it.
pub struct Bound {
    pub token: String,
    pub username: &'static str,
    pub vin: String,
    pub command: String,
}

impl Bound {
    /// `username` authorises the app (read and command) for their first EV.
    pub async fn new(app: &TestApp, username: &'static str) -> Self {
        let client = voltwise(app).await;
        let vin = crate::portal::ev_of(app, username);
        let (url, _, verifier) = authorize_url(&client, "read:ev-charging command:ev-charging");
        let back = browse(app, &url, username, &[&vin], "approve").await;
        let code = param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
        let tokens = exchange(&client, oauth2::AuthorizationCode::new(code), verifier)
            .await
            .unwrap();
        let token = tokens.access_token().secret().clone();
        let command = send_command(app, &token, &vin, "ev-charging").await;
        Self {
            token,
            username,
            vin,
            command,
        }
    }

    /// The cars the bound driver owns.
    pub fn cars<'a>(&self, app: &'a TestApp) -> &'a [String] {
        &app.creds
            .drivers
            .iter()
            .find(|d| d.username == self.username)
            .unwrap()
            .vehicles
    }

    /// The driver's own subject of a case.
    pub fn subject(&self, subject: super::table::Subject) -> &str {
        match subject {
            super::table::Subject::Vehicle => &self.vin,
            super::table::Subject::Command => &self.command,
        }
    }
}
