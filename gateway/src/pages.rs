//! The gateway's own pages (landing page, GraphiQL, admin console, marketplace). Every
//! asset is embedded in the binary and served from `/assets`; nothing loads
//! from a CDN, and the CSP allows only this origin. GraphiQL and React come
//! from the npm registry through `./scripts/web-assets` (see `build.rs`).

use actix_web::{HttpResponse, web};

/// A file of an npm module, embedded from `VDX_WEB_MODULES` (see `build.rs`).
macro_rules! web_module {
    ($path:literal) => {
        include_bytes!(concat!(env!("VDX_WEB_MODULES"), "/", $path))
    };
}

const GRAPHIQL_HTML: &str = include_str!("../assets/graphiql.html");
const GRAPHIQL_VDX_JS: &[u8] = include_bytes!("../assets/graphiql-vdx.js");
const GRAPHIQL_VDX_CSS: &[u8] = include_bytes!("../assets/graphiql-vdx.css");
const GRAPHIQL_JS: &[u8] = web_module!("graphiql/graphiql.min.js");
const GRAPHIQL_CSS: &[u8] = web_module!("graphiql/graphiql.min.css");
const REACT_JS: &[u8] = web_module!("react/umd/react.production.min.js");
const REACT_DOM_JS: &[u8] = web_module!("react-dom/umd/react-dom.production.min.js");
const INDEX_HTML: &str = include_str!("../assets/index.html");
const STYLE_CSS: &str = include_str!("../assets/vdx.css");
const ADMIN_HTML: &str = include_str!("../assets/admin.html");
const ADMIN_JS: &str = include_str!("../assets/admin.js");
const ADMIN_KIT_JS: &str = include_str!("../assets/admin-kit.js");
const MARKETPLACE_HTML: &str = include_str!("../assets/marketplace.html");
const MARKETPLACE_JS: &str = include_str!("../assets/marketplace.js");

/// Content-Security-Policy for our pages: only our own origin.
pub const PAGE_CSP: &str = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// GraphiQL's CSP: ours, plus the fonts its stylesheet carries as `data:` URLs.
const GRAPHIQL_CSP: &str = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// HTML-escapes text for element content and attribute values: the one
/// escaper behind the portal's and the authorization endpoint's pages.
pub fn esc(raw: &str) -> String {
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

fn page(html: &'static str) -> HttpResponse {
    page_with(html, PAGE_CSP)
}

fn page_with(html: &'static str, csp: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", csp))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(html)
}

/// `GET /`: what vdx is, and links to every surface.
pub async fn index() -> HttpResponse {
    page(INDEX_HTML)
}

/// `GET /graphql`: GraphiQL.
pub async fn graphiql() -> HttpResponse {
    page_with(GRAPHIQL_HTML, GRAPHIQL_CSP)
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
    const JS: &str = "text/javascript; charset=utf-8";
    const CSS: &str = "text/css; charset=utf-8";
    let (body, content_type): (&'static [u8], _) = match name.as_str() {
        "admin.js" => (ADMIN_JS.as_bytes(), JS),
        "admin-kit.js" => (ADMIN_KIT_JS.as_bytes(), JS),
        "marketplace.js" => (MARKETPLACE_JS.as_bytes(), JS),
        "vdx.css" => (STYLE_CSS.as_bytes(), CSS),
        "graphiql-vdx.js" => (GRAPHIQL_VDX_JS, JS),
        "graphiql-vdx.css" => (GRAPHIQL_VDX_CSS, CSS),
        "graphiql.min.js" => (GRAPHIQL_JS, JS),
        "graphiql.min.css" => (GRAPHIQL_CSS, CSS),
        "react.production.min.js" => (REACT_JS, JS),
        "react-dom.production.min.js" => (REACT_DOM_JS, JS),
        _ => {
            return actix_web::ResponseError::error_response(&crate::problem::ApiError::NotFound(
                format!("no asset {name}"),
            ));
        }
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("cache-control", "public, max-age=3600"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(body)
}
