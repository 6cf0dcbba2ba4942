//! The HTML of the authorization pages: one embedded layout
//! (`assets/authorize.html`, styled by `/assets/vdx.css`), filled with
//! escaped values. Every page forbids framing and loads nothing from
//! elsewhere (CSP `PAGE_CSP`), and is never cached.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::pages::PAGE_CSP;

const LAYOUT: &str = include_str!("../../../assets/authorize.html");

/// Escapes text for HTML content and attribute values.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page: `title` is escaped here, `content` must already be safe HTML.
pub fn render(status: StatusCode, title: &str, content: &str) -> HttpResponse {
    let html = LAYOUT
        .replace("{{title}}", &escape(title))
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
            escape(message)
        ),
    )
}

/// The hidden fields every form of the flow carries.
pub fn hidden(request: &str, csrf_token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"request\" value=\"{}\">\n<input type=\"hidden\" name=\"csrf_token\" value=\"{}\">",
        escape(request),
        escape(csrf_token)
    )
}

/// The login form.
pub fn login(app_name: &str, products: &[String], hidden: &str, problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p class=\"error\" id=\"error\">{}</p>\n", escape(p)))
        .unwrap_or_default();
    format!(
        "<p><strong>{}</strong> asks to access data of your vehicles: {}.</p>\n{problem}\
<form method=\"post\" action=\"/oauth/authorize\">\n{hidden}\n\
<label for=\"username\">Username</label>\n<input id=\"username\" name=\"username\" autocomplete=\"username\" required>\n\
<label for=\"password\">Password</label>\n<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\n\
<button type=\"submit\">Log in</button>\n</form>",
        escape(app_name),
        escape(&products.join(", "))
    )
}
