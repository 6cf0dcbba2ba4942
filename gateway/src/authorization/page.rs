//! The error page of the authorization endpoint: one embedded layout
//! (`assets/authorize.html`, styled by `/assets/vdx.css`), filled with
//! escaped values. Every page forbids framing and loads nothing from
//! elsewhere (CSP `PAGE_CSP`), and is never cached.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::pages::{PAGE_CSP, esc};

const LAYOUT: &str = include_str!("../../assets/authorize.html");

/// A page: `title` is escaped here, `content` must already be safe HTML.
pub fn render(status: StatusCode, title: &str, content: &str) -> HttpResponse {
    let html = LAYOUT
        .replace("{{title}}", &esc(title))
        .replace("{{content}}", content);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", PAGE_CSP))
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-frame-options", "DENY"))
        .insert_header(("referrer-policy", "no-referrer"))
        .body(html)
}

/// An error shown to the driver, never redirected to the client.
pub fn error(status: StatusCode, message: &str) -> HttpResponse {
    render(
        status,
        "Authorization failed",
        &format!(
            "<p class=\"error\" id=\"error\">{}</p>\n<p>Return to the app and start again.</p>",
            esc(message)
        ),
    )
}

/// An error the authorization flow shows on its error page (never redirected
/// to the client).
#[derive(Debug, displaydoc::Display, thiserror::Error)]
/// {message}
pub struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    /// A 400 page saying `message`.
    pub fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// A 500 page; what failed and why go to the log only.
    pub fn server(what: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "{what}");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "the server failed to handle this request".to_owned(),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        error(self.status, &self.message)
    }
}
