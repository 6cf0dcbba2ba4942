//! Fixtures: the world a test needs, built per test through the public API
//! (admin API, the partner's subscription request, the driver portal's
//! forms), in zero2prod's `TestUser::generate` style. Every name is random,
//! so fixtures never collide and no test relies on the demo world.
//!
//! Drivers and vehicles are the one exception: the OEM registers them, and
//! no API or CLI command does, so [`TestApp::create_driver`] and
//! [`TestApp::create_vehicle`] call the consent crate's `people` service,
//! as the demo seed and `vdx simulate` do. Never raw SQL.

mod people;
pub use people::{assert_says, retry_after};
mod fleet;
mod products;

use serde_json::{Value, json};
use uuid::Uuid;

pub use fleet::*;
pub use products::*;

use crate::TestApp;

/// Eight random lower-case hex digits.
fn suffix() -> String {
    Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// A published product: version `1.0.0`, plan `standard`.
#[derive(Debug, Clone)]
pub struct Product {
    pub slug: String,
    pub version: String,
    pub plan: String,
    pub purpose: String,
}

impl Product {
    /// `(slug, purpose)`, as the data-plane helpers take them.
    pub fn asked_for(&self) -> (&str, &str) {
        (&self.slug, &self.purpose)
    }
}

/// A partner's app, with its secret (shown once, at creation).
#[derive(Debug, Clone)]
pub struct Partner {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

/// A driver who can sign in to the portal.
#[derive(Debug, Clone)]
pub struct Driver {
    pub username: String,
    pub password: String,
}

/// The usual world: one partner subscribed to one product, one driver whose
/// car has reported, and the driver's consent for that partner.
#[derive(Debug, Clone)]
pub struct Consented {
    pub partner: Partner,
    pub product: Product,
    pub driver: Driver,
    pub vin: String,
}

impl TestApp {
    /// Imports the catalog crate's VSS subset through `POST /admin/v1/catalog/import`.
    pub async fn import_signals(&self) {
        let res = self
            .client
            .post(self.url("/admin/v1/catalog/import"))
            .bearer_auth(self.admin_token().await)
            .header("content-type", "application/json")
            .body(vdx_catalog::seed::SEED_VSS)
            .send()
            .await
            .expect("import");
        assert_eq!(res.status(), 200, "signal import failed");
    }

    /// Creates, publishes and prices a product through the admin API (the
    /// signals must have been imported).
    pub async fn create_product(&self, spec: &ProductSpec) -> Product {
        let admin = self.admin_token().await;
        let slug = format!("{}-{}", spec.purpose.replace('_', "-"), suffix());
        let post = |path: String, body: Value| {
            let admin = admin.clone();
            async move {
                let res = self
                    .call(reqwest::Method::POST, &path, Some(&admin), Some(body))
                    .await;
                let status = res.status();
                let text = res.text().await.unwrap_or_default();
                assert!(status.is_success(), "POST {path}: {status} {text}");
            }
        };
        let products = "/admin/v1/products";
        post(
            products.to_owned(),
            json!({"slug": slug, "name": spec.name, "description": spec.name, "category": spec.category}),
        )
        .await;
        post(
            format!("{products}/{slug}/versions"),
            json!({
                "version": "1.0.0",
                "signals": spec.signals,
                "commands": spec.commands,
                "purposes": [spec.purpose],
                "terms": {
                    "history_days": spec.history_days,
                    "retention_days": 30,
                    "location_precision_km": spec.location_precision_km,
                    "default_consent_days": spec.default_consent_days,
                },
            }),
        )
        .await;
        post(
            format!("{products}/{slug}/versions/1.0.0/publish"),
            Value::Null,
        )
        .await;
        let plan = &spec.plan;
        post(
            format!("{products}/{slug}/plans"),
            json!({
                "name": "standard",
                "rate_per_second": plan.rate_per_second,
                "burst": plan.burst,
                "daily_quota": plan.daily_quota,
                "vehicle_daily_budget": plan.vehicle_daily_budget,
                "price_model": plan.price_model,
                "price_minor": plan.price_minor,
                "currency": "EUR",
            }),
        )
        .await;
        Product {
            slug,
            version: "1.0.0".to_owned(),
            plan: "standard".to_owned(),
            purpose: spec.purpose.to_owned(),
        }
    }

    /// A new partner with one app (`POST /admin/v1/apps`), allowed to
    /// redirect to `https://<host>.example/oauth/callback`.
    pub async fn create_partner(&self) -> Partner {
        let host = format!("partner-{}", suffix());
        let name = format!("Partner {host}");
        let redirect_uri = format!("https://{host}.example/oauth/callback");
        self.create_app(&name, &format!("{name} app"), Some(&redirect_uri))
            .await
    }

    /// `POST /admin/v1/apps`: an app of `partner` (created if missing).
    pub async fn create_app(
        &self,
        partner: &str,
        app: &str,
        redirect_uri: Option<&str>,
    ) -> Partner {
        let res = self
            .call(
                reqwest::Method::POST,
                "/admin/v1/apps",
                Some(&self.admin_token().await),
                Some(json!({"partner": partner, "name": app, "redirect_uris": redirect_uri.into_iter().collect::<Vec<_>>()})),
            )
            .await;
        assert_eq!(res.status(), 201, "app creation failed");
        let body: Value = res.json().await.expect("json");
        let field = |name: &str| body[name].as_str().expect(name).to_owned();
        Partner {
            name: partner.to_owned(),
            client_id: field("client_id"),
            client_secret: field("client_secret"),
            redirect_uri: redirect_uri.unwrap_or_default().to_owned(),
        }
    }

    /// An access token of the partner (client credentials, every scope it may have).
    pub async fn partner_token(&self, partner: &Partner) -> String {
        self.access_token(&partner.client_id, &partner.client_secret, None)
            .await
    }

    /// `POST /v1/subscriptions`: the partner of `token` asks for `product`'s plan.
    pub async fn request_subscription(&self, token: &str, product: &Product) -> reqwest::Response {
        let body =
            json!({"product": product.slug, "version": product.version, "plan": product.plan});
        self.call(
            reqwest::Method::POST,
            "/v1/subscriptions",
            Some(token),
            Some(body),
        )
        .await
    }

    /// The partner asks for the product's plan (`POST /v1/subscriptions`) and
    /// the admin approves it; returns the subscription's id.
    pub async fn subscribe(&self, partner: &Partner, product: &Product) -> i64 {
        let token = self.partner_token(partner).await;
        let res = self.request_subscription(&token, product).await;
        assert_eq!(res.status(), 201, "subscription request failed");
        let id = res.json::<Value>().await.expect("json")["id"]
            .as_i64()
            .expect("id");
        let res = self
            .call(
                reqwest::Method::POST,
                &format!("/admin/v1/subscriptions/{id}/decision"),
                Some(&self.admin_token().await),
                Some(json!({"decision": "approve"})),
            )
            .await;
        assert_eq!(res.status(), 200, "approval failed");
        id
    }

    /// A driver the OEM has registered (see the module doc).
    pub async fn create_driver(&self) -> Driver {
        let username = format!("driver-{}", suffix());
        let password = format!("pw-{}", Uuid::new_v4().simple());
        let now = chrono::Utc::now().timestamp_millis();
        vdx_consent::people::create_driver(&self.db, &username, &password, &username, now)
            .await
            .expect("driver");
        Driver { username, password }
    }

    /// A new electric car owned by `owner`; returns its VIN.
    pub async fn create_vehicle(&self, owner: &Driver) -> String {
        let serial = Uuid::new_v4().as_u128() % 10_u128.pow(13);
        let vin = vdx_core::Vin::parse(&format!("VDXT{serial:013}")).expect("vin");
        let now = chrono::Utc::now().timestamp_millis();
        let car = vdx_consent::people::create_vehicle(&self.db, &vin, "Test e-Hatch", "ev", now)
            .await
            .expect("vehicle");
        let driver = vdx_consent::people::driver_by_username(&self.db, &owner.username)
            .await
            .expect("driver lookup")
            .expect("the driver");
        vdx_consent::people::link(
            &self.db,
            car.id,
            driver.id,
            vdx_consent::people::Role::Owner,
        )
        .await
        .expect("ownership");
        vin.to_string()
    }

    /// The car reports `values` through `POST /v1/ingest`, observed at `at_ms`.
    pub async fn report(&self, vin: &str, values: &[(&str, Value)], at_ms: i64) {
        let at = chrono::DateTime::from_timestamp_millis(at_ms)
            .expect("time")
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let samples: Vec<Value> = values
            .iter()
            .map(|(path, value)| json!({"path": path, "value": value, "observed_at": at}))
            .collect();
        let res = self
            .ingest(
                &self.ingest_token().await,
                &json!({"vehicles": [{"vin": vin, "samples": samples}]}),
            )
            .await;
        assert_eq!(res.status(), 200, "ingest failed");
    }

    /// The driver shares `vin` with the partner's product through the
    /// portal's grant form, for `days` (the product's most when `None`),
    /// commands included when the product has any.
    pub async fn grant_consent(
        &self,
        driver: &Driver,
        vin: &str,
        partner: &Partner,
        days: Option<u32>,
    ) {
        let (portal, csrf) = self
            .portal_sign_in(&driver.username, &driver.password)
            .await;
        let offer = self.offer_of(&portal, &partner.name).await;
        let days = days.map(|d| d.to_string()).unwrap_or_default();
        let res = portal
            .post(self.url("/portal/grant"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("vin", vin),
                ("offer", offer.as_str()),
                ("days", days.as_str()),
                ("commands", "yes"),
            ])
            .send()
            .await
            .expect("grant");
        assert_eq!(res.status(), 303, "sharing failed");
    }

    /// [`Consented`]: a partner subscribed to a new product of `spec`, a
    /// driver's consent (for the product's most days), and the car's report
    /// of `spec.reported` right after it.
    pub async fn consented(&self, spec: &ProductSpec) -> Consented {
        let world = self.consented_before_any_report(spec).await;
        let at = chrono::Utc::now().timestamp_millis();
        self.report(&world.vin, &spec.reported, at).await;
        world
    }

    /// [`Self::consented`], with the consent granted `ago` before the
    /// gateway's `clock` shows (moved back for the grant, then forward
    /// again); the car reports at the clock's now.
    pub async fn consented_since(
        &self,
        spec: &ProductSpec,
        clock: &vdx_core::ManualClock,
        ago: std::time::Duration,
    ) -> Consented {
        use vdx_core::Clock;
        let now = clock.now_ms();
        clock.set(now - i64::try_from(ago.as_millis()).expect("a duration in range"));
        let world = self.consented_before_any_report(spec).await;
        clock.set(now);
        self.report(&world.vin, &spec.reported, now).await;
        world
    }

    /// [`Self::consented`] to the charging product under a plan with these
    /// limits; also returns the partner's token.
    pub async fn consented_on_plan(&self, plan: PlanSpec) -> (Consented, String) {
        let world = self
            .consented(&ProductSpec::charging().with_plan(plan))
            .await;
        let token = self.partner_token(&world.partner).await;
        (world, token)
    }

    /// A new partner subscribed to a new product of `spec` (the VSS subset imported).
    pub async fn subscribed(&self, spec: &ProductSpec) -> (Partner, Product) {
        self.import_signals().await;
        let product = self.create_product(spec).await;
        let partner = self.create_partner().await;
        self.subscribe(&partner, &product).await;
        (partner, product)
    }

    /// Like [`Self::consented`], with a car that has not reported yet.
    pub async fn consented_before_any_report(&self, spec: &ProductSpec) -> Consented {
        let (partner, product) = self.subscribed(spec).await;
        let driver = self.create_driver().await;
        let vin = self.create_vehicle(&driver).await;
        self.grant_consent(&driver, &vin, &partner, None).await;
        Consented {
            partner,
            product,
            driver,
            vin,
        }
    }
}
