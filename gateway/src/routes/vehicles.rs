//! `GET /v1/vehicles/{vin}/latest`: the REST twin of the GraphQL `vehicle { latest }` query.
//! Also what every REST read of one vehicle shares ([`serve_read`]): the
//! gate's admission and charge, the served headers, the signal values.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vdx_consent::Read;
use vdx_core::SignalPath;
use vdx_telemetry::gate::{Access, Charged, Target};

use crate::partner;
use crate::problem::{ApiError, Problem};
use crate::routes::PartnerCall;
use crate::routes::responses::VehicleReadErrors;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LatestQuery {
    /// The data product the consent was given for, e.g. `ev-charging`.
    pub product: String,
    /// The purpose of processing, e.g. `smart_charging`.
    pub purpose: String,
    /// Comma-separated VSS paths or branches; all of the product's signals if absent.
    pub paths: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignalValueDto {
    /// VSS path.
    pub path: String,
    /// The value, typed as in the VSS catalog.
    pub value: serde_json::Value,
    /// When the car observed it.
    pub observed_at: DateTime<Utc>,
}

impl TryFrom<vdx_telemetry::SignalValue> for SignalValueDto {
    type Error = ApiError;

    fn try_from(v: vdx_telemetry::SignalValue) -> Result<Self, ApiError> {
        Ok(Self {
            observed_at: partner::stored_time(v.observed_at_ms, "observation time")?,
            path: v.path.to_string(),
            value: v.value,
        })
    }
}

/// Signal values as the REST answers carry them.
pub fn values(values: Vec<vdx_telemetry::SignalValue>) -> Result<Vec<SignalValueDto>, ApiError> {
    values.into_iter().map(SignalValueDto::try_from).collect()
}

/// The paths an answer withholds, as strings.
pub fn withheld(paths: &[SignalPath]) -> Vec<String> {
    paths.iter().map(ToString::to_string).collect()
}

/// Whose data a read answers: the target's identifiers, as strings.
pub struct Subject {
    pub vin: String,
    pub product: String,
    pub purpose: String,
}

/// One consented read of one vehicle, as every REST read serves it: the call
/// admitted and charged (cost 1) for `target` by the gate, `read` run with
/// the charge, and a 200 with the RateLimit (and, for a deprecated product
/// version, lifecycle) headers and the body `answer` makes of what was read.
pub async fn serve_read<T, B: Serialize>(
    call: &PartnerCall,
    target: Target,
    read: impl AsyncFnOnce(&Charged<Read>) -> Result<T, ApiError>,
    answer: impl FnOnce(Subject, T) -> Result<B, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let admission =
        partner::admit_one(call.gate(), call.ctx(), Access::Read(target.clone())).await?;
    let charged = admission.read(&target)?;
    let found = read(charged).await?;
    let subject = Subject {
        vin: target.vin.to_string(),
        product: target.product.to_string(),
        purpose: target.purpose.to_string(),
    };
    let body = answer(subject, found)?;
    Ok(partner::served(HttpResponse::Ok(), &admission, Some(charged.product())).json(body))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LatestResponse {
    pub vin: String,
    pub product: String,
    pub purpose: String,
    pub signals: Vec<SignalValueDto>,
    /// Requested paths the consented product does not cover; not returned.
    pub withheld: Vec<String>,
}

/// The latest value of each consented signal of one vehicle.
#[utoipa::path(tag = "vehicles", operation_id = "vehicle_latest",
    params(("vin" = String, Path, description = "Vehicle Identification Number"), LatestQuery),
    responses(
        (status = 200, description = "Latest values", body = LatestResponse),
        (status = 400, description = "Malformed VIN, product, purpose or path", body = Problem, content_type = "application/problem+json"),
        VehicleReadErrors,
    ),
    security(("bearer" = [])))]
#[get("/v1/vehicles/{vin}/latest")]
#[tracing::instrument(skip_all, fields(request_id = %call.ctx().request_id(), app = %call.ctx().principal().app().client_id))]
pub async fn latest(
    call: PartnerCall,
    vin: web::Path<String>,
    query: web::Query<LatestQuery>,
) -> Result<HttpResponse, ApiError> {
    let target = partner::parse_target(&vin, &query.product, &query.purpose)?;
    let paths = partner::parse_paths(
        query
            .paths
            .as_ref()
            .map(|p| p.split(',').map(str::to_owned).collect()),
    )?;
    let read =
        async |charged: &Charged<Read>| Ok(call.gate().latest(call.ctx(), charged, paths).await?);
    serve_read(&call, target, read, |s, snapshot| {
        Ok(LatestResponse {
            vin: s.vin,
            product: s.product,
            purpose: s.purpose,
            signals: values(snapshot.values)?,
            withheld: withheld(&snapshot.withheld),
        })
    })
    .await
}
