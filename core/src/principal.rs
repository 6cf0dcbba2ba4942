//! Who is calling, as established by a verified access token. Only the gateway's
//! token verifier constructs one; everything downstream takes it by reference.

use crate::{AppId, DriverId, PartnerId, Scope, ScopeSet};

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub enum Principal {
    /// An OAuth client: a partner's or the OEM's app, acting for itself
    /// (client_credentials) or for a driver who authorised it (authorization code).
    App(AppPrincipal),
}

#[derive(Debug, Clone)]
pub struct AppPrincipal {
    pub app_id: AppId,
    pub partner_id: PartnerId,
    pub client_id: String,
    pub scopes: ScopeSet,
    /// The token's `jti`, for the access log and revocation.
    pub token_id: String,
    /// The driver who authorised the app, for tokens from the authorization
    /// code flow; the token then reaches only that driver's consents.
    pub driver_id: Option<DriverId>,
}

impl Principal {
    pub fn scopes(&self) -> &ScopeSet {
        match self {
            Self::App(app) => &app.scopes,
        }
    }

    pub fn has_scope(&self, scope: &Scope) -> bool {
        self.scopes().contains(scope)
    }

    pub fn app(&self) -> &AppPrincipal {
        match self {
            Self::App(app) => app,
        }
    }
}
