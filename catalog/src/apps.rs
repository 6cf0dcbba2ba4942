//! Administering apps (OAuth clients): creating one for a partner (the
//! partner is created when missing) and rotating its client secret. The
//! secret is returned once and only its argon2 hash is stored; after a
//! rotation the old secret no longer authenticates. Redirect URIs are
//! checked here and matched exactly, character for character, at
//! authorization time.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, IntoActiveModel,
};
use vdx_core::{ScopeSet, secret};

use crate::CatalogError;
use crate::entity::{app, partner};
use crate::marketplace::{self, NewApp};

/// Checks a redirect URI for registration: an absolute `https` URL (or
/// `http` on a loopback host, for native apps), without a fragment
/// (RFC 6749 §3.1.2). Returns why it is refused.
pub fn check_redirect_uri(raw: &str) -> Result<(), RedirectUriError> {
    let url = url::Url::parse(raw).map_err(|e| RedirectUriError::NotAbsolute {
        uri: raw.to_owned(),
        reason: e.to_string(),
    })?;
    if url.fragment().is_some() {
        return Err(RedirectUriError::Fragment(raw.to_owned()));
    }
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        other => Err(RedirectUriError::Scheme {
            uri: raw.to_owned(),
            scheme: other.to_owned(),
        }),
    }
}

/// Why a redirect URI cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, displaydoc::Display, thiserror::Error)]
pub enum RedirectUriError {
    /// {uri:?} is not an absolute URL: {reason}
    NotAbsolute { uri: String, reason: String },
    /// {0:?} has a fragment; redirect URIs may not
    Fragment(String),
    /// {uri:?} uses {scheme}; use https (or http on localhost)
    Scheme { uri: String, scheme: String },
}

/// Finds the partner named `name`, creating it when missing.
pub async fn partner_named(
    db: &impl ConnectionTrait,
    name: &str,
    now_ms: i64,
) -> Result<partner::Model, CatalogError> {
    match marketplace::find_partner_by_name(db, name).await? {
        Some(found) => Ok(found),
        None => marketplace::create_partner(db, name, now_ms).await,
    }
}

/// Creates an app for partner `partner` (created when missing). Callers
/// check the redirect URIs with [`check_redirect_uri`] first.
pub async fn create(
    db: &impl ConnectionTrait,
    partner: &str,
    name: &str,
    redirect_uris: &[String],
    direct_scopes: &ScopeSet,
    now_ms: i64,
) -> Result<(partner::Model, NewApp), CatalogError> {
    if direct_scopes
        .iter()
        .any(|s| !matches!(s, vdx_core::Scope::Admin | vdx_core::Scope::Ingest))
    {
        return Err(CatalogError::Invalid("only the OEM scopes admin and ingest can be granted directly; product scopes come from subscriptions".into()));
    }
    let partner = partner_named(db, partner, now_ms).await?;
    let app =
        marketplace::create_app(db, partner.id, name, redirect_uris, direct_scopes, now_ms).await?;
    Ok((partner, app))
}

/// Gives the app a new client secret; the old one stops working at once.
/// `None` if there is no such app.
pub async fn rotate_secret(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<NewApp>, CatalogError> {
    let Some(found) = marketplace::find_app_by_client_id(db, client_id).await? else {
        return Ok(None);
    };
    let client_secret = secret::generate("vdxs_");
    let hash = secret::hash(&client_secret).map_err(|e| CatalogError::Hashing(e.to_string()))?;
    let mut active = found.into_active_model();
    active.client_secret_hash = Set(hash);
    let app: app::Model = active.update(db).await?;
    Ok(Some(NewApp {
        app,
        client_secret: client_secret.into(),
    }))
}

/// Gives the app `client_id` a new client secret, in one transaction with
/// `retire`, which ends what the old secret obtained. Tokens are not the
/// catalog's: the caller's `retire` gets the transaction and the app as it
/// was before (with the old secret's hash) and writes to its own storage.
/// If `retire` fails, nothing changes. `None`: there is no such app.
pub async fn rotate_secret_retiring<E>(
    db: &DatabaseConnection,
    client_id: &str,
    retire: impl AsyncFnOnce(&DatabaseTransaction, &app::Model) -> Result<(), E>,
) -> Result<Option<NewApp>, E>
where
    E: From<CatalogError> + From<DbErr>,
{
    let txn = vdx_core::db::begin_write(db).await?;
    let Some(old) = marketplace::find_app_by_client_id(&txn, client_id).await? else {
        return Ok(None);
    };
    let Some(rotated) = rotate_secret(&txn, client_id).await? else {
        return Ok(None);
    };
    retire(&txn, &old).await?;
    txn.commit().await?;
    Ok(Some(rotated))
}

#[cfg(test)]
mod tests {
    use super::check_redirect_uri;

    #[test]
    fn only_https_or_loopback_redirect_uris_without_fragments_register() {
        assert!(check_redirect_uri("https://app.example/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:8400/cb").is_ok());
        assert!(check_redirect_uri("http://app.example/cb").is_err());
        assert!(check_redirect_uri("https://app.example/cb#x").is_err());
        assert!(check_redirect_uri("/relative").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
        assert_eq!(
            check_redirect_uri("http://app.example/cb")
                .unwrap_err()
                .to_string(),
            "\"http://app.example/cb\" uses http; use https (or http on localhost)"
        );
        assert_eq!(
            check_redirect_uri("https://app.example/cb#x")
                .unwrap_err()
                .to_string(),
            "\"https://app.example/cb#x\" has a fragment; redirect URIs may not"
        );
    }
}
