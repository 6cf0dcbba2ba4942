//! What an OAuth authorization request offers the driver, shared by the
//! authorization endpoint (`routes::authorize`, which validates the request)
//! and the portal's consent screen (`portal::authorize`, which puts it to the
//! driver): the products behind the requested scopes ([`offers`]), the way
//! back to the client ([`Back`]) and the error page ([`page`]). Neither side
//! imports the other.

pub mod page;

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::header;
use vdx_catalog::{CatalogError, ProductVersion};
use vdx_core::{AppId, ProductSlug, Purpose, Scope, ScopeSet};

use self::page::PageError;

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
