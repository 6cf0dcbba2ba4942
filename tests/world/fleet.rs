//! Fixtures for cars that act on commands, and for ending a consent as the
//! driver does. A fixture vehicle joins `TestApp::fleet`, the simulated
//! fleet the demo drives (`vdx_telemetry::simulator`): a test ticks it to
//! have the car pick up, carry out and report partner commands, as `vdx
//! demo` does on a timer. It must not write the database itself: the car
//! reports through the simulator's ingest, the driver through the portal.

use serde_json::Value;
use vdx_telemetry::simulator::{self, Powertrain, SimVehicle};

use super::{Driver, Partner};
use crate::TestApp;

impl TestApp {
    /// Puts the electric car `vin` into the simulated fleet, online, parked
    /// and without faults for a long while; returns its index in `fleet`.
    pub async fn simulate(&mut self, vin: &str) -> usize {
        let vin = vdx_core::Vin::parse(vin).expect("vin");
        let car = vdx_consent::people::vehicle_by_vin(&self.db, &vin)
            .await
            .expect("vehicle lookup")
            .expect("the vehicle");
        let mut simulated = SimVehicle::new(car.id, Powertrain::Electric, &mut rand::rng());
        simulated.wake(1e6);
        simulated.fault_rate = 0.0;
        self.fleet.push(simulated);
        self.fleet.len() - 1
    }

    /// One tick of the simulated fleet at `at_ms`: online cars report, pick
    /// up their commands and report what they carried out.
    pub async fn tick(&mut self, at_ms: i64) {
        simulator::tick(&self.db, &mut self.fleet, 0.001, at_ms)
            .await
            .expect("fleet tick");
    }

    /// The id of the partner's active consent for `vin`, from the partner's
    /// own list (`GET /v1/consents`).
    pub async fn active_consent_id(&self, partner: &Partner, vin: &str) -> i64 {
        let token = self.partner_token(partner).await;
        let page = self.get_json("/v1/consents?limit=100", Some(&token)).await;
        page["consents"]
            .as_array()
            .expect("consents")
            .iter()
            .find(|c| c["vin"] == vin && c["status"] == "active")
            .and_then(|c| c["id"].as_i64())
            .unwrap_or_else(|| panic!("no active consent of {vin}: {page}"))
    }

    /// The driver revokes the partner's consent for `vin` on the portal.
    pub async fn revoke_on_portal(&self, driver: &Driver, partner: &Partner, vin: &str) {
        let id = self.active_consent_id(partner, vin).await;
        let (portal, csrf) = self
            .portal_sign_in(&driver.username, &driver.password)
            .await;
        let res = portal
            .post(self.url(&format!("/portal/consents/{id}/revoke")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .expect("revoke");
        assert_eq!(res.status(), 303, "revoking failed");
    }
}

/// The `id` of a JSON answer (a command, a consent).
pub fn id_of(body: &Value) -> String {
    match &body["id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}
