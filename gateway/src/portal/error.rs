//! The portal's error family: every way a portal page can fail, each
//! rendered as the page the driver saw before this type existed (the
//! authorization flow's error page, the sign-in page with a message, or a
//! problem for what is not a page). Handlers return `Result<_, PortalError>`;
//! nothing here reads storage.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};

use vdx_identity::IdentityError;

use super::login;
use super::oidc::OidcError;
use crate::authorization::page::PageError;
use crate::problem::ApiError;
use crate::state::AppState;

/// A portal request that failed.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum PortalError {
    /// {0}
    Page(#[from] PageError),
    /// {0}
    SignIn(#[from] SignInError),
    /// {0}
    Api(#[from] ApiError),
}

impl ResponseError for PortalError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Page(e) => e.status_code(),
            Self::SignIn(e) => e.status_code(),
            Self::Api(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Page(e) => e.error_response(),
            Self::SignIn(e) => e.error_response(),
            Self::Api(e) => e.error_response(),
        }
    }
}

/// Why a federated sign-in failed; shown to the driver on the sign-in page.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
pub enum Failure {
    /// the sign-in attempt expired or was started in another browser; please try again
    Stale,
    /// the identity provider refused the sign-in: {0}
    Refused(String),
    /// the identity provider could not be reached or answered wrongly: {0}
    Provider(String),
    /// the identity provider's ID token is not valid: {0}
    BadToken(String),
    /// your {0} account is not linked to a vdx driver; ask your carmaker's support
    NotLinked(String),
    /// the server failed to complete the sign-in
    Internal(String),
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Stale | Self::Refused(_) => StatusCode::BAD_REQUEST,
            Self::Provider(_) | Self::BadToken(_) => StatusCode::BAD_GATEWAY,
            Self::NotLinked(_) => StatusCode::FORBIDDEN,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<IdentityError> for Failure {
    fn from(e: IdentityError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<OidcError> for Failure {
    fn from(e: OidcError) -> Self {
        match e {
            OidcError::Refused(e) => Self::Refused(e),
            OidcError::Unreachable(e) => Self::Provider(e),
            OidcError::BadToken(e) => Self::BadToken(e),
            OidcError::CallbackUrl(e) => Self::Internal(e),
        }
    }
}

/// A federated sign-in that failed: the sign-in page again, with the reason.
#[derive(Debug, displaydoc::Display, thiserror::Error)]
/// {failure}
pub struct SignInError {
    failure: Failure,
    /// For the sign-in page: its provider button and its cookie.
    state: web::Data<AppState>,
}

impl SignInError {
    /// The failure, logged (a warning when the server or the provider failed).
    pub fn new(failure: Failure, state: &web::Data<AppState>) -> Self {
        match &failure {
            Failure::Internal(e) | Failure::Provider(e) => {
                tracing::warn!(error = %e, "federated sign-in failed");
            }
            other => tracing::info!(reason = %other, "federated sign-in refused"),
        }
        Self {
            failure,
            state: web::Data::clone(state),
        }
    }
}

impl ResponseError for SignInError {
    fn status_code(&self) -> StatusCode {
        self.failure.status()
    }

    fn error_response(&self) -> HttpResponse {
        login::page_with_error(
            &self.state,
            self.failure.status(),
            &self.failure.to_string(),
            None,
        )
    }
}
