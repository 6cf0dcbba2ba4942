//! The gateway's own pages (GraphQL console, admin console, marketplace).
//! Every asset is embedded in the binary and served from `/assets`; nothing
//! loads from a CDN, and the CSP allows only this origin.

use actix_web::{HttpResponse, web};

const CONSOLE_HTML: &str = include_str!("../assets/console.html");
const CONSOLE_JS: &str = include_str!("../assets/console.js");
const STYLE_CSS: &str = include_str!("../assets/vdx.css");
const ADMIN_HTML: &str = include_str!("../assets/admin.html");
const ADMIN_JS: &str = include_str!("../assets/admin.js");
const MARKETPLACE_HTML: &str = include_str!("../assets/marketplace.html");
const MARKETPLACE_JS: &str = include_str!("../assets/marketplace.js");

/// Content-Security-Policy for our pages: only our own origin.
pub const PAGE_CSP: &str = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn page(html: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", PAGE_CSP))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(html)
}

/// `GET /graphql`: the query console.
pub async fn console() -> HttpResponse {
    page(CONSOLE_HTML)
}

/// `GET /admin`: the OEM admin console.
pub async fn admin() -> HttpResponse {
    page(ADMIN_HTML)
}

/// `GET /marketplace`: the partner-facing marketplace.
pub async fn marketplace() -> HttpResponse {
    page(MARKETPLACE_HTML)
}

/// `GET /assets/{name}`: the embedded static assets.
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    let (body, content_type) = match name.as_str() {
        "console.js" => (CONSOLE_JS, "text/javascript; charset=utf-8"),
        "admin.js" => (ADMIN_JS, "text/javascript; charset=utf-8"),
        "marketplace.js" => (MARKETPLACE_JS, "text/javascript; charset=utf-8"),
        "vdx.css" => (STYLE_CSS, "text/css; charset=utf-8"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(body)
}
