//! The demo world: the seed catalog, an OEM admin app, three partners with
//! active subscriptions, six drivers owning the simulated fleet, and consents
//! in every interesting state (active, revoked, expired by date, expired).

use rand::Rng;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use vdx_catalog::ProductVersion;
use vdx_catalog::marketplace::{self, SubscriptionStatus};
use vdx_catalog::seed::{self, COARSE_LOCATION, EV_CHARGING, MILEAGE_DRIVING, VEHICLE_ACCESS};
use vdx_consent::ConsentStatus;
use vdx_consent::people::{self, Role};
use vdx_consent::records::{self, NewConsent};
use vdx_core::{Purpose, ScopeSet, Vin};
use vdx_telemetry::simulator::{Powertrain, SimVehicle};

use crate::run_error::{BoxError, RunError};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// A demo partner's credentials: serialized for the quickstart, never shown by `Debug`.
#[derive(Clone, Serialize)]
pub struct PartnerCredentials {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// Registered redirect URIs for the authorization code flow.
    pub redirect_uris: Vec<String>,
}

/// A demo driver's sign-in: serialized for the quickstart, never shown by `Debug`.
#[derive(Clone, Serialize)]
pub struct DriverCredentials {
    pub username: String,
    pub password: String,
    pub vehicles: Vec<String>,
}

impl std::fmt::Debug for PartnerCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerCredentials")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("scopes", &self.scopes)
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

impl std::fmt::Debug for DriverCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriverCredentials")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("vehicles", &self.vehicles)
            .finish()
    }
}

/// A ready-made request for the quickstart: who asks about which car, and what happens.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub partner: String,
    pub vin: String,
    pub product: String,
    pub purpose: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Examples {
    /// Consent active: returns data.
    pub consented: Example,
    /// Consent revoked by the driver: NO_CONSENT.
    pub revoked: Example,
    /// A VIN that does not exist: the same NO_CONSENT.
    pub unknown_vin: Example,
}

/// What `--credentials-out` writes.
#[derive(Debug, Clone, Serialize)]
pub struct Credentials {
    pub base_url: String,
    pub partners: Vec<PartnerCredentials>,
    pub drivers: Vec<DriverCredentials>,
    pub admin: PartnerCredentials,
    pub examples: Examples,
}

/// The seeded world: credentials (without base URL yet) and the fleet to simulate.
#[derive(Debug)]
pub struct World {
    pub credentials: Credentials,
    pub fleet: Vec<SimVehicle>,
}

fn err(e: impl Into<BoxError>) -> RunError {
    RunError::Failed {
        context: "seeding the demo world failed".to_owned(),
        source: e.into(),
    }
}

fn password(username: &str) -> String {
    let mut rng = rand::rng();
    let suffix: String = (0..8)
        .map(|_| char::from(b"abcdefghjkmnpqrstuvwxyz23456789"[rng.random_range(0..31)]))
        .collect();
    format!("{username}-{suffix}")
}

/// Seeds an empty database as of `now` (epoch ms). Refuses a database that
/// already holds partners.
pub async fn seed_world(
    db: &DatabaseConnection,
    vehicle_count: u32,
    now: i64,
) -> Result<World, RunError> {
    if marketplace::has_partners(db).await.map_err(err)? {
        return Err(RunError::usage(
            "the demo needs an empty database, and this one already holds data",
        ));
    }
    let products = seed::seed_catalog(db, now).await.map_err(err)?;
    let product = |slug: &str| {
        products
            .iter()
            .find(|p| p.slug.as_str() == slug)
            .cloned()
            .ok_or_else(|| err(format!("{slug} not seeded")))
    };
    let (ev, mileage, location, access) = (
        product(EV_CHARGING)?,
        product(MILEAGE_DRIVING)?,
        product(COARSE_LOCATION)?,
        product(VEHICLE_ACCESS)?,
    );
    let version = |id| async move {
        vdx_catalog::product::version_by_id(db, id)
            .await
            .map_err(err)?
            .ok_or_else(|| err("seeded version vanished"))
    };
    let (ev_v, mileage_v, location_v, access_v) = (
        version(ev.version_id).await?,
        version(mileage.version_id).await?,
        version(location.version_id).await?,
        version(access.version_id).await?,
    );

    // The OEM's own admin client.
    let oem = marketplace::create_partner(db, "vdx OEM", now)
        .await
        .map_err(err)?;
    let admin_scopes = ScopeSet::parse("admin ingest").map_err(err)?;
    let admin = marketplace::create_app(db, oem.id, "OEM console", &[], &admin_scopes, now)
        .await
        .map_err(err)?;

    // Partners, each with an active subscription to one product.
    let mut partners = Vec::new();
    for (name, app_name, seeded, host) in [
        (
            "Voltwise Energy",
            "Voltwise smart charging",
            &ev,
            "voltwise",
        ),
        (
            "Milesure Insurance",
            "Milesure pay-as-you-drive",
            &mileage,
            "milesure",
        ),
        (
            "Fuelstop Retail",
            "Fuelstop nearby offers",
            &location,
            "fuelstop",
        ),
        (
            "Parcelway Logistics",
            "Parcelway in-car delivery",
            &access,
            "parcelway",
        ),
    ] {
        let partner = marketplace::create_partner(db, name, now)
            .await
            .map_err(err)?;
        let redirect = [format!("https://{host}.example/oauth/callback")];
        let new_app = marketplace::create_app(
            db,
            partner.id,
            app_name,
            &redirect,
            &ScopeSet::default(),
            now,
        )
        .await
        .map_err(err)?;
        marketplace::subscribe(
            db,
            new_app.app.id,
            seeded.version_id,
            seeded.plan_id,
            SubscriptionStatus::Active,
            now,
        )
        .await
        .map_err(err)?;
        let scopes = marketplace::allowed_scopes(db, &new_app.app)
            .await
            .map_err(err)?;
        partners.push((name.to_owned(), new_app, scopes));
    }

    // Drivers and the fleet: vehicle i belongs to driver i % 6; 3 of every 5 are EVs.
    let names = [
        ("alice", "Alice Meyer"),
        ("bob", "Bob Schmidt"),
        ("carol", "Carol Weber"),
        ("dave", "Dave Fischer"),
        ("erin", "Erin Wagner"),
        ("frank", "Frank Becker"),
    ];
    let mut drivers = Vec::new();
    for (username, display) in names {
        let pw = password(username);
        let driver = people::create_driver(db, username, &pw, display, now)
            .await
            .map_err(err)?;
        drivers.push((
            driver,
            DriverCredentials {
                username: username.to_owned(),
                password: pw,
                vehicles: Vec::new(),
            },
        ));
    }
    let mut rng = rand::rng();
    let mut fleet = Vec::new();
    let mut vins_by_driver: Vec<Vec<(Vin, Powertrain, vdx_core::VehicleId)>> =
        vec![Vec::new(); drivers.len()];
    for i in 0..vehicle_count {
        let powertrain = if i % 5 < 3 {
            Powertrain::Electric
        } else {
            Powertrain::Combustion
        };
        let (prefix, model) = match powertrain {
            Powertrain::Electric => ("VDXE", "Volta e-Hatch"),
            Powertrain::Combustion => ("VDXC", "Volta Tourer 1.5"),
        };
        let vin = Vin::parse(&format!("{prefix}{:013}", i + 1)).map_err(err)?;
        let kind = if powertrain == Powertrain::Electric {
            "ev"
        } else {
            "ice"
        };
        let vehicle = people::create_vehicle(db, &vin, model, kind, now)
            .await
            .map_err(err)?;
        let owner = usize::try_from(i).map_err(err)? % drivers.len();
        people::link(db, vehicle.id, drivers[owner].0.id, Role::Owner)
            .await
            .map_err(err)?;
        drivers[owner].1.vehicles.push(vin.to_string());
        vins_by_driver[owner].push((vin, powertrain, vehicle.id));
        fleet.push(SimVehicle::new(vehicle.id, powertrain, &mut rng));
    }

    // Consents. Voltwise: every EV, active, except carol's (revoked) and one of dave's (past its expiry date).
    // Milesure: bob's and erin's cars active, alice's revoked. Fuelstop: carol's active, bob's expired.
    // Parcelway: erin's and frank's cars active (read and lock/unlock).
    let in_a_year = now + 365 * DAY_MS;
    let (voltwise, milesure, fuelstop, parcelway) = (
        &partners[0].1,
        &partners[1].1,
        &partners[2].1,
        &partners[3].1,
    );
    for (idx, cars) in vins_by_driver.iter().enumerate() {
        let (driver, username) = (drivers[idx].0.id, drivers[idx].1.username.as_str());
        let mut evs_seen = 0;
        for (_, powertrain, vehicle) in cars {
            let mut wanted: Vec<(
                &marketplace::NewApp,
                &ProductVersion,
                &str,
                &str,
                ConsentStatus,
                i64,
            )> = Vec::new();
            if *powertrain == Powertrain::Electric {
                evs_seen += 1;
                let (status, expires) = match (username, evs_seen) {
                    ("carol", _) => (ConsentStatus::RevokedByDriver, in_a_year),
                    // Dave's first EV: still marked active, but past its expiry date.
                    ("dave", 1) => (ConsentStatus::Active, now - DAY_MS),
                    _ => (ConsentStatus::Active, in_a_year),
                };
                wanted.push((
                    voltwise,
                    &ev_v,
                    "smart_charging",
                    "read command",
                    status,
                    expires,
                ));
            }
            match username {
                "bob" | "erin" => wanted.push((
                    milesure,
                    &mileage_v,
                    "usage_based_insurance",
                    "read",
                    ConsentStatus::Active,
                    in_a_year,
                )),
                "alice" => wanted.push((
                    milesure,
                    &mileage_v,
                    "usage_based_insurance",
                    "read",
                    ConsentStatus::RevokedByDriver,
                    in_a_year,
                )),
                _ => {}
            }
            match username {
                "carol" => wanted.push((
                    fuelstop,
                    &location_v,
                    "location_based_offers",
                    "read",
                    ConsentStatus::Active,
                    in_a_year,
                )),
                "bob" => wanted.push((
                    fuelstop,
                    &location_v,
                    "location_based_offers",
                    "read",
                    ConsentStatus::Expired,
                    now - DAY_MS,
                )),
                _ => {}
            }
            if matches!(username, "erin" | "frank") {
                wanted.push((
                    parcelway,
                    &access_v,
                    "in_car_delivery",
                    "read command",
                    ConsentStatus::Active,
                    now + 30 * DAY_MS,
                ));
            }
            for (app, version, purpose, scopes, status, expires_at) in wanted {
                records::create(
                    db,
                    NewConsent {
                        driver,
                        vehicle: *vehicle,
                        app: app.app.id,
                        product: version,
                        purpose: Purpose::parse(purpose).map_err(err)?,
                        scopes,
                        status,
                        source: "portal",
                        granted_at: now - 30 * DAY_MS,
                        expires_at,
                    },
                )
                .await
                .map_err(err)?;
            }
        }
    }

    let first_ev = |driver: &str| {
        names
            .iter()
            .position(|(u, _)| *u == driver)
            .and_then(|idx| vins_by_driver.get(idx))
            .and_then(|vins| vins.iter().find(|(_, p, _)| *p == Powertrain::Electric))
            .map(|(v, _, _)| v.to_string())
            .ok_or_else(|| err(format!("the demo driver {driver} has no electric car")))
    };
    let voltwise_name = partners[0].0.clone();
    let example = |vin: String| Example {
        partner: voltwise_name.clone(),
        vin,
        product: EV_CHARGING.to_owned(),
        purpose: "smart_charging".to_owned(),
    };
    let examples = Examples {
        consented: example(first_ev("alice")?),
        revoked: example(first_ev("carol")?),
        unknown_vin: example("VDXE9999999999999".to_owned()),
    };
    let to_creds = |name: String, app: &marketplace::NewApp, scopes: &ScopeSet| {
        Ok::<_, RunError>(PartnerCredentials {
            name,
            client_id: app.app.client_id.clone(),
            client_secret: secrecy::ExposeSecret::expose_secret(&app.client_secret).to_owned(),
            scopes: scopes.iter().map(ToString::to_string).collect(),
            redirect_uris: serde_json::from_str(&app.app.redirect_uris).map_err(err)?,
        })
    };
    let credentials = Credentials {
        base_url: String::new(),
        partners: partners
            .iter()
            .map(|(name, app, scopes)| to_creds(name.clone(), app, scopes))
            .collect::<Result<_, _>>()?,
        drivers: drivers.into_iter().map(|(_, c)| c).collect(),
        admin: to_creds("OEM console".to_owned(), &admin, &admin_scopes)?,
        examples,
    };
    Ok(World { credentials, fleet })
}
