//! RFC 8414 authorization server metadata and the JWKS (RFC 7517). The
//! metadata alone is enough for a standard client to find every endpoint.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::problem::ApiError;
use crate::state::AppState;

/// The scopes a client may ask for: the OEM's own and those of every product.
async fn scopes_supported(state: &AppState) -> Result<Vec<String>, ApiError> {
    let mut scopes = vec!["admin".to_owned(), "ingest".to_owned()];
    let products = vdx_catalog::admin::all_products(state.db_bypassing_gate()).await?;
    for (product, versions) in products {
        scopes.push(format!("read:{}", product.slug));
        if versions.iter().any(|v| !v.commands.is_empty()) {
            scopes.push(format!("command:{}", product.slug));
        }
    }
    Ok(scopes)
}

/// RFC 8414 authorization server metadata.
#[utoipa::path(tag = "oauth", operation_id = "oauth_metadata",
    responses((status = 200, description = "Authorization server metadata", body = serde_json::Value)))]
#[get("/.well-known/oauth-authorization-server")]
pub async fn metadata(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let base = &state.base_url;
    let auth_methods = ["client_secret_basic", "client_secret_post"];
    let scopes = scopes_supported(&state).await?;
    Ok(HttpResponse::Ok().json(json!({
        "issuer": state.tokens.issuer(),
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "introspection_endpoint": format!("{base}/oauth/introspect"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": scopes,
        "service_documentation": format!("{base}/docs"),
    })))
}

/// The public keys that verify access tokens (RFC 7517).
#[utoipa::path(tag = "oauth", operation_id = "jwks",
    responses((status = 200, description = "JSON Web Key Set", body = serde_json::Value)))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(state.tokens.jwks().await)
}
