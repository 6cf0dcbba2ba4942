//! A simulated fleet standing in for the OEM's cars: EVs and combustion cars
//! that park, drive (moving location and odometer, draining the battery or
//! tank), charge or refuel, and sometimes go offline. An offline car keeps
//! its samples and uploads them, late and older than what others sent since,
//! when it is back. Every report goes through [`crate::ingest`], the same
//! validated write path as the OEM's ingest endpoint.

use rand::Rng;
use serde_json::{Value, json};
use vdx_core::VehicleId;

mod fleet;

use crate::commands::CommandView;
use crate::ingest::Sample;

pub use fleet::{TickReport, tick, upload};

/// The most samples a car buffers while offline; older ones are dropped.
const MAX_BUFFERED: usize = 2_000;

/// What drives a car.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Powertrain {
    Electric,
    Combustion,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Parked,
    Driving,
    /// Charging (EV) or refuelling (combustion).
    Charging,
    /// Not reporting at all.
    Offline,
}

/// One simulated car.
#[derive(Debug, Clone)]
pub struct SimVehicle {
    pub id: VehicleId,
    pub powertrain: Powertrain,
    phase: Phase,
    phase_left_s: f64,
    /// State of charge or fuel level, percent.
    energy_pct: f64,
    charge_limit_pct: u8,
    odometer_m: f64,
    trip_m: f64,
    trip_s: f64,
    speed_kmh: f64,
    accel: f64,
    lat: f64,
    lon: f64,
    heading: f64,
    locked: bool,
    /// Samples taken while offline, waiting for the next upload.
    buffered: Vec<Sample>,
    /// Commands received, with the time the car will have carried them out.
    pending: Vec<(CommandView, i64)>,
    /// Chance that carrying out a command fails (a simulated fault).
    pub fault_rate: f64,
}

impl SimVehicle {
    /// A car parked somewhere around Munich with a plausible history.
    pub fn new(id: VehicleId, powertrain: Powertrain, rng: &mut impl Rng) -> Self {
        Self {
            id,
            powertrain,
            phase: Phase::Parked,
            phase_left_s: rng.random_range(5.0..60.0),
            energy_pct: rng.random_range(25.0..90.0),
            charge_limit_pct: 80,
            odometer_m: rng.random_range(5_000.0..150_000.0) * 1000.0,
            trip_m: 0.0,
            trip_s: 0.0,
            speed_kmh: 0.0,
            accel: 0.0,
            lat: 48.137 + rng.random_range(-0.3..0.3),
            lon: 11.575 + rng.random_range(-0.4..0.4),
            heading: rng.random_range(0.0..360.0),
            locked: true,
            buffered: Vec::new(),
            pending: Vec::new(),
            fault_rate: 0.05,
        }
    }

    /// Takes the car offline for `secs` seconds (it buffers, gets no commands).
    pub fn go_offline(&mut self, secs: f64) {
        self.phase = Phase::Offline;
        self.phase_left_s = secs;
    }

    /// Brings the car back online, parked, for `secs` seconds.
    pub fn wake(&mut self, secs: f64) {
        self.phase = Phase::Parked;
        self.phase_left_s = secs;
    }

    /// Parks the car at home, online, reliable and with room to charge, for
    /// `secs` seconds: the demo's example car, so that the quickstart's
    /// "start charging" is carried out rather than refused or lost offline.
    pub fn park_at_home(&mut self, secs: f64) {
        self.wake(secs);
        self.fault_rate = 0.0;
        self.energy_pct = self.energy_pct.min(f64::from(self.charge_limit_pct) - 30.0);
    }

    /// Whether the car reports right now.
    pub fn online(&self) -> bool {
        self.phase != Phase::Offline
    }

    /// Advances the car by `dt_s` seconds.
    pub fn step(&mut self, dt_s: f64, rng: &mut impl Rng) {
        self.phase_left_s -= dt_s;
        if self.phase_left_s <= 0.0 {
            self.next_phase(rng);
        }
        match self.phase {
            Phase::Driving => {
                let target = rng.random_range(20.0..110.0);
                let before = self.speed_kmh;
                self.speed_kmh =
                    (self.speed_kmh + (target - self.speed_kmh) * 0.3).clamp(0.0, 130.0);
                self.accel = ((self.speed_kmh - before) / 3.6) / dt_s.max(0.1);
                let dist_m = self.speed_kmh / 3.6 * dt_s;
                self.odometer_m += dist_m;
                self.trip_m += dist_m;
                self.trip_s += dt_s;
                self.heading = (self.heading + rng.random_range(-20.0..20.0)).rem_euclid(360.0);
                let rad = self.heading.to_radians();
                self.lat += rad.cos() * dist_m / 111_320.0;
                self.lon += rad.sin() * dist_m / (111_320.0 * self.lat.to_radians().cos());
                let per_km = if self.powertrain == Powertrain::Electric {
                    0.25
                } else {
                    0.15
                };
                self.energy_pct = (self.energy_pct - per_km * dist_m / 1000.0).max(0.0);
                if self.energy_pct < 15.0 {
                    self.phase_left_s = 0.0;
                }
            }
            Phase::Charging => {
                self.speed_kmh = 0.0;
                self.accel = 0.0;
                let limit = if self.powertrain == Powertrain::Electric {
                    f64::from(self.charge_limit_pct)
                } else {
                    100.0
                };
                self.energy_pct = (self.energy_pct + 0.5 * dt_s).min(limit);
                if self.energy_pct >= limit {
                    self.phase = Phase::Parked;
                    self.phase_left_s = rng.random_range(10.0..60.0);
                }
            }
            Phase::Parked | Phase::Offline => {
                self.speed_kmh = 0.0;
                self.accel = 0.0;
            }
        }
    }

    fn next_phase(&mut self, rng: &mut impl Rng) {
        let (phase, secs) = if self.energy_pct < 20.0 {
            (Phase::Charging, 600.0)
        } else {
            match (self.phase, rng.random_range(0..10)) {
                (_, 0) => (Phase::Offline, rng.random_range(20.0..120.0)),
                (Phase::Driving, 1..=4) => (Phase::Charging, 600.0),
                (Phase::Driving, _) => (Phase::Parked, rng.random_range(10.0..90.0)),
                _ => {
                    self.trip_m = 0.0;
                    self.trip_s = 0.0;
                    (Phase::Driving, rng.random_range(30.0..180.0))
                }
            }
        };
        self.locked = phase != Phase::Driving;
        self.phase = phase;
        self.phase_left_s = secs;
    }

    /// The car's current signal values, as VSS paths.
    pub fn values(&self) -> Vec<(&'static str, Value)> {
        let moving = self.phase == Phase::Driving;
        let avg_speed = if self.trip_s > 0.0 {
            self.trip_m / self.trip_s * 3.6
        } else {
            0.0
        };
        let mut v = vec![
            ("Vehicle.Speed", json!(round1(self.speed_kmh))),
            ("Vehicle.IsMoving", json!(moving)),
            (
                "Vehicle.TraveledDistance",
                json!(self.odometer_m.round() as u64),
            ),
            ("Vehicle.AverageSpeed", json!(round1(avg_speed))),
            (
                "Vehicle.Acceleration.Longitudinal",
                json!(round1(self.accel)),
            ),
            ("Vehicle.CurrentLocation.Latitude", json!(round6(self.lat))),
            ("Vehicle.CurrentLocation.Longitude", json!(round6(self.lon))),
            (
                "Vehicle.CurrentLocation.Heading",
                json!(round1(self.heading)),
            ),
            (
                "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked",
                json!(self.locked),
            ),
        ];
        let range_m = match self.powertrain {
            Powertrain::Electric => (self.energy_pct * 4_000.0).round() as u64,
            Powertrain::Combustion => (self.energy_pct * 7_000.0).round() as u64,
        };
        v.push(("Vehicle.Powertrain.Range", json!(range_m)));
        match self.powertrain {
            Powertrain::Electric => {
                let charging = self.phase == Phase::Charging;
                let to_go = (f64::from(self.charge_limit_pct) - self.energy_pct).max(0.0);
                v.extend([
                    ("Vehicle.Powertrain.Type", json!("ELECTRIC")),
                    (
                        "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
                        json!(round1(self.energy_pct)),
                    ),
                    ("Vehicle.Powertrain.TractionBattery.Range", json!(range_m)),
                    (
                        "Vehicle.Powertrain.TractionBattery.Charging.IsCharging",
                        json!(charging),
                    ),
                    (
                        "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit",
                        json!(self.charge_limit_pct),
                    ),
                    (
                        "Vehicle.Powertrain.TractionBattery.Charging.ChargeRate",
                        json!(if charging { 60.0 } else { 0.0 }),
                    ),
                    (
                        "Vehicle.Powertrain.TractionBattery.Charging.TimeToComplete",
                        json!(if charging { (to_go * 2.0) as u32 } else { 0 }),
                    ),
                ]);
            }
            Powertrain::Combustion => v.extend([
                ("Vehicle.Powertrain.Type", json!("COMBUSTION")),
                (
                    "Vehicle.Powertrain.FuelSystem.RelativeLevel",
                    json!(self.energy_pct.round() as u8),
                ),
                ("Vehicle.Powertrain.FuelSystem.Range", json!(range_m)),
                (
                    "Vehicle.Powertrain.CombustionEngine.IsRunning",
                    json!(moving),
                ),
            ]),
        }
        v
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl SimVehicle {
    /// Carries out a command on an actuator, or says why the car cannot.
    pub fn apply(&mut self, actuator: &str, value: &Value) -> Result<(), String> {
        let electric = self.powertrain == Powertrain::Electric;
        match (actuator, value) {
            ("Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", v) if electric => {
                let limit = v.as_u64().and_then(|l| u8::try_from(l).ok());
                self.charge_limit_pct = limit.ok_or("not a charge limit")?;
            }
            ("Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging", v) if electric => {
                match v.as_str() {
                    Some("START") if self.energy_pct < f64::from(self.charge_limit_pct) => {
                        self.phase = Phase::Charging;
                        self.phase_left_s = 600.0;
                    }
                    Some("START") => return Err("the battery is at its charge limit".into()),
                    _ => {
                        if self.phase == Phase::Charging {
                            self.phase = Phase::Parked;
                            self.phase_left_s = 60.0;
                        }
                    }
                }
            }
            ("Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", Value::Bool(locked)) => {
                self.locked = *locked;
            }
            _ => return Err(format!("this car has no actuator {actuator}")),
        }
        Ok(())
    }

    /// Samples the car's values at `now_ms`: returns them, with the backlog,
    /// when online; buffers them when offline.
    pub fn report(&mut self, now_ms: i64) -> Option<Vec<Sample>> {
        let current = self.values().into_iter().map(|(path, value)| Sample {
            path: path.to_owned(),
            value,
            observed_at_ms: now_ms,
        });
        if self.online() {
            let mut samples = std::mem::take(&mut self.buffered);
            samples.extend(current);
            Some(samples)
        } else {
            self.buffered.extend(current);
            let excess = self.buffered.len().saturating_sub(MAX_BUFFERED);
            self.buffered.drain(..excess);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An electric car in `phase` for a long while, at `energy_pct`.
    fn ev_in(phase: Phase, energy_pct: f64, rng: &mut impl Rng) -> SimVehicle {
        let mut car = SimVehicle::new(VehicleId(1), Powertrain::Electric, rng);
        car.energy_pct = energy_pct;
        car.phase = phase;
        car.phase_left_s = 10_000.0;
        car
    }

    #[test]
    fn a_driving_car_moves_and_drains() {
        let mut rng = rand::rng();
        let mut car = ev_in(Phase::Driving, 80.0, &mut rng);
        let (odo, lat, soc) = (car.odometer_m, car.lat, car.energy_pct);
        for _ in 0..30 {
            car.step(2.0, &mut rng);
        }
        assert!(car.odometer_m > odo);
        assert!(car.lat != lat);
        assert!(car.energy_pct < soc);
    }

    #[test]
    fn a_charging_car_stops_at_its_limit() {
        let mut rng = rand::rng();
        let mut car = ev_in(Phase::Charging, 70.0, &mut rng);
        for _ in 0..100 {
            car.step(2.0, &mut rng);
        }
        assert!(car.energy_pct <= 80.0 + f64::EPSILON);
        assert_ne!(car.phase, Phase::Charging);
    }

    #[test]
    fn an_offline_car_buffers_and_uploads_its_backlog_when_back() {
        let mut rng = rand::rng();
        let mut car = SimVehicle::new(VehicleId(1), Powertrain::Electric, &mut rng);
        car.phase = Phase::Offline;
        assert!(car.report(1_000).is_none());
        assert!(car.report(2_000).is_none());
        car.phase = Phase::Parked;
        let samples = car.report(3_000).expect("online again");
        let per_report = car.values().len();
        assert_eq!(samples.len(), 3 * per_report);
        assert_eq!(samples[0].observed_at_ms, 1_000);
        assert!(car.report(4_000).is_some_and(|s| s.len() == per_report));
    }
}
