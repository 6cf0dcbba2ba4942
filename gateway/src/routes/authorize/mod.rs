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

pub mod page;

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use vdx_catalog::{App, CatalogError, ProductVersion};
use vdx_core::{AppId, ProductSlug, Purpose, Scope, ScopeSet};

use vdx_identity::{codes, pending};

use self::page::PageError;
use crate::routes::oauth::parse_form;
use crate::state::AppState;

/// A product the driver is asked to consent to, under one purpose.
#[derive(Debug, Clone)]
pub struct Offer {
    pub version: ProductVersion,
    pub purpose: Purpose,
    /// `read`, `command` or `read command`: the consent's scopes.
    pub actions: String,
}

/// Where errors go once the redirect URI is known to be registered.
pub struct Back<'a> {
    pub redirect_uri: &'a str,
    pub state: Option<&'a str>,
    pub issuer: &'a str,
}

/// Why a scope cannot be put to the driver; the client hears it as
/// `invalid_request`.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
/// {0}
pub struct NotOffered(pub String);

impl Back<'_> {
    /// The redirect to the client with `pairs`, `state` and `iss`.
    pub fn to(&self, pairs: &[(&str, &str)]) -> Result<HttpResponse, PageError> {
        let mut url = url::Url::parse(self.redirect_uri)
            .map_err(|_| PageError::bad("the redirect URI is malformed"))?;
        {
            let mut query = url.query_pairs_mut();
            for (k, v) in pairs {
                query.append_pair(k, v);
            }
            if let Some(state) = self.state {
                query.append_pair("state", state);
            }
            query.append_pair("iss", self.issuer);
        }
        Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, url.to_string()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish())
    }

    /// The redirect to the client with `error` and `error_description`.
    pub fn error(&self, error: &str, description: &str) -> Result<HttpResponse, PageError> {
        self.to(&[("error", error), ("error_description", description)])
    }
}

/// Whether `redirect_uri` is exactly one of the app's; a stored list that
/// does not parse is a server fault, never "none registered".
fn registered(app: &App, redirect_uri: &str) -> Result<bool, PageError> {
    let uris: Vec<String> = serde_json::from_str(&app.redirect_uris)
        .map_err(|e| PageError::server("an app's stored redirect URIs are corrupt", e))?;
    Ok(uris.iter().any(|r| r == redirect_uri))
}

/// The products behind product scopes, each with the purpose `choose` picks.
/// `Ok(Err(_))` when a scope or purpose cannot be consented to.
pub async fn offers(
    db: &sea_orm::DatabaseConnection,
    app: AppId,
    scope: &ScopeSet,
    choose: impl Fn(&ProductVersion) -> Result<Purpose, NotOffered>,
) -> Result<Result<Vec<Offer>, NotOffered>, CatalogError> {
    let mut products: BTreeMap<ProductSlug, Vec<&str>> = BTreeMap::new();
    for s in scope.iter() {
        match s {
            Scope::Read(slug) => products.entry(slug.clone()).or_default().push("read"),
            Scope::Command(slug) => products.entry(slug.clone()).or_default().push("command"),
            other => {
                return Ok(Err(NotOffered(format!(
                    "scope {other} cannot be authorised by a driver; ask for read:<product> or command:<product>"
                ))));
            }
        }
    }
    let mut offers = Vec::new();
    for (slug, actions) in products {
        let Some(product) = vdx_catalog::product::find_product(db, &slug).await? else {
            return Ok(Err(NotOffered(format!("there is no data product {slug}"))));
        };
        let Some(sub) = vdx_catalog::marketplace::active_subscription(db, app, product.id).await?
        else {
            return Ok(Err(NotOffered(format!(
                "the app has no active subscription to {slug}"
            ))));
        };
        let Some(version) = vdx_catalog::product::version_by_id(db, sub.product_version_id).await?
        else {
            return Ok(Err(NotOffered(format!(
                "the app's version of {slug} no longer exists"
            ))));
        };
        let purpose = match choose(&version) {
            Ok(purpose) => purpose,
            Err(e) => return Ok(Err(e)),
        };
        offers.push(Offer {
            version,
            purpose,
            actions: actions.join(" "),
        });
    }
    Ok(Ok(offers))
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
