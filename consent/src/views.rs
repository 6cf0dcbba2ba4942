//! Consents and access records with the names people read: partner, app,
//! product, vehicle. Shared by the driver portal and the partner API.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use vdx_catalog::{App, Product, marketplace};
use vdx_core::{AppId, PartnerId, ProductId, VehicleId};

use crate::entity::{access_log, vehicle};
use crate::{ConsentError, ConsentRecord, ConsentStatus};

// Times: epoch milliseconds in code, RFC 3339 strings on the wire.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    pub id: i64,
    pub vin: String,
    pub partner: String,
    pub app: String,
    pub product: String,
    pub product_name: String,
    pub purpose: String,
    /// `read`, `command` or both.
    pub scopes: String,
    pub status: String,
    /// portal or oauth.
    pub source: String,
    #[serde(serialize_with = "vdx_core::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub granted_at: i64,
    #[serde(serialize_with = "vdx_core::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: i64,
    /// True when active but past its expiry: it grants nothing.
    pub lapsed: bool,
    /// When it stopped granting anything (revoked, ended, or ran out); null while it runs.
    #[serde(serialize_with = "vdx_core::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<i64>,
    /// Who or what ended it; null while it runs.
    pub ended_by: Option<EndedBy>,
}

/// Who or what ended a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// The driver revoked it (or declined it).
    Driver,
    /// The partner ended it.
    Partner,
    /// The vehicle manufacturer revoked it.
    Oem,
    /// The vehicle changed owner.
    OwnershipChange,
    /// It ran out: its end date passed.
    Expiry,
}

/// When and by whom a consent ended, or `None` while it runs. A consent
/// revoked after its end date had already passed ended by running out.
pub fn ending(row: &ConsentRecord, now_ms: i64) -> Option<(i64, EndedBy)> {
    let by = match ConsentStatus::parse(&row.status)? {
        ConsentStatus::Pending => return None,
        ConsentStatus::Active if row.expires_at > now_ms => return None,
        ConsentStatus::Active | ConsentStatus::Expired => {
            return Some((row.expires_at, EndedBy::Expiry));
        }
        ConsentStatus::Rejected | ConsentStatus::RevokedByDriver => EndedBy::Driver,
        ConsentStatus::RevokedByPartner => EndedBy::Partner,
        ConsentStatus::RevokedByOem => EndedBy::Oem,
        ConsentStatus::EndedByOwnershipChange => EndedBy::OwnershipChange,
    };
    if row.expires_at <= row.updated_at {
        Some((row.expires_at, EndedBy::Expiry))
    } else {
        Some((row.updated_at, by))
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessView {
    #[serde(serialize_with = "vdx_core::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
    pub request_id: String,
    pub partner: String,
    pub app: String,
    pub vin: String,
    pub product: String,
    pub purpose: String,
    /// read or command.
    pub kind: String,
    /// The signal paths returned (or the command sent).
    pub fields: Vec<String>,
}

/// Name lookups, loaded once per listing.
struct Names {
    apps: HashMap<AppId, App>,
    partners: HashMap<PartnerId, String>,
    products: HashMap<ProductId, Product>,
    vins: HashMap<VehicleId, String>,
}

impl Names {
    async fn load(
        db: &impl ConnectionTrait,
        apps: Vec<AppId>,
        products: Vec<ProductId>,
        vehicles: Vec<VehicleId>,
    ) -> Result<Self, ConsentError> {
        let apps: HashMap<_, _> = marketplace::apps_by_ids(db, apps)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let partner_ids: Vec<PartnerId> = apps.values().map(|a| a.partner_id).collect();
        let partners = marketplace::partners_by_ids(db, partner_ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let products = vdx_catalog::product::products_by_ids(db, products)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let vins = vehicle::Entity::find()
            .filter(vehicle::Column::Id.is_in(vehicles))
            .all(db)
            .await?
            .into_iter()
            .map(|v| (v.id, v.vin))
            .collect();
        Ok(Self {
            apps,
            partners,
            products,
            vins,
        })
    }

    // Nothing that a consent or an access record names is ever deleted, so a
    // name that cannot be found is a dangling reference: a corrupt row.

    /// (partner name, app name) of an app.
    fn app(&self, id: AppId) -> Result<(String, String), ConsentError> {
        let app = self
            .apps
            .get(&id)
            .ok_or_else(|| dangling(format!("app {id}")))?;
        let partner = self
            .partners
            .get(&app.partner_id)
            .ok_or_else(|| dangling(format!("partner {}", app.partner_id)))?;
        Ok((partner.clone(), app.name.clone()))
    }

    fn product(&self, id: ProductId) -> Result<&Product, ConsentError> {
        self.products
            .get(&id)
            .ok_or_else(|| dangling(format!("product {id}")))
    }

    fn vin(&self, id: VehicleId) -> Result<String, ConsentError> {
        self.vins
            .get(&id)
            .cloned()
            .ok_or_else(|| dangling(format!("vehicle {id}")))
    }
}

/// A row that names something missing (or holds an unreadable value): logged
/// and an error, never shown with an empty name.
fn corrupt(what: String, detail: &str) -> ConsentError {
    let err = ConsentError::Corrupt(what, detail.to_owned());
    tracing::error!(error = %err, "corrupt row in a consent listing");
    err
}

fn dangling(what: String) -> ConsentError {
    corrupt(what, "is referred to but missing")
}

/// A stored time chrono cannot show is a corrupt row.
fn time(ms: i64, what: impl Fn() -> String) -> Result<(), ConsentError> {
    vdx_core::time::from_ms(ms)
        .map(drop)
        .ok_or_else(|| corrupt(what(), &format!("time {ms} ms is out of range")))
}

/// What views show of a consent must read back: its status, its purpose
/// (one of the controlled list) and its times. The portal's pages rely on it.
fn check(c: &ConsentRecord) -> Result<(), ConsentError> {
    let what = || format!("consent {}", c.id.0);
    if ConsentStatus::parse(&c.status).is_none() {
        return Err(corrupt(what(), &format!("unknown status {:?}", c.status)));
    }
    let known = vdx_core::Purpose::parse(&c.purpose)
        .ok()
        .and_then(|p| vdx_catalog::purposes::lookup(&p));
    if known.is_none() {
        return Err(corrupt(what(), &format!("unknown purpose {:?}", c.purpose)));
    }
    for ms in [c.granted_at, c.expires_at, c.updated_at] {
        time(ms, what)?;
    }
    Ok(())
}

/// Consents with names, in the given order.
pub async fn consents(
    db: &impl ConnectionTrait,
    rows: Vec<ConsentRecord>,
    now_ms: i64,
) -> Result<Vec<ConsentView>, ConsentError> {
    let names = Names::load(
        db,
        rows.iter().map(|c| c.app_id).collect(),
        rows.iter().map(|c| c.product_id).collect(),
        rows.iter().map(|c| c.vehicle_id).collect(),
    )
    .await?;
    rows.into_iter()
        .map(|c| {
            check(&c)?;
            let (partner, app) = names.app(c.app_id)?;
            let product = names.product(c.product_id)?;
            let ended = ending(&c, now_ms);
            Ok(ConsentView {
                id: c.id.0,
                vin: names.vin(c.vehicle_id)?,
                partner,
                app,
                product: product.slug.clone(),
                product_name: product.name.clone(),
                lapsed: c.status == "active" && c.expires_at <= now_ms,
                purpose: c.purpose,
                scopes: c.scopes,
                status: c.status,
                source: c.source,
                granted_at: c.granted_at,
                expires_at: c.expires_at,
                ended_at: ended.map(|(at, _)| at),
                ended_by: ended.map(|(_, by)| by),
            })
        })
        .collect()
}

/// Access records to these vehicles, newest first, optionally of one app.
pub async fn access(
    db: &impl ConnectionTrait,
    vehicles: &[VehicleId],
    app: Option<AppId>,
    limit: u64,
) -> Result<Vec<AccessView>, ConsentError> {
    let mut query = access_log::Entity::find()
        .filter(access_log::Column::VehicleId.is_in(vehicles.to_vec()))
        .order_by_desc(access_log::Column::Id)
        .limit(limit);
    if let Some(app) = app {
        query = query.filter(access_log::Column::AppId.eq(app));
    }
    let rows = query.all(db).await?;
    let names = Names::load(
        db,
        rows.iter().map(|r| r.app_id).collect(),
        rows.iter().map(|r| r.product_id).collect(),
        vehicles.to_vec(),
    )
    .await?;
    rows.into_iter()
        .map(|r| {
            time(r.at, || format!("access record {}", r.id))?;
            let (partner, app) = names.app(r.app_id)?;
            let fields = serde_json::from_str(&r.fields).map_err(|e| {
                corrupt(
                    format!("access record {}", r.id),
                    &format!("fields are not a JSON list: {e}"),
                )
            })?;
            Ok(AccessView {
                at: r.at,
                request_id: r.request_id,
                partner,
                app,
                vin: names.vin(r.vehicle_id)?,
                product: names.product(r.product_id)?.slug.clone(),
                purpose: r.purpose,
                kind: r.kind,
                fields,
            })
        })
        .collect()
}
