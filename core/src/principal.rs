//! Who is calling, as established by a verified access token. Only the gateway's
//! token verifier constructs one; everything downstream takes it by reference.

use crate::{AppId, PartnerId, Scope, ScopeSet};

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub enum Principal {
    /// An OAuth client acting for itself (client_credentials): a partner's or the OEM's app.
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
