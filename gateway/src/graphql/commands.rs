//! Commands over GraphQL: the `sendCommand` mutation and the `command(id)`
//! query. The same rules as REST (`routes::commands`); the Idempotency-Key
//! comes from the argument or, failing that, the HTTP header.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use vdx_telemetry::commands::CommandView;

use super::{admission, app_of, gql_error, request_id_of};
use crate::partner;
use crate::state::AppState;

/// The `Idempotency-Key` header of the HTTP request, if any.
#[derive(Debug, Clone)]
pub struct IdempotencyHeader(pub String);

/// A command and where it is in its lifecycle.
#[derive(SimpleObject)]
pub struct VehicleCommand {
    id: ID,
    vin: String,
    actuator: String,
    value: Json<serde_json::Value>,
    /// queued, delivered, executed, failed, expired or superseded.
    status: String,
    /// Why it failed, if it did.
    reason: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// True when an earlier request with the same Idempotency-Key made it.
    replayed: bool,
}

impl VehicleCommand {
    /// A stored command; a time out of range is a corrupt row, an `INTERNAL` error.
    fn of(c: CommandView, replayed: bool) -> async_graphql::Result<Self> {
        let at = |ms| partner::stored_time(ms, "command time").map_err(gql_error);
        Ok(Self {
            id: ID(c.id.to_string()),
            vin: c.vin,
            actuator: c.actuator,
            value: Json(c.value),
            status: c.status.as_str().to_owned(),
            reason: c.reason,
            created_at: at(c.created_at_ms)?,
            expires_at: at(c.expires_at_ms)?,
            updated_at: at(c.updated_at_ms)?,
            replayed,
        })
    }
}

#[derive(Default)]
pub struct CommandQuery;

#[Object]
impl CommandQuery {
    /// One of this app's commands; null for an unknown id, another app's
    /// command, or one whose vehicle is no longer consented for commands.
    #[tracing::instrument(skip_all, fields(
        request_id = request_id_of(ctx), app = app_of(ctx), command = id.as_str(),
    ))]
    async fn command(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<VehicleCommand>> {
        let request = admission::request(ctx)?;
        let state = ctx.data::<Arc<AppState>>()?;
        let Some(charged) = admission::of(ctx)?
            .command_status(&id)
            .map_err(|r| gql_error(r.into()))?
        else {
            return Ok(None);
        };
        let command = state
            .gate
            .command_status(request, charged)
            .await
            .map_err(|e| gql_error(e.into()))?;
        command.map(|c| VehicleCommand::of(c, false)).transpose()
    }
}

#[derive(Default)]
pub struct CommandMutation;

#[Object]
impl CommandMutation {
    /// Sends a command to a consented vehicle; it runs asynchronously (poll
    /// `command(id)`). A newer command to the same actuator supersedes an unfinished older one.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(skip_all, fields(
        request_id = request_id_of(ctx), app = app_of(ctx), vehicle = %vin, product = %product,
        actuator = %actuator,
    ))]
    async fn send_command(
        &self,
        ctx: &Context<'_>,
        vin: String,
        product: String,
        purpose: String,
        #[graphql(desc = "VSS path of an actuator the product declares")] actuator: String,
        value: Json<serde_json::Value>,
        #[graphql(desc = "How long it may wait for the car; at most the server's maximum")]
        ttl_seconds: Option<u64>,
        #[graphql(desc = "Repeating a request with the same key returns the first command")]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<VehicleCommand> {
        let request = admission::request(ctx)?;
        let state = ctx.data::<Arc<AppState>>()?;
        let target = partner::parse_target(&vin, &product, &purpose).map_err(gql_error)?;
        let key =
            idempotency_key.or_else(|| ctx.data_opt::<IdempotencyHeader>().map(|h| h.0.clone()));
        let new = partner::new_command(
            &actuator,
            value.0,
            ttl_seconds,
            key,
            state.config.command_ttl_secs,
        )
        .map_err(gql_error)?;
        let charged = admission::of(ctx)?
            .command(&target)
            .map_err(|r| gql_error(r.into()))?;
        let (command, replayed) = state
            .gate
            .send_command(request, charged, &new)
            .await
            .map_err(|e| gql_error(e.into()))?;
        VehicleCommand::of(command, replayed)
    }
}
