//! OEM administration of apps (OAuth clients), behind the `admin` scope:
//! `POST /admin/v1/apps` creates an app (and its partner when missing) and
//! `POST /admin/v1/apps/{client_id}/secret` rotates its client secret (the
//! catalog's unit of work, which here also revokes what the old secret
//! obtained). Both answer the secret exactly once; only its argon2 hash is
//! stored.

use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use vdx_catalog::apps;
use vdx_identity::revocation;

use super::AdminCall;
use crate::problem::{ApiError, Problem};
use crate::revealed::Revealed;
use crate::routes::oauth::lifetimes;
use crate::routes::responses::AdminErrors;

/// An app to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppRequest {
    /// The partner's name; the partner is created if it does not exist.
    pub partner: String,
    /// The app's name, shown to drivers on the consent page.
    pub name: String,
    /// Exact redirect URIs for the authorization code flow (https, or http on localhost).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
}

/// An app's credentials. The secret is shown only in this response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppCredentials {
    pub client_id: String,
    #[schema(value_type = String)]
    pub client_secret: Revealed,
    pub name: String,
    pub partner: String,
    pub redirect_uris: Vec<String>,
}

fn check(body: &NewAppRequest) -> Result<(), ApiError> {
    let mut errors: Vec<String> = body
        .redirect_uris
        .iter()
        .filter_map(|u| apps::check_redirect_uri(u).err().map(|e| e.to_string()))
        .collect();
    for (field, value) in [("partner", &body.partner), ("name", &body.name)] {
        if value.trim().is_empty() || value.len() > 200 {
            errors.push(format!("{field} must have 1 to 200 characters"));
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::Unprocessable {
        code: "INVALID_APP",
        detail: "the app cannot be created as described".into(),
        errors,
    })
}

fn no_such_app(client_id: &str) -> ApiError {
    ApiError::NotFound(format!("there is no app with client_id {client_id:?}"))
}

/// Creates an app and returns its credentials, once.
#[utoipa::path(tag = "admin", operation_id = "admin_create_app",
    request_body = NewAppRequest,
    responses(
        (status = 201, description = "Created; the secret is not shown again", body = AppCredentials),
        AdminErrors,
        (status = 422, description = "Invalid name or redirect URI", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/apps")]
#[tracing::instrument(skip_all, fields(partner = %body.partner))]
pub async fn create(
    call: AdminCall,
    body: web::Json<NewAppRequest>,
) -> Result<HttpResponse, ApiError> {
    check(&body)?;
    let (partner, created) = apps::create(
        call.db(),
        &body.partner,
        &body.name,
        &body.redirect_uris,
        &vdx_core::ScopeSet::default(),
        call.now_ms(),
    )
    .await
    .map_err(ApiError::internal)?;
    tracing::info!(client_id = %created.app.client_id, partner = %partner.name, "app created");
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AppCredentials {
            client_id: created.app.client_id,
            client_secret: Revealed::from(&created.client_secret),
            name: created.app.name,
            partner: partner.name,
            redirect_uris: body.into_inner().redirect_uris,
        }))
}

/// A rotated secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RotatedSecret {
    pub client_id: String,
    /// The new secret; the old one no longer authenticates, and the access
    /// tokens it obtained by client_credentials are revoked.
    #[schema(value_type = String)]
    pub client_secret: Revealed,
}

/// Gives an app a new client secret; the old one stops working at once, and so
/// does every access token it obtained by client_credentials.
#[utoipa::path(tag = "admin", operation_id = "admin_rotate_app_secret",
    params(("client_id" = String, Path, description = "The app's client id")),
    responses(
        (status = 200, description = "The new secret; it is not shown again", body = RotatedSecret),
        AdminErrors,
        (status = 404, description = "No such app", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])))]
#[post("/admin/v1/apps/{client_id}/secret")]
#[tracing::instrument(skip_all, fields(client_id = %client_id))]
pub async fn rotate_secret(
    call: AdminCall,
    client_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // The old secret's client_credentials family is revoked until the last
    // access token it obtained would have expired.
    let now = call.now_ms();
    let until = now
        .saturating_add(lifetimes(call.state()).access_ms)
        .saturating_add(60_000);
    let retire_old = async |txn: &_, old: &vdx_catalog::App| {
        let family = revocation::credential_family(&old.client_secret_hash);
        revocation::revoke(txn, &family, now, until)
            .await
            .map_err(ApiError::from)
    };
    let rotated = apps::rotate_secret_retiring(call.db(), &client_id, retire_old)
        .await?
        .ok_or_else(|| no_such_app(&client_id))?;
    tracing::info!(client_id = %rotated.app.client_id, "client secret rotated");
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(RotatedSecret {
            client_id: rotated.app.client_id,
            client_secret: Revealed::from(&rotated.client_secret),
        }))
}
