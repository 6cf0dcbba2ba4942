//! Monthly statements: every subscription's metered usage (from the access
//! log, so it matches the calls served exactly), priced from its plan. Owns
//! the billing arithmetic's inputs and the month's bounds; knows nothing of
//! HTTP or of how a statement is rendered (the gateway writes JSON or CSV).

use chrono::{Datelike, NaiveDate};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use vdx_catalog::plans::PlanSpec;
use vdx_catalog::subscriptions::{self, SubscriptionView};
use vdx_core::{AppId, SubscriptionId};

use crate::ConsentError;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatementLine {
    pub subscription_id: i64,
    pub partner: String,
    pub app: String,
    pub product: String,
    pub version: String,
    pub plan: String,
    /// free, per_call or per_vehicle_month.
    pub price_model: String,
    pub unit_price_minor: u64,
    pub currency: String,
    /// Served reads and commands, one per vehicle served.
    pub calls: u64,
    pub commands: u64,
    /// Distinct vehicles served.
    pub vehicles: u64,
    pub amount_minor: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Statement {
    /// YYYY-MM.
    pub month: String,
    pub lines: Vec<StatementLine>,
}

/// A calendar month (UTC), parsed from `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    label: String,
    start_ms: i64,
    end_ms: i64,
}

/// A month that is not `YYYY-MM`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("month {0:?} must look like 2026-11")]
pub struct InvalidMonth(String);

impl Month {
    /// Parses `YYYY-MM` into the month's [start, end) in epoch milliseconds.
    pub fn parse(raw: &str) -> Result<Self, InvalidMonth> {
        let bad = || InvalidMonth(raw.to_owned());
        let start =
            NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").map_err(|_| bad())?;
        let next = if start.month() == 12 {
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
        }
        .ok_or_else(bad)?;
        let ms = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis())
                .ok_or_else(bad)
        };
        Ok(Self {
            label: raw.to_owned(),
            start_ms: ms(start)?,
            end_ms: ms(next)?,
        })
    }

    /// `YYYY-MM`, as given.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// The current month as `YYYY-MM`.
pub fn current_month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}

/// The statement for a month, of every subscription or of one app's.
#[tracing::instrument(skip_all, fields(month = month.label()))]
pub async fn statement(
    db: &DatabaseConnection,
    month: &Month,
    app: Option<AppId>,
) -> Result<Statement, ConsentError> {
    let mut lines = Vec::new();
    for (view, plan) in subscriptions::list_with_plans(db, app).await? {
        lines.push(line(db, view, &plan, month).await?);
    }
    Ok(Statement {
        month: month.label.clone(),
        lines,
    })
}

async fn line(
    db: &DatabaseConnection,
    view: SubscriptionView,
    plan: &PlanSpec,
    month: &Month,
) -> Result<StatementLine, ConsentError> {
    let id = SubscriptionId(view.id);
    let usage = crate::access_log::usage(db, id, month.start_ms, month.end_ms).await?;
    Ok(StatementLine {
        subscription_id: view.id,
        partner: view.partner,
        app: view.app,
        product: view.product,
        version: view.version,
        plan: view.plan,
        price_model: plan.price_model.as_str().to_owned(),
        unit_price_minor: plan.price_minor,
        currency: plan.currency.clone(),
        calls: usage.calls,
        commands: usage.commands,
        vehicles: usage.vehicles,
        amount_minor: plan.price(usage.calls, usage.vehicles),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn december_rolls_over_into_january() {
        let month = Month::parse("2026-12").unwrap();
        assert_eq!(month.end_ms - month.start_ms, 31 * 24 * 3600 * 1000);
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("nov").is_err());
    }

    #[test]
    fn a_bad_month_says_what_it_should_look_like() {
        let err = Month::parse("nov").unwrap_err();
        assert_eq!(err.to_string(), "month \"nov\" must look like 2026-11");
    }
}
