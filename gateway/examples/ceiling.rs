//! The benchmark's ceiling: a bare actix-web handler that returns a fixed
//! JSON body (the same bytes the policy-enforcing endpoint returned), with no
//! token, limit, consent, filter or log. `scripts/bench` runs it in the same
//! run as the real gateway. Usage: `ceiling PORT BODY_FILE`.

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(18080);
    let body = match args.next() {
        Some(path) => std::fs::read(path)?,
        None => b"{}".to_vec(),
    };
    let body = web::Bytes::from(body);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
