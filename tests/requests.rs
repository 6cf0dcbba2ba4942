//! `TestApp`'s typed helpers for the partner, admin and OAuth endpoints, and
//! the few database reads tests make to check what was stored. Writes go
//! through the API (see `world`), never through these.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::TestApp;

/// The entry of `path` in a latest-values answer's `signals`, if served.
pub fn signal<'a>(latest: &'a Value, path: &str) -> Option<&'a Value> {
    latest["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .find(|s| s["path"] == path)
}

/// Asserts a complete problem+json answer with this status and code (and the
/// request id of its header); returns its body.
pub async fn problem(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status(), status, "{code}");
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "{status} {code}"
    );
    let request_id = res.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["request_id"], request_id.as_str(), "{body}");
    for key in ["type", "title", "detail"] {
        assert!(body[key].is_string(), "{key} missing in {body}");
    }
    body
}

/// Asserts a 422 answer whose first entry of `errors` names `needle`.
pub async fn assert_rejected_naming(res: reqwest::Response, needle: &str) {
    assert_eq!(res.status(), 422, "{needle}");
    let body: Value = res.json().await.expect("json");
    let first = body["errors"][0].as_str().expect("a first error");
    assert!(first.contains(needle), "{body}");
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// `POST /oauth/token` with client_secret_basic.
    pub async fn token_response(
        &self,
        client_id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.client
            .post(self.url("/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(&form)
            .send()
            .await
            .expect("token request")
    }

    /// The access token of a client_credentials grant that must succeed.
    pub async fn access_token(&self, client_id: &str, secret: &str, scope: Option<&str>) -> String {
        let res = self.token_response(client_id, secret, scope).await;
        assert_eq!(res.status(), 200, "token request for {scope:?} failed");
        let body: Value = res.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// An admin access token (scope `admin`), from the OEM console client.
    pub async fn admin_token(&self) -> String {
        let admin = &self.creds.admin;
        self.access_token(&admin.client_id, &admin.client_secret, Some("admin"))
            .await
    }

    /// `GET path`, with a bearer token if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    /// `POST path` without a body, with a bearer token if given.
    pub async fn post(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.call(reqwest::Method::POST, path, token, None).await
    }

    /// The JSON of `GET path`, with a bearer token if given.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        self.get(path, token).await.json().await.expect("json")
    }

    /// `GET path` with one extra request header, no token.
    pub async fn get_with_header(&self, path: &str, name: &str, value: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header(name, value)
            .send()
            .await
            .expect("request")
    }

    /// `POST path` with a raw body of this content type, no token.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// `DELETE path`, with a bearer token if given.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.call(reqwest::Method::DELETE, path, token, None).await
    }

    /// A request with a bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request")
    }

    /// The scopes a fresh client_credentials token of the partner carries.
    pub async fn scopes_of(&self, partner: &crate::world::Partner) -> String {
        let res = self
            .token_response(&partner.client_id, &partner.client_secret, None)
            .await;
        let body: Value = res.json().await.expect("json");
        body["scope"].as_str().unwrap_or_default().to_owned()
    }

    /// `POST /graphql` with an optional bearer token.
    pub async fn graphql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> reqwest::Response {
        let body = json!({ "query": query, "variables": variables });
        self.graphql_request(token, &body).await
    }

    /// `POST /graphql` of a whole request body as given (operation names,
    /// extensions, malformed requests), with an optional bearer token.
    pub async fn graphql_request(&self, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut req = self.client.post(self.url("/graphql")).json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("graphql request")
    }

    /// The standard latest-values query for one vehicle.
    pub async fn vehicle_latest(
        &self,
        token: &str,
        vin: &str,
        product: &str,
        purpose: &str,
    ) -> Value {
        let query = "query($vin: String!, $product: String!, $purpose: String!) { vehicle(vin: $vin, product: $product, purpose: $purpose) { vin latest { signals { path value observedAt } withheld } } }";
        let variables = json!({"vin": vin, "product": product, "purpose": purpose});
        self.graphql_ok(token, query, variables).await
    }

    /// `POST /graphql` that must answer 200; returns the whole response body.
    pub async fn graphql_ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let res = self.graphql(Some(token), query, variables).await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("json")
    }

    /// `GET /v1/vehicles/{vin}/latest`.
    pub async fn rest_latest(
        &self,
        token: &str,
        vin: &str,
        product: &str,
        purpose: &str,
    ) -> reqwest::Response {
        let query = [("product", product), ("purpose", purpose)];
        self.get_query(&format!("/v1/vehicles/{vin}/latest"), &query, token)
            .await
    }

    /// `GET path?query` with a bearer token.
    pub async fn get_query(
        &self,
        path: &str,
        query: &[(&str, &str)],
        token: &str,
    ) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .query(query)
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// The value of an unlabelled metric on `GET /metrics`, if present.
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .find_map(|value| value.trim().parse().ok())
    }

    /// Number of rows in the access log.
    pub async fn access_log_count(&self) -> i64 {
        self.sql_i64("SELECT COUNT(*) FROM access_log", vec![])
            .await
    }

    /// The first column of the first row of a query that returns one
    /// integer (parameters as `$1`, `$2`, … on both backends). For checks
    /// of what the database holds; the domain crates' tables are not
    /// reachable through their entities from outside.
    pub async fn sql_i64(&self, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
        let row = self
            .db
            .query_one_raw(self.statement(sql, values))
            .await
            .expect("query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("an integer")
    }

    fn statement(&self, sql: &str, values: Vec<sea_orm::Value>) -> sea_orm::Statement {
        sea_orm::Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// The strings of a query's first column (parameters as in [`Self::sql_i64`]).
    pub async fn sql_strings(&self, sql: &str, values: Vec<sea_orm::Value>) -> Vec<String> {
        self.db
            .query_all_raw(self.statement(sql, values))
            .await
            .expect("query")
            .into_iter()
            .map(|row| row.try_get_by_index::<String>(0).expect("a string"))
            .collect()
    }

    /// The row id of the vehicle with this VIN.
    pub async fn vehicle_id(&self, vin: &str) -> i64 {
        self.sql_i64("SELECT id FROM vehicles WHERE vin = $1", vec![vin.into()])
            .await
    }
}
