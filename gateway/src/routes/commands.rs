//! Partner commands over REST: `POST /v1/vehicles/{vin}/commands` enqueues one
//! (honouring `Idempotency-Key`), `GET /v1/commands/{id}` shows its status.
//! The lifecycle rules live in `vdx_telemetry::commands`.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vdx_telemetry::commands::CommandView;

use vdx_telemetry::gate::Access;

use crate::partner;
use crate::problem::{ApiError, Problem};
use crate::routes::PartnerCall;
use crate::routes::responses::Unauthenticated;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommandTarget {
    /// The data product whose commands the consent covers, e.g. `ev-charging`.
    pub product: String,
    /// The purpose of processing, e.g. `smart_charging`.
    pub purpose: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    /// VSS path of an actuator the product declares.
    pub actuator: String,
    /// The target value, of the actuator's datatype.
    pub value: serde_json::Value,
    /// How long the command may wait for the car; at most the configured `command_ttl_secs`.
    pub ttl_seconds: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommandDto {
    pub id: String,
    pub vin: String,
    pub actuator: String,
    pub value: serde_json::Value,
    /// queued, delivered, executed, failed, expired or superseded.
    pub status: String,
    /// Why it failed, if it did.
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<CommandView> for CommandDto {
    type Error = ApiError;

    fn try_from(c: CommandView) -> Result<Self, ApiError> {
        let at = |ms| partner::stored_time(ms, "command time");
        Ok(Self {
            id: c.id.to_string(),
            vin: c.vin,
            actuator: c.actuator,
            value: c.value,
            status: c.status.as_str().to_owned(),
            reason: c.reason,
            created_at: at(c.created_at_ms)?,
            expires_at: at(c.expires_at_ms)?,
            updated_at: at(c.updated_at_ms)?,
        })
    }
}

/// Sends a command to one vehicle; it runs asynchronously.
#[utoipa::path(tag = "commands", operation_id = "send_command",
    params(("vin" = String, Path, description = "Vehicle Identification Number"), CommandTarget,
        ("Idempotency-Key" = Option<String>, Header, description = "Repeating a request with the same key returns the first command")),
    request_body = CommandRequest,
    responses(
        (status = 202, description = "Queued", body = CommandDto),
        (status = 200, description = "A replay of an earlier request with the same Idempotency-Key", body = CommandDto),
        (status = 400, description = "Malformed input", body = Problem, content_type = "application/problem+json"),
        Unauthenticated,
        (status = 403, description = "No consent, scope or subscription; an unknown VIN gets the same answer", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a command of the product, a bad value, or a reused Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[post("/v1/vehicles/{vin}/commands")]
#[tracing::instrument(skip_all, fields(request_id = %call.ctx().request_id(), app = %call.ctx().principal().app().client_id))]
pub async fn send(
    req: HttpRequest,
    call: PartnerCall,
    vin: web::Path<String>,
    target: web::Query<CommandTarget>,
    body: web::Json<CommandRequest>,
) -> Result<HttpResponse, ApiError> {
    let target = partner::parse_target(&vin, &target.product, &target.purpose)?;
    let key = match req.headers().get("idempotency-key") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| {
                    ApiError::bad_request(
                        "INVALID_INPUT",
                        "the Idempotency-Key header is not ASCII",
                    )
                })?
                .to_owned(),
        ),
        None => None,
    };
    let body = body.into_inner();
    let new = partner::new_command(
        &body.actuator,
        body.value,
        body.ttl_seconds,
        key,
        call.config().command_ttl_secs,
    )?;
    let admission =
        partner::admit_one(call.gate(), call.ctx(), Access::Command(target.clone())).await?;
    let charged = admission.command(&target)?;
    let (command, replayed) = call.gate().send_command(call.ctx(), charged, &new).await?;
    let answer = if replayed {
        HttpResponse::Ok()
    } else {
        HttpResponse::Accepted()
    };
    Ok(partner::served(answer, &admission, None).json(CommandDto::try_from(command)?))
}

/// The status of one of this app's commands.
#[utoipa::path(tag = "commands", operation_id = "command_status",
    params(("id" = String, Path, description = "The command id")),
    responses(
        (status = 200, description = "The command", body = CommandDto),
        Unauthenticated,
        (status = 404, description = "No command of this app has this id, or its vehicle is no longer consented for commands (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The plan's rate limit or quota is used up", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[get("/v1/commands/{id}")]
#[tracing::instrument(skip_all, fields(request_id = %call.ctx().request_id(), app = %call.ctx().principal().app().client_id))]
pub async fn status(call: PartnerCall, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let not_found =
        || ApiError::NotFound("no command of this app with this id is consented".into());
    let admission = partner::admit_one(
        call.gate(),
        call.ctx(),
        Access::CommandStatus(id.to_string()),
    )
    .await?;
    let charged = admission.command_status(&id)?.ok_or_else(not_found)?;
    let command = call
        .gate()
        .command_status(call.ctx(), charged)
        .await?
        .ok_or_else(not_found)?;
    Ok(partner::served(HttpResponse::Ok(), &admission, None).json(CommandDto::try_from(command)?))
}
