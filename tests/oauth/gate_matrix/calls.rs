//! Making a case's call and reading its answer: status, headers and body,
//! with what legitimately differs between two calls (the request id, the
//! date, the subject the caller named) set apart, so two denials can be
//! compared whole. Also the database counts the matrix watches.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use vdx_consent::test_support::access_log;
use vdx_tests::TestApp;

use super::table::Call;

/// Codes of a refused charge.
pub const RATE_CODES: [&str; 3] = [
    "RATE_LIMITED",
    "DAILY_QUOTA_EXCEEDED",
    "VEHICLE_BUDGET_EXCEEDED",
];

/// One answer of the gateway.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Every header but `date`, `content-length` and `x-request-id`.
    pub headers: BTreeMap<String, String>,
    pub body: Value,
    pub request_id: String,
    /// What the call named (VIN, command or consent id), if anything.
    pub subject: Option<String>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status) && self.body.get("errors").is_none()
    }

    /// The first GraphQL error code, or the problem code.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .or_else(|| self.body["code"].as_str())
    }

    /// What a partner could tell two answers apart by: everything but the
    /// request id, the date and the echo of the subject it named.
    pub fn observable(&self) -> (u16, &BTreeMap<String, String>, Value) {
        let mut body = self.body.clone();
        if let Some(object) = body.as_object_mut() {
            object.remove("request_id");
        }
        if let Some(subject) = &self.subject {
            mask(&mut body, subject);
        }
        (self.status, &self.headers, body)
    }
}

/// Replaces `word` (as a whole word) in every string of `value`.
fn mask(value: &mut Value, word: &str) {
    let word = regex::Regex::new(&format!(r"\b{}\b", regex::escape(word))).unwrap();
    fn walk(value: &mut Value, word: &regex::Regex) {
        match value {
            Value::String(s) => *s = word.replace_all(s, "<subject>").into_owned(),
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, word)),
            Value::Object(map) => map.values_mut().for_each(|v| walk(v, word)),
            _ => {}
        }
    }
    walk(value, &word);
}

/// Asserts two answers are the same to the partner.
pub fn assert_alike(case: &str, what: &str, a: &Answer, b: &Answer) {
    assert_eq!(
        a.observable(),
        b.observable(),
        "{case}: {what} answer differently:\n{a:#?}\n{b:#?}"
    );
}

/// What the table's `{product}`, `{purpose}` and `{spare}` stand for: the
/// world's product and purpose, and a product nobody subscribed to.
#[derive(Debug, Clone)]
pub struct Names {
    pub product: String,
    pub purpose: String,
    pub spare: String,
}

impl Names {
    /// `text` with the names filled in.
    fn fill(&self, text: &str) -> String {
        text.replace("{product}", &self.product)
            .replace("{purpose}", &self.purpose)
            .replace("{spare}", &self.spare)
    }
}

/// Makes `call` with `token`, naming `subject`, in the world of `names`.
pub async fn call(
    app: &TestApp,
    names: &Names,
    call: &Call,
    token: Option<&str>,
    subject: Option<&str>,
) -> Answer {
    let request = match *call {
        Call::Rest {
            method,
            path,
            query,
            body,
            ..
        } => {
            let path = match subject {
                Some(s) => path.replace("{vin}", s).replace("{id}", s),
                None => path.to_owned(),
            };
            assert!(!path.contains('{'), "{path} needs a subject");
            let query: Vec<(&str, String)> =
                query.iter().map(|(k, v)| (*k, names.fill(v))).collect();
            let mut req = app
                .client
                .request(method.parse().unwrap(), app.url(&path))
                .query(&query);
            if let Some(body) = body {
                req = req.json(&serde_json::from_str::<Value>(&names.fill(body)).unwrap());
            }
            req
        }
        Call::Graphql { document, .. } => {
            let variables = subject.map_or(json!({}), |s| json!({ "subject": s }));
            app.client
                .post(app.url("/graphql"))
                .json(&json!({ "query": names.fill(document), "variables": variables }))
        }
    };
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    let mut headers = BTreeMap::new();
    for (name, value) in res.headers() {
        headers.insert(name.as_str().to_owned(), value.to_str().unwrap().to_owned());
    }
    let request_id = headers.remove("x-request-id").unwrap_or_default();
    headers.remove("date");
    headers.remove("content-length");
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        headers,
        body,
        request_id,
        subject: subject.map(str::to_owned),
    }
}

/// `SELECT COUNT(*) FROM table`.
pub async fn count(app: &TestApp, table: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// What a call may change: the access log and the command queue.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Counts {
    pub access_log: i64,
    pub commands: i64,
    /// The newest access-log record's id.
    pub last_record: i64,
}

impl Counts {
    pub async fn of(app: &TestApp) -> Self {
        let last = access_log::Entity::find()
            .order_by_desc(access_log::Column::Id)
            .one(&app.db)
            .await
            .unwrap();
        Self {
            access_log: count(app, "access_log").await,
            commands: count(app, "commands").await,
            last_record: last.map_or(0, |r| r.id),
        }
    }

    /// The access-log records written since `self` was taken.
    pub async fn records_since(&self, app: &TestApp) -> Vec<access_log::Model> {
        access_log::Entity::find()
            .filter(access_log::Column::Id.gt(self.last_record))
            .all(&app.db)
            .await
            .unwrap()
    }
}
