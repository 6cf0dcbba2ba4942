//! Plans: what a subscription costs and how much it may use. Each product has
//! one or more; a subscription picks one.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::entity::{plan, product};
use crate::{CatalogError, audit};

/// How a plan is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceModel {
    Free,
    /// `price_minor` per served call.
    PerCall,
    /// `price_minor` per distinct vehicle served in the month.
    PerVehicleMonth,
}

impl PriceModel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::PerCall => "per_call",
            Self::PerVehicleMonth => "per_vehicle_month",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Free, Self::PerCall, Self::PerVehicleMonth]
            .into_iter()
            .find(|m| m.as_str() == raw)
    }
}

/// A plan as admins define it and partners see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    pub name: String,
    /// Sustained requests per second per app.
    pub rate_per_second: u32,
    /// Burst above the sustained rate.
    pub burst: u32,
    /// Calls per app per day.
    pub daily_quota: u64,
    /// Calls per vehicle per day, if limited.
    pub vehicle_daily_budget: Option<u32>,
    pub price_model: PriceModel,
    /// Price in minor units (cents) per unit of the price model.
    pub price_minor: u64,
    /// ISO 4217 code, e.g. EUR.
    pub currency: String,
}

impl PlanSpec {
    fn check(&self) -> Result<(), CatalogError> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() || self.name.len() > 64 {
            errors.push("name must have 1 to 64 characters".to_owned());
        }
        if self.rate_per_second == 0 {
            errors.push("rate_per_second must be at least 1".into());
        }
        if self.burst == 0 {
            errors.push("burst must be at least 1".into());
        }
        if self.daily_quota == 0 {
            errors.push("daily_quota must be at least 1".into());
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push("currency must be an ISO 4217 code such as EUR".into());
        }
        if (self.price_model == PriceModel::Free) != (self.price_minor == 0) {
            errors.push("a free plan has price 0, and only a free plan does".into());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CatalogError::Rejected {
                message: "the plan is invalid".into(),
                errors,
            })
        }
    }

    /// The plan stored in `row`; a negative number or an unknown price model
    /// is a corrupt row, an error (never a free, unlimited plan).
    pub fn from_row(row: &plan::Model) -> Result<Self, CatalogError> {
        let corrupt = |what: &str, value: &dyn std::fmt::Display| {
            let err =
                CatalogError::Corrupt(format!("plan {}", row.id), format!("{what} is {value}"));
            tracing::error!(error = %err, "corrupt plan row");
            err
        };
        let count =
            |value: i32, what: &str| u32::try_from(value).map_err(|_| corrupt(what, &value));
        let amount =
            |value: i64, what: &str| u64::try_from(value).map_err(|_| corrupt(what, &value));
        Ok(Self {
            name: row.name.clone(),
            rate_per_second: count(row.rate_per_second, "rate_per_second")?,
            burst: count(row.burst, "burst")?,
            daily_quota: amount(row.daily_quota, "daily_quota")?,
            vehicle_daily_budget: row
                .vehicle_daily_budget
                .map(|b| count(b, "vehicle_daily_budget"))
                .transpose()?,
            price_model: PriceModel::parse(&row.price_model)
                .ok_or_else(|| corrupt("price_model", &row.price_model))?,
            price_minor: amount(row.price_minor, "price_minor")?,
            currency: row.currency.clone(),
        })
    }

    /// The price of a month's usage, in minor units.
    pub fn price(&self, calls: u64, vehicles: u64) -> u64 {
        match self.price_model {
            PriceModel::Free => 0,
            PriceModel::PerCall => calls.saturating_mul(self.price_minor),
            PriceModel::PerVehicleMonth => vehicles.saturating_mul(self.price_minor),
        }
    }
}

fn to_i64(n: u64, what: &str) -> Result<i64, CatalogError> {
    i64::try_from(n).map_err(|_| CatalogError::Invalid(format!("{what} is too large")))
}

/// Adds a plan to a product.
pub async fn create_plan(
    db: &DatabaseConnection,
    actor: &str,
    product: &product::Model,
    spec: PlanSpec,
    now_ms: i64,
) -> Result<plan::Model, CatalogError> {
    spec.check()?;
    if named(db, product, spec.name.trim()).await?.is_some() {
        return Err(CatalogError::Conflict(format!(
            "product {} already has a plan {}",
            product.slug, spec.name
        )));
    }
    let txn = vdx_core::db::begin_write(db).await?;
    let row = plan::ActiveModel {
        product_id: Set(product.id),
        name: Set(spec.name.trim().to_owned()),
        rate_per_second: Set(i32::try_from(spec.rate_per_second)
            .map_err(|_| CatalogError::Invalid("rate_per_second is too large".into()))?),
        burst: Set(i32::try_from(spec.burst)
            .map_err(|_| CatalogError::Invalid("burst is too large".into()))?),
        daily_quota: Set(to_i64(spec.daily_quota, "daily_quota")?),
        vehicle_daily_budget: Set(spec
            .vehicle_daily_budget
            .map(i32::try_from)
            .transpose()
            .map_err(|_| CatalogError::Invalid("vehicle_daily_budget is too large".into()))?),
        price_model: Set(spec.price_model.as_str().to_owned()),
        price_minor: Set(to_i64(spec.price_minor, "price_minor")?),
        currency: Set(spec.currency.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let target = format!("product:{}/plan:{}", product.slug, row.name);
    let change = audit::Change::After(json!(spec));
    audit::commit(txn, actor, now_ms, "plan.create", &target, change).await?;
    Ok(row)
}

/// A product's plan by its name, if it has one.
pub(crate) async fn named(
    db: &impl ConnectionTrait,
    product: &product::Model,
    name: &str,
) -> Result<Option<plan::Model>, CatalogError> {
    Ok(plan::Entity::find()
        .filter(plan::Column::ProductId.eq(product.id))
        .filter(plan::Column::Name.eq(name))
        .one(db)
        .await?)
}

/// A product's plans, by name.
pub async fn plans_of(
    db: &impl ConnectionTrait,
    product: &product::Model,
) -> Result<Vec<plan::Model>, CatalogError> {
    Ok(plan::Entity::find()
        .filter(plan::Column::ProductId.eq(product.id))
        .order_by_asc(plan::Column::Name)
        .all(db)
        .await?)
}

/// The plan of a subscription, as its id and spec; `None` if either row is gone.
pub async fn of_subscription(
    db: &impl ConnectionTrait,
    subscription: vdx_core::SubscriptionId,
) -> Result<Option<(vdx_core::PlanId, PlanSpec)>, CatalogError> {
    let Some(row) = crate::entity::subscription::Entity::find_by_id(subscription)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    of_row(db, &row)
        .await?
        .map(|plan| Ok((plan.id, PlanSpec::from_row(&plan)?)))
        .transpose()
}

/// The plan row a subscription row refers to: the one lookup from a
/// subscription to its plan, for [`of_subscription`] and the subscription
/// views.
pub(crate) async fn of_row(
    db: &impl ConnectionTrait,
    subscription: &crate::entity::subscription::Model,
) -> Result<Option<plan::Model>, CatalogError> {
    Ok(plan::Entity::find_by_id(subscription.plan_id)
        .one(db)
        .await?)
}
