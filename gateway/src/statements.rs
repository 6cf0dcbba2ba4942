//! Monthly statements: every subscription's metered usage (from the access
//! log, so it matches the calls served exactly), priced from its plan.

use chrono::{Datelike, NaiveDate};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use vdx_catalog::subscriptions::{self, SubscriptionView};
use vdx_core::{AppId, SubscriptionId};

use crate::problem::ApiError;

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

/// Parses `YYYY-MM` into the month's [start, end) in epoch milliseconds.
pub fn month_bounds(month: &str) -> Result<(i64, i64), ApiError> {
    let bad = || {
        ApiError::bad_request(
            "INVALID_QUERY",
            format!("month {month:?} must look like 2026-11"),
        )
    };
    let start = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())?;
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
    Ok((ms(start)?, ms(next)?))
}

/// The current month as `YYYY-MM`.
pub fn current_month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}

/// The statement for a month, of every subscription or of one app's.
pub async fn statement(
    db: &DatabaseConnection,
    month: &str,
    app: Option<AppId>,
) -> Result<Statement, ApiError> {
    let (from, to) = month_bounds(month)?;
    let mut lines = Vec::new();
    for view in subscriptions::list(db, app, None).await? {
        lines.push(line(db, view, from, to).await?);
    }
    Ok(Statement {
        month: month.to_owned(),
        lines,
    })
}

async fn line(
    db: &DatabaseConnection,
    view: SubscriptionView,
    from: i64,
    to: i64,
) -> Result<StatementLine, ApiError> {
    let id = SubscriptionId(view.id);
    let usage = vdx_consent::access_log::usage(db, id, from, to).await?;
    let (_, spec) = vdx_catalog::plans::of_subscription(db, id)
        .await?
        .ok_or_else(|| ApiError::internal("the subscription or its plan vanished"))?;
    Ok(StatementLine {
        subscription_id: view.id,
        partner: view.partner,
        app: view.app,
        product: view.product,
        version: view.version,
        plan: view.plan,
        price_model: spec.price_model.as_str().to_owned(),
        unit_price_minor: spec.price_minor,
        currency: spec.currency.clone(),
        calls: usage.calls,
        commands: usage.commands,
        vehicles: usage.vehicles,
        amount_minor: spec.price(usage.calls, usage.vehicles),
    })
}

fn csv_field(raw: &str) -> String {
    if raw.contains([',', '"', '\n']) {
        format!("\"{}\"", raw.replace('"', "\"\""))
    } else {
        raw.to_owned()
    }
}

/// The statement as CSV (RFC 4180), one line per subscription.
pub fn to_csv(statement: &Statement) -> String {
    let mut out = String::from(
        "month,subscription_id,partner,app,product,version,plan,price_model,unit_price_minor,currency,calls,commands,vehicles,amount_minor\r\n",
    );
    for l in &statement.lines {
        let fields = [
            statement.month.clone(),
            l.subscription_id.to_string(),
            csv_field(&l.partner),
            csv_field(&l.app),
            csv_field(&l.product),
            csv_field(&l.version),
            csv_field(&l.plan),
            l.price_model.clone(),
            l.unit_price_minor.to_string(),
            l.currency.clone(),
            l.calls.to_string(),
            l.commands.to_string(),
            l.vehicles.to_string(),
            l.amount_minor.to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn december_rolls_over_into_january() {
        let (from, to) = month_bounds("2026-12").unwrap();
        assert_eq!(to - from, 31 * 24 * 3600 * 1000);
        assert!(month_bounds("2026-13").is_err());
        assert!(month_bounds("nov").is_err());
    }

    #[test]
    fn csv_quotes_commas_and_quotes() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
