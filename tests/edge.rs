//! The edge of the gateway: the landing page at `/`, the problem+json 404 of
//! unknown paths, and the errors actix-http raises before the app sees a
//! request (oversized or malformed request heads, slow clients).

use serde_json::Value;
use vdx_tests::{TestApp, on_both_backends, problem};

async fn the_landing_page_says_what_vdx_is_and_links_every_surface(app: TestApp) {
    let res = app.get_with_header("/", "accept", "text/html").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(html.contains("connected-car data"), "{html}");
    assert!(html.contains(r#"href="/assets/vdx.css""#), "{html}");
    for link in ["/marketplace", "/docs/", "/graphql", "/portal", "/admin"] {
        assert!(
            html.contains(&format!(r#"href="{link}""#)),
            "no link to {link}"
        );
        let page = app.client.get(app.url(link)).send().await.unwrap();
        assert!(
            page.status().is_success() || page.status().is_redirection(),
            "{link} answers {}",
            page.status()
        );
    }
    for bad in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!html.contains(bad), "the page reaches out: {bad}");
    }
}

async fn unknown_paths_are_404_problems_whatever_the_method(app: TestApp) {
    for (method, path) in [
        (reqwest::Method::GET, "/no/such/page"),
        (reqwest::Method::POST, "/v1/nothing-here"),
        (reqwest::Method::DELETE, "/admin/v1/nothing"),
        (reqwest::Method::GET, "/assets/no-such-asset.js"),
    ] {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        problem(res, 404, "NOT_FOUND").await;
    }
}

/// One raw HTTP/1.1 exchange: the status, the headers (names lowercased)
/// and the body of the first response.
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Asserts a problem+json answer with this status and code.
    fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let body: Value = serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body))
        });
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status, "{body}");
        for key in ["type", "title", "detail", "request_id"] {
            assert!(body[key].is_string(), "{key} missing in {body}");
        }
        body
    }
}

/// Reads one response (a head, then `content-length` bytes) from the stream.
async fn read_response(stream: &mut tokio::net::TcpStream, pending: &mut Vec<u8>) -> RawResponse {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tokio::time::timeout_at(deadline, stream.read(&mut chunk))
            .await
            .expect("no response in time")
            .expect("read");
        assert!(
            n > 0,
            "the connection closed before a response: {:?}",
            String::from_utf8_lossy(pending)
        );
        pending.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().expect("content-length"))
        .unwrap_or(0);
    while pending.len() < head_end + length {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut chunk))
            .await
            .expect("no body in time")
            .expect("read");
        assert!(n > 0, "the connection closed in the body");
        pending.extend_from_slice(&chunk[..n]);
    }
    let body = pending[head_end..head_end + length].to_vec();
    pending.drain(..head_end + length);
    RawResponse {
        status,
        headers,
        body,
    }
}

/// Sends `request` as is on a fresh connection; the first response.
async fn raw(app: &TestApp, request: &[u8]) -> RawResponse {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    // The server may answer before it has read everything.
    let _ = stream.write_all(request).await;
    read_response(&mut stream, &mut Vec::new()).await
}

async fn an_oversized_request_head_is_a_431_problem(app: TestApp) {
    // A 200 000-character query string: beyond actix-http's own buffer.
    let target = format!("/v1/marketplace/products?q={}", "a".repeat(200_000));
    let request = format!("GET {target} HTTP/1.1\r\nhost: vdx\r\n\r\n");
    let res = raw(&app, request.as_bytes()).await;
    res.assert_problem(431, "REQUEST_HEAD_TOO_LARGE");
    assert_eq!(res.header("connection"), Some("close"));
    // Under actix-http's buffer but over ours (64 KiB): same answer.
    let request = format!(
        "GET /healthz HTTP/1.1\r\nhost: vdx\r\nx-big: {}\r\n\r\n",
        "b".repeat(100_000)
    );
    raw(&app, request.as_bytes())
        .await
        .assert_problem(431, "REQUEST_HEAD_TOO_LARGE");
    // More header fields than actix-http takes (96).
    let many: String = (0..120).map(|i| format!("x-h{i}: v\r\n")).collect();
    let request = format!("GET /healthz HTTP/1.1\r\nhost: vdx\r\n{many}\r\n");
    raw(&app, request.as_bytes())
        .await
        .assert_problem(431, "REQUEST_HEAD_TOO_LARGE");
}

async fn a_malformed_request_head_is_a_400_problem(app: TestApp) {
    for request in [
        "GET /healthz HTTP/1.1\r\nhost: vdx\r\nbad header line\r\n\r\n",
        "G\x01T / HTTP/1.1\r\nhost: vdx\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n\r\n",
        "POST /v1/ingest HTTP/1.1\r\nhost: vdx\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello",
        "GET /healthz HTTP/9.9\r\nhost: vdx\r\n\r\n",
    ] {
        let res = raw(&app, request.as_bytes()).await;
        let body = res.assert_problem(400, "MALFORMED_REQUEST");
        assert!(
            body["detail"].as_str().unwrap().contains("HTTP/1.1"),
            "{body}"
        );
    }
}

async fn a_request_head_that_never_completes_is_a_408_problem(app: TestApp) {
    let started = std::time::Instant::now();
    let res = raw(&app, b"GET /healthz HTTP/1.1\r\nhost: vd").await;
    res.assert_problem(408, "REQUEST_TIMEOUT");
    assert!(started.elapsed() >= std::time::Duration::from_secs(4));
}

async fn requests_still_share_a_connection_around_the_guard(app: TestApp) {
    use tokio::io::AsyncWriteExt;
    let partner = app.create_partner().await;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    // A body with a keep-alive request behind it, pipelined in one write,
    // then a chunked body, then a request in pieces.
    let token_form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        partner.client_id, partner.client_secret
    );
    let pipelined = format!(
        "POST /oauth/token HTTP/1.1\r\nhost: vdx\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n{token_form}GET /healthz HTTP/1.1\r\nhost: vdx\r\n\r\n",
        token_form.len()
    );
    stream.write_all(pipelined.as_bytes()).await.unwrap();
    let mut pending = Vec::new();
    let token = read_response(&mut stream, &mut pending).await;
    assert_eq!(
        token.status,
        200,
        "{}",
        String::from_utf8_lossy(&token.body)
    );
    let health = read_response(&mut stream, &mut pending).await;
    assert_eq!(health.status, 200);
    let chunked = format!(
        "POST /oauth/token HTTP/1.1\r\nhost: vdx\r\ncontent-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{token_form}\r\n0\r\n\r\n",
        token_form.len()
    );
    stream.write_all(chunked.as_bytes()).await.unwrap();
    assert_eq!(read_response(&mut stream, &mut pending).await.status, 200);
    for piece in ["GET /hea", "lthz HTTP/1.1\r\nho", "st: vdx\r\n", "\r\n"] {
        stream.write_all(piece.as_bytes()).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(read_response(&mut stream, &mut pending).await.status, 200);
    // A bad head after good requests on the same connection.
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n")
        .await
        .unwrap();
    read_response(&mut stream, &mut pending)
        .await
        .assert_problem(400, "MALFORMED_REQUEST");
}

async fn a_broken_chunked_body_is_answered_with_a_problem(app: TestApp) {
    let res = raw(
        &app,
        b"POST /oauth/token HTTP/1.1\r\nhost: vdx\r\ncontent-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nnot hex\r\n0\r\n\r\n",
    )
    .await;
    assert_eq!(res.status, 400, "{}", String::from_utf8_lossy(&res.body));
    assert!(!res.body.is_empty(), "an answer with a body");
}

on_both_backends!(
    the_landing_page_says_what_vdx_is_and_links_every_surface,
    unknown_paths_are_404_problems_whatever_the_method,
    an_oversized_request_head_is_a_431_problem,
    a_malformed_request_head_is_a_400_problem,
    a_request_head_that_never_completes_is_a_408_problem,
    requests_still_share_a_connection_around_the_guard,
    a_broken_chunked_body_is_answered_with_a_problem,
);
