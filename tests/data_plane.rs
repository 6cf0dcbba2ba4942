//! `TestApp` helpers for the data plane: ingest and history.

use serde_json::{Value, json};

use crate::TestApp;

impl TestApp {
    /// An ingest access token (scope `ingest`), from the OEM console client.
    pub async fn ingest_token(&self) -> String {
        let admin = &self.creds.admin;
        self.access_token(&admin.client_id, &admin.client_secret, Some("ingest"))
            .await
    }

    /// `POST /v1/ingest` with a JSON body.
    pub async fn ingest(&self, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/v1/ingest"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("ingest request")
    }

    /// `GET /v1/vehicles/{vin}/history` of one signal, `first` values if given.
    pub async fn rest_history(
        &self,
        token: &str,
        vin: &str,
        (product, purpose): (&str, &str),
        path: &str,
        first: Option<&str>,
    ) -> reqwest::Response {
        let mut query = vec![("product", product), ("purpose", purpose), ("path", path)];
        query.extend(first.map(|n| ("first", n)));
        self.get_query(&format!("/v1/vehicles/{vin}/history"), &query, token)
            .await
    }

    /// The GraphQL history of one signal; returns the whole response body.
    pub async fn graphql_history(
        &self,
        token: &str,
        vin: &str,
        (product, purpose): (&str, &str),
        path: &str,
        first: i64,
        after: Option<&str>,
    ) -> Value {
        let query = "query($vin: String!, $product: String!, $purpose: String!, $path: String!, $first: Int!, $after: String) { vehicle(vin: $vin, product: $product, purpose: $purpose) { history(path: $path, first: $first, after: $after) { values { path value observedAt } nextCursor withheld } } }";
        let variables = json!({"vin": vin, "product": product, "purpose": purpose, "path": path, "first": first, "after": after});
        self.graphql_ok(token, query, variables).await
    }
}
