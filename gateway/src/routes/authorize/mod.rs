//! The authorization endpoint (RFC 6749 §4.1 with PKCE S256, RFC 7636). The
//! consent screen itself lives in the driver portal ([`crate::portal`]).
//!
//! `GET /oauth/authorize` checks `client_id` and `redirect_uri` first: an
//! unknown client or a redirect URI that is not exactly registered gets an
//! error page and is never redirected to (no open redirect). Every later
//! error is redirected to the client with `error`, `error_description`,
//! `state` and `iss` (RFC 6749 §4.1.2.1, RFC 9207). `plain` PKCE is refused.
//! A valid request is stored ([`vdx_identity::pending`]) and the browser is
//! sent to `/portal/authorize`, where the driver signs in if needed, reads
//! what is asked in plain words, and decides.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use vdx_catalog::{App, CatalogError, ProductVersion};
use vdx_core::{Purpose, Scope, ScopeSet};

use vdx_identity::{codes, pending};

use crate::authorization::page::PageError;
use crate::authorization::{Back, NotOffered, offers};
use crate::routes::oauth::parse_form;
use crate::state::AppState;

/// Whether `redirect_uri` is exactly one of the app's; a stored list that
/// does not parse is a server fault, never "none registered".
fn registered(app: &App, redirect_uri: &str) -> Result<bool, PageError> {
    let uris: Vec<String> = serde_json::from_str(&app.redirect_uris)
        .map_err(|e| PageError::server("an app's stored redirect URIs are corrupt", e))?;
    Ok(uris.iter().any(|r| r == redirect_uri))
}

/// Checks everything after client and redirect URI; the error is `(error, description)`.
async fn validate(
    state: &AppState,
    app: &App,
    query: &HashMap<String, String>,
    redirect_uri: &str,
) -> Result<Result<pending::AuthorizeParams, (&'static str, String)>, CatalogError> {
    let get = |k: &str| query.get(k).map(String::as_str);
    if get("response_type") != Some("code") {
        return Ok(Err((
            "unsupported_response_type",
            "only response_type=code is supported".into(),
        )));
    }
    let Some(challenge) = get("code_challenge") else {
        return Ok(Err((
            "invalid_request",
            "PKCE is required: send code_challenge and code_challenge_method=S256".into(),
        )));
    };
    if get("code_challenge_method") != Some("S256") {
        return Ok(Err((
            "invalid_request",
            "code_challenge_method must be S256; plain is not accepted".into(),
        )));
    }
    if !codes::valid_challenge(challenge) {
        return Ok(Err((
            "invalid_request",
            "code_challenge must be the 43-character base64url SHA-256 of the verifier".into(),
        )));
    }
    let Some(requested) = get("scope").filter(|s| !s.trim().is_empty()) else {
        return Ok(Err(("invalid_scope", "scope is required".into())));
    };
    let requested = match ScopeSet::parse(requested) {
        Ok(scope) => scope,
        Err(e) => return Ok(Err(("invalid_scope", e.to_string()))),
    };
    let allowed = vdx_catalog::marketplace::allowed_scopes(state.db_bypassing_gate(), app).await?;
    let granted = requested.intersection(&allowed);
    if granted.is_empty()
        || granted
            .iter()
            .any(|s| matches!(s, Scope::Admin | Scope::Ingest))
    {
        return Ok(Err((
            "invalid_scope",
            "none of the requested scopes can be authorised for this client".into(),
        )));
    }
    let wanted = get("purpose").map(Purpose::parse).transpose();
    let wanted = match wanted {
        Ok(p) => p,
        Err(e) => return Ok(Err(("invalid_request", e.to_string()))),
    };
    let choose = |v: &ProductVersion| match (&wanted, v.purposes.as_slice()) {
        (Some(p), _) if v.allows_purpose(p) => Ok(p.clone()),
        (Some(p), _) => Err(NotOffered(format!(
            "product {} may not be used for purpose {p}",
            v.slug
        ))),
        (None, [only]) => Ok(only.clone()),
        (None, _) => Err(NotOffered(format!(
            "product {} has several purposes: name one with purpose=",
            v.slug
        ))),
    };
    let offers = match offers(state.db_bypassing_gate(), app.id, &granted, choose).await? {
        Ok(offers) => offers,
        Err(e) => return Ok(Err(("invalid_request", e.0))),
    };
    Ok(Ok(pending::AuthorizeParams {
        redirect_uri: redirect_uri.to_owned(),
        scope: granted.to_string(),
        state: get("state").map(str::to_owned),
        code_challenge: challenge.to_owned(),
        purposes: offers
            .iter()
            .map(|o| (o.version.slug.to_string(), o.purpose.to_string()))
            .collect(),
    }))
}

/// Starts an authorization: validates the request and sends the browser to the consent screen.
pub async fn authorize(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let query =
        parse_form(req.query_string().as_bytes()).map_err(|e| PageError::bad(e.to_string()))?;
    let client_id = query
        .get("client_id")
        .ok_or_else(|| PageError::bad("client_id is required"))?;
    let app = vdx_catalog::marketplace::find_app_by_client_id(state.db_bypassing_gate(), client_id)
        .await
        .map_err(|e| PageError::server("client lookup failed", e))?
        .ok_or_else(|| PageError::bad("the client is unknown"))?;
    let redirect_uri = query
        .get("redirect_uri")
        .ok_or_else(|| PageError::bad("redirect_uri is required"))?;
    if !registered(&app, redirect_uri)? || url::Url::parse(redirect_uri).is_err() {
        return Err(PageError::bad(
            "the redirect_uri is not registered for this client; vdx redirects only to exactly registered URIs",
        ));
    }
    let back = Back {
        redirect_uri,
        state: query.get("state").map(String::as_str),
        issuer: state.tokens.issuer(),
    };
    let checked = validate(&state, &app, &query, redirect_uri)
        .await
        .map_err(|e| PageError::server("authorization request check failed", e))?;
    let params = match checked {
        Ok(params) => params,
        Err((error, description)) => return back.error(error, &description),
    };
    let request = pending::create(state.db_bypassing_gate(), app.id, &params, state.now_ms())
        .await
        .map_err(|e| PageError::server("cannot store the authorization request", e))?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/portal/authorize?request={request}"),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
