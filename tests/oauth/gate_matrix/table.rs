//! The table: one case per partner-facing REST operation (by operation id)
//! and GraphQL field (by `Type.field`), each with the call that exercises it
//! and what the gate must do for it. `coverage` checks the table against the
//! served OpenAPI document and the schema, so nothing is added unlisted.

/// How a case is called. `{vin}` / `{id}` in a REST path and `$subject` in a
/// GraphQL document stand for the case's subject (a VIN, a command id or a
/// consent id).
#[derive(Debug, Clone, Copy)]
pub enum Call {
    Rest {
        /// The OpenAPI `operationId`.
        op: &'static str,
        method: &'static str,
        /// The path template exactly as the OpenAPI document names it.
        path: &'static str,
        query: &'static [(&'static str, &'static str)],
        /// JSON text of the request body.
        body: Option<&'static str>,
    },
    Graphql {
        /// `Type.field` in the schema.
        field: &'static str,
        document: &'static str,
    },
}

impl Call {
    /// The key the coverage check knows the case by.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Rest { op, .. } => op,
            Self::Graphql { field, .. } => field,
        }
    }
}

/// What a vehicle-data case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Vehicle,
    Command,
}

/// Where the consents of a listing are in its answer.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    /// `GET /v1/consents`: `consents[]`, every status.
    Rest,
    /// GraphQL `vehicles`: `data.vehicles.nodes[]`, active consents only.
    Graphql,
}

/// Who calls a route that serves no vehicle data.
#[derive(Debug, Clone, Copy)]
pub enum Caller {
    Anonymous,
    Partner,
    /// The OEM's ingest client (scope `ingest`).
    Ingest,
}

/// What a served vehicle-data call leaves in the access log.
#[derive(Debug, Clone, Copy)]
pub enum Logs {
    /// One record of this `kind`.
    Record(&'static str),
    /// Nothing, and why.
    Nothing(&'static str),
}

/// What the gate must do for a case.
#[derive(Debug, Clone, Copy)]
pub enum Class {
    /// One vehicle's data or command through the gate: the same denial for
    /// unknown and unconsented subjects and for another driver's, nothing
    /// served or queued over quota, and `logs` in the access log when served.
    VehicleData { subject: Subject, logs: Logs },
    /// A listing of the caller's consents: only its app's, only its driver's.
    ConsentListing(Listing),
    /// One consent by id: another app's or another driver's is 404 like an unknown id.
    ConsentById,
    /// Serves no vehicle data (why); answers without a server error.
    NotVehicleData(&'static str, Caller),
}

#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub call: Call,
    pub class: Class,
}

// `{product}`, `{purpose}` and `{spare}` stand for the test world's names
// (see `calls::Names`).
const EV: (&str, &str) = ("product", "{product}");
const CHARGING: (&str, &str) = ("purpose", "{purpose}");
pub const SOC: &str = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current";
const CHARGE_LIMIT_80: &str =
    r#"{"actuator": "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", "value": 80}"#;

/// A GraphQL read of the case's car through the world's product, selecting `$selection`.
macro_rules! vehicle_query {
    ($field:literal, $selection:literal) => {
        gql(
            $field,
            concat!(
                r#"query($subject: String!) { vehicle(vin: $subject, product: "{product}", purpose: "{purpose}") "#,
                $selection,
                " }"
            ),
        )
    };
}

const fn data(call: Call, subject: Subject, logs: Logs) -> Case {
    Case {
        call,
        class: Class::VehicleData { subject, logs },
    }
}

const fn rest(
    op: &'static str,
    method: &'static str,
    path: &'static str,
    query: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
) -> Call {
    Call::Rest {
        op,
        method,
        path,
        query,
        body,
    }
}

const fn gql(field: &'static str, document: &'static str) -> Call {
    Call::Graphql { field, document }
}

const fn other(call: Call, why: &'static str, caller: Caller) -> Case {
    Case {
        call,
        class: Class::NotVehicleData(why, caller),
    }
}

pub const TABLE: &[Case] = &[
    // REST vehicle data and commands.
    data(
        rest(
            "vehicle_latest",
            "GET",
            "/v1/vehicles/{vin}/latest",
            &[EV, CHARGING],
            None,
        ),
        Subject::Vehicle,
        Logs::Record("read"),
    ),
    data(
        rest(
            "vehicle_history",
            "GET",
            "/v1/vehicles/{vin}/history",
            &[EV, CHARGING, ("path", SOC)],
            None,
        ),
        Subject::Vehicle,
        Logs::Record("read"),
    ),
    data(
        rest(
            "send_command",
            "POST",
            "/v1/vehicles/{vin}/commands",
            &[EV, CHARGING],
            Some(CHARGE_LIMIT_80),
        ),
        Subject::Vehicle,
        Logs::Record("command"),
    ),
    data(
        rest("command_status", "GET", "/v1/commands/{id}", &[], None),
        Subject::Command,
        Logs::Record("command_status"),
    ),
    // GraphQL vehicle data and commands.
    data(
        vehicle_query!("Query.vehicle", r#"{ vin product purpose }"#),
        Subject::Vehicle,
        Logs::Nothing("decides and charges, but names no signal: nothing is read"),
    ),
    data(
        vehicle_query!(
            "VehicleData.latest",
            r#"{ latest { signals { path value observedAt } withheld } }"#
        ),
        Subject::Vehicle,
        Logs::Record("read"),
    ),
    data(
        vehicle_query!(
            "VehicleData.history",
            r#"{ history(path: "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current", first: 10) { values { path value observedAt } nextCursor withheld } }"#
        ),
        Subject::Vehicle,
        Logs::Record("read"),
    ),
    data(
        gql(
            "Mutation.sendCommand",
            r#"mutation($subject: String!) { sendCommand(vin: $subject, product: "{product}", purpose: "{purpose}", actuator: "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", value: 80) { id status } }"#,
        ),
        Subject::Vehicle,
        Logs::Record("command"),
    ),
    data(
        gql(
            "Query.command",
            "query($subject: ID!) { command(id: $subject) { id vin status } }",
        ),
        Subject::Command,
        Logs::Record("command_status"),
    ),
    // Consents.
    Case {
        call: rest(
            "list_consents",
            "GET",
            "/v1/consents",
            &[("limit", "100")],
            None,
        ),
        class: Class::ConsentListing(Listing::Rest),
    },
    Case {
        call: gql(
            "Query.vehicles",
            "{ vehicles(first: 100) { nodes { vin product purpose consentId } nextCursor } }",
        ),
        class: Class::ConsentListing(Listing::Graphql),
    },
    Case {
        call: rest(
            "revoke_consent",
            "POST",
            "/v1/consents/{id}/revoke",
            &[],
            None,
        ),
        class: Class::ConsentById,
    },
    Case {
        call: rest(
            "consent_receipt",
            "GET",
            "/v1/consents/{id}/receipt",
            &[],
            None,
        ),
        class: Class::ConsentById,
    },
    // No vehicle data.
    other(
        rest(
            "marketplace_products",
            "GET",
            "/v1/marketplace/products",
            &[],
            None,
        ),
        "the public offer",
        Caller::Anonymous,
    ),
    other(
        gql(
            "Query.catalog",
            "{ catalog { products { slug versions { version } plans { name } } } }",
        ),
        "the public offer",
        Caller::Anonymous,
    ),
    other(
        rest("list_subscriptions", "GET", "/v1/subscriptions", &[], None),
        "the app's own subscriptions",
        Caller::Partner,
    ),
    other(
        rest(
            "request_subscription",
            "POST",
            "/v1/subscriptions",
            &[],
            Some(r#"{"product": "{spare}", "version": "1.0.0", "plan": "standard"}"#),
        ),
        "asks the OEM for a subscription",
        Caller::Partner,
    ),
    other(
        rest("statements", "GET", "/v1/statements", &[], None),
        "the app's own usage and price",
        Caller::Partner,
    ),
    other(
        rest(
            "ingest",
            "POST",
            "/v1/ingest",
            &[],
            Some(r#"{"vehicles": []}"#),
        ),
        "the OEM's telemetry going in, not partner data going out",
        Caller::Ingest,
    ),
];
