//! Fixtures for cars that act on commands. A fixture vehicle joins
//! `TestApp::fleet`, the simulated fleet the demo drives (`vdx_telemetry::simulator`): a test ticks it to
//! have the car pick up, carry out and report partner commands, as `vdx
//! demo` does on a timer. It must not write the database itself: the car
//! reports through the simulator's ingest, the driver through the portal.

use serde_json::Value;
use vdx_telemetry::simulator::{self, Powertrain, SimVehicle};

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
        // The test process serves no reads: its ingest reaches the gateway's
        // cache the way another process's does (ingest_seq, NOTIFY).
        let uncached = vdx_telemetry::latest::LatestCache::new(&self.db, 1);
        simulator::tick(&self.db, &uncached, &mut self.fleet, 0.001, at_ms)
            .await
            .expect("fleet tick");
    }
}

/// The `id` of a JSON answer (a command, a consent).
pub fn id_of(body: &Value) -> String {
    match &body["id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}
