//! Browser tests: Debian's headless Chromium driven through chromedriver by
//! fantoccini, against the real gateway. Screenshots go to `tests/artifacts/`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use vdx_tests::world::{Driver, ProductSpec};
use vdx_tests::{Backend, TestApp};

/// A chromedriver process and a WebDriver session on a fresh profile.
pub(crate) struct Browser {
    pub(crate) client: Client,
    /// chromedriver's port, for WebDriver commands fantoccini does not wrap.
    port: u16,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// With extra Chromium flags, e.g. `--force-dark-mode`.
    pub(crate) async fn start_with(extra: &[&str]) -> Self {
        Self::launch(extra, None).await
    }

    /// A phone: Chromium's mobile emulation at `width` × `height` CSS pixels
    /// (a mobile viewport, so a page without `<meta name=viewport>` is laid
    /// out 980 px wide, as on a real phone).
    pub(crate) async fn phone(width: u32, height: u32) -> Self {
        Self::launch(
            &[],
            Some(json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 3.0, "mobile": true, "touch": true },
            })),
        )
        .await
    }

    async fn launch(extra: &[&str], mobile_emulation: Option<serde_json::Value>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is missing: ./scripts/test installs chromium-driver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        // fantoccini's HTTP client is built on rustls; we only speak plain HTTP to chromedriver.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,1000",
        ]
        .map(str::to_owned)
        .to_vec();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let mut options = json!({ "binary": "/usr/bin/chromium", "args": args });
        if let Some(emulation) = mobile_emulation {
            options["mobileEmulation"] = emulation;
        }
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("WebDriver session");
        Self {
            client,
            port,
            driver,
            _profile: profile,
        }
    }

    /// The ARIA role Chromium computes for the element (WebDriver "Get Computed Role").
    pub(crate) async fn computed_role(&self, css: &str) -> String {
        let element = self.client.find(Locator::Css(css)).await.unwrap();
        let session = self.client.session_id().await.unwrap().unwrap();
        let url = format!(
            "http://127.0.0.1:{}/session/{session}/element/{}/computedrole",
            self.port,
            element.element_id()
        );
        let answer: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        answer["value"].as_str().unwrap_or_default().to_owned()
    }

    /// Waits for the element `locator` finds.
    pub(crate) async fn wait_for(&self, locator: Locator<'_>) -> fantoccini::elements::Element {
        self.client.wait().for_element(locator).await.unwrap()
    }

    /// Waits for the element `locator` finds, and clicks it.
    pub(crate) async fn press(&self, locator: Locator<'_>) {
        self.wait_for(locator).await.click().await.unwrap();
    }

    pub(crate) async fn fill(&self, css: &str, text: &str) {
        let field = self.wait_for(Locator::Css(css)).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub(crate) async fn click(&self, css: &str) {
        self.press(Locator::Css(css)).await;
    }

    /// Waits until the element's text contains `needle`.
    pub(crate) async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{css} never showed {needle:?}; it shows {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn screenshot(&self, name: &str) {
        self.client.execute("document.querySelectorAll('details').forEach(d => d.open = false); window.scrollTo(0, 0);", vec![]).await.unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("{name}.png")),
            self.client.screenshot().await.unwrap(),
        )
        .unwrap();
    }

    pub(crate) async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A browser on `/admin`, signed in with the OEM admin client.
pub(crate) async fn admin_signed_in(app: &TestApp) -> Browser {
    let browser = Browser::start().await;
    browser.client.goto(&app.url("/admin")).await.unwrap();
    browser.fill("#client-id", &app.creds.admin.client_id).await;
    browser
        .fill("#client-secret", &app.creds.admin.client_secret)
        .await;
    browser.click("#login-form button[type=submit]").await;
    browser.wait_text("#status", "Signed in").await;
    browser
}

/// Signs a driver in through the portal's login form.
pub(crate) async fn sign_in(browser: &Browser, app: &TestApp, driver: &Driver) {
    let (username, password) = (&driver.username, &driver.password);
    browser
        .client
        .goto(&app.url("/portal/login"))
        .await
        .unwrap();
    browser.fill("#username", username).await;
    browser.fill("#password", password).await;
    browser.click("form[action='/portal/login'] button").await;
    browser.wait_text("main", "Signed in as").await;
}

impl Drop for Browser {
    /// Also when a test fails half-way: no chromedriver (or Chromium) outlives it.
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_publishes_a_product_and_approves_a_subscription_in_the_console() {
    // A partner with an app and no subscription yet: an empty marketplace.
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    let partner = app.create_partner().await;
    let browser = admin_signed_in(&app).await;

    // Import the real VSS catalog through the file picker.
    let vss = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/vss/vss.json")
        .canonicalize()
        .unwrap();
    browser.click("#import-details summary").await;
    browser
        .wait_for(Locator::Css("#vss-file"))
        .await
        .send_keys(vss.to_str().unwrap())
        .await
        .unwrap();
    browser.click("#import-form button[type=submit]").await;
    browser.wait_text("#status", "Catalog imported").await;

    // Create a product, draft its first version, publish it, add a plan.
    browser
        .click("#tab-products details:nth-of-type(2) summary")
        .await;
    browser.fill("#p-slug", "battery-health").await;
    browser.fill("#p-name", "Battery health").await;
    browser
        .fill(
            "#p-description",
            "State of charge and range, for smart charging.",
        )
        .await;
    browser.click("#product-form button[type=submit]").await;
    browser.wait_text("#status", "Product created").await;

    browser.click("#version-details summary").await;
    browser.fill("#v-version", "1.0.0").await;
    browser.fill("#v-signals", "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current\nVehicle.Powertrain.TractionBattery.Range").await;
    browser
        .click("#v-purposes input[value=smart_charging]")
        .await;
    browser.click("#version-form button[type=submit]").await;
    browser
        .wait_text("#status", "Draft 1.0.0 of battery-health saved")
        .await;
    browser
        .click("button[data-action=publish][data-product=battery-health]")
        .await;
    browser.click("dialog#confirm[open] #confirm-ok").await;
    browser.wait_text("#status", "publish done").await;
    browser
        .wait_text("#product-battery-health", "published")
        .await;

    browser
        .click("#tab-products details:nth-of-type(4) summary")
        .await;
    browser.click("#plan-form button[type=submit]").await;
    browser
        .wait_text("#status", "Plan added to battery-health")
        .await;
    browser.screenshot("admin-console-published").await;

    // The partner asks for it; the admin approves it in the console.
    let token = app.partner_token(&partner).await;
    let res = app
        .call(
            reqwest::Method::POST,
            "/v1/subscriptions",
            Some(&token),
            Some(json!({"product": "battery-health", "version": "1.0.0", "plan": "standard"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.scopes_of(&partner).await, "");
    browser.click("button[data-tab=subscriptions]").await;
    browser.click("button[data-decision=approve]").await;
    browser.wait_text("#subscriptions", "active").await;
    browser.screenshot("admin-console-approved").await;

    // A fresh token now carries the product's scope.
    assert_eq!(app.scopes_of(&partner).await, "read:battery-health");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_grants_revokes_and_reads_the_access_history_in_the_portal() {
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    // A driver's car that has reported, not shared with the partner yet.
    let spec = ProductSpec::charging();
    let (partner, product) = app.subscribed(&spec).await;
    let driver = app.create_driver().await;
    let vin = app.create_vehicle(&driver).await;
    app.report(&vin, &spec.reported, chrono::Utc::now().timestamp_millis())
        .await;
    let token = app.partner_token(&partner).await;
    let (slug, purpose) = product.asked_for();
    let read = || app.rest_latest(&token, &vin, slug, purpose);
    assert_eq!(read().await.status(), 403, "nothing is shared yet");

    let browser = Browser::start().await;
    sign_in(&browser, &app, &driver).await;
    browser.screenshot("portal-home").await;

    // Grant the partner smart charging on the car.
    browser.click("a[href='/portal/grant']").await;
    browser.wait_text("main", "Share data").await;
    // The car, and the partner's offer (the option whose text starts with its name).
    browser
        .client
        .execute(
            "document.getElementById('vin').value = arguments[0]; \
             const offer = [...document.querySelectorAll('#offer option')].find(o => o.textContent.startsWith(arguments[1])); \
             document.getElementById('offer').value = offer.value;",
            vec![json!(vin), json!(partner.name)],
        )
        .await
        .unwrap();
    browser.fill("#days", "30").await;
    browser.screenshot("portal-grant").await;
    browser.click("#grant-form button[type=submit]").await;
    browser.wait_text("#active-consents", &vin).await;
    assert_eq!(read().await.status(), 200, "the grant takes effect at once");

    // The partner's call shows up in the access history.
    browser.click("a[href='/portal/access']").await;
    browser.wait_text("#access-history", &partner.name).await;
    browser.screenshot("portal-access-history").await;

    // Revoke (and confirm): the partner's next call fails, without any restart.
    browser.click("a[href='/portal']").await;
    let consent_row = browser
        .wait_for(Locator::XPath(&format!(
            "//table[@id='active-consents']//tr[td/code='{vin}']"
        )))
        .await;
    consent_row
        .find(Locator::LinkText("Revoke"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.click("#revoke-form button[type=submit]").await;
    browser
        .wait_text("#past-consents", "revoked by driver")
        .await;
    browser.screenshot("portal-revoked").await;
    assert_eq!(read().await.status(), 403);
    browser.close().await;
}

/// A partner app's redirect endpoint on loopback: answers every request and
/// passes on the query of the first `GET /callback`.
fn callback_catcher() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = vec![0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            if let Some(target) = head
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("GET /callback"))
                .and_then(|l| l.split(' ').next())
            {
                let _ = tx.send(target.trim_start_matches('?').to_owned());
            }
            let body = "<!doctype html><title>Partner app</title><p id=done>The partner app received the authorization.</p>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (uri, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_authorises_a_partner_app_on_the_portal_consent_screen() {
    use crate::oauth::support;
    use oauth2::TokenResponse;

    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    // The partner's app listens on loopback, as a native or test app would
    // (RFC 8252); its redirect URI is registered like any other.
    let (redirect, callbacks) = callback_catcher();
    app.import_signals().await;
    let spec = ProductSpec::charging();
    let product = app.create_product(&spec).await;
    let partner = app
        .create_app("Loopback Energy", "Loopback charging", Some(&redirect))
        .await;
    app.subscribe(&partner, &product).await;
    let driver = app.create_driver().await;
    let ev = app.create_vehicle(&driver).await;
    app.report(&ev, &spec.reported, chrono::Utc::now().timestamp_millis())
        .await;
    let client = support::client(&app, &partner.client_id, &partner.client_secret, &redirect).await;
    let slug = &product.slug;
    let (url, state, verifier) =
        support::authorize_url(&client, &format!("read:{slug} command:{slug}"));
    let (username, password) = (&driver.username, &driver.password);

    let browser = Browser::start().await;
    browser.client.goto(url.as_str()).await.unwrap();
    // No portal session yet: sign in, and come back to the consent screen.
    browser.fill("#username", username).await;
    browser.fill("#password", password).await;
    browser.click("form[action='/portal/login'] button").await;
    let screen = browser.wait_text("main", "Share your vehicle data?").await;
    audit_page(&browser, "/portal/authorize", "light").await;
    for words in [
        "Loopback Energy",
        "EV Smart Charging",
        "Traction battery › State of charge",
        "It may also control",
        "Your consent ends on",
    ] {
        assert!(screen.contains(words), "{words:?} missing from {screen}");
    }
    browser.screenshot("oauth-consent-screen").await;
    let checkbox = browser
        .wait_for(Locator::Css(&format!("input[name=vehicle][value='{ev}']")))
        .await;
    if checkbox.prop("checked").await.unwrap().as_deref() != Some("true") {
        checkbox.click().await.unwrap();
    }
    browser.click("#approve").await;
    browser
        .wait_text("#done", "received the authorization")
        .await;
    let query = callbacks.recv_timeout(Duration::from_secs(10)).unwrap();
    browser.close().await;

    let back = url::Url::parse(&format!("{redirect}?{query}")).unwrap();
    assert_eq!(
        support::param(&back, "state").as_deref(),
        Some(state.secret().as_str())
    );
    let code = support::param(&back, "code").expect("a code");
    let token = support::exchange(&client, oauth2::AuthorizationCode::new(code), verifier)
        .await
        .unwrap();
    let (product, purpose) = product.asked_for();
    let res = app
        .rest_latest(token.access_token().secret(), &ev, product, purpose)
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_a_query_with_only_local_assets() {
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    app.import_signals().await;
    let product = app.create_product(&ProductSpec::charging()).await;
    let browser = Browser::start().await;
    // The browser has no route to the internet: a CDN script would leave the page blank.
    browser.client.goto(&app.url("/graphql")).await.unwrap();
    browser.wait_for(Locator::Css(".graphiql-container")).await;
    browser.click(".graphiql-execute-button").await;
    browser.wait_text(".result-window", &product.slug).await;
    let result = browser.wait_text(".result-window", &product.purpose).await;
    assert!(!result.contains("\"errors\""), "{result}");
    browser.screenshot("graphiql").await;
    // The Docs explorer loads the schema through the standard introspection
    // query and lists the root types.
    browser
        .click("button[aria-label='Show Documentation Explorer']")
        .await;
    let docs = browser
        .wait_text(".graphiql-doc-explorer", "query: Query")
        .await;
    assert!(!docs.contains("Error fetching schema"), "{docs}");
    assert!(docs.contains("mutation: Mutation"), "{docs}");
    browser
        .press(Locator::XPath(
            "//*[contains(@class, 'graphiql-doc-explorer')]//a[text()='Query']",
        ))
        .await;
    browser.wait_text(".graphiql-doc-explorer", "catalog").await;
    browser.wait_text(".graphiql-doc-explorer", "vehicle").await;
    browser.screenshot("graphiql-docs").await;
    // Every script and stylesheet came from the gateway itself.
    let origins = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin);",
            vec![],
        )
        .await
        .unwrap();
    let own = app.url("");
    let own = own.trim_end_matches('/');
    for origin in origins.as_array().unwrap() {
        assert_eq!(origin.as_str().unwrap(), own, "a resource from elsewhere");
    }
    browser.close().await;
}

/// Checks run in the page: every form control has a label, every button and
/// link a name, the page a language; text meets WCAG AA contrast against the
/// background it is drawn on (4.5:1, or 3:1 for large text). Returns the failures.
const A11Y_AUDIT: &str = r#"
const failures = [];
const name = el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.name ? '[name=' + el.name + ']' : ''} "${(el.innerText || el.value || '').trim().slice(0, 30)}"`;
if (!document.documentElement.lang) failures.push('html has no lang');
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden') continue;
  const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!labelled) failures.push('no label: ' + name(el));
}
for (const el of document.querySelectorAll('button, a[href]')) {
  if (!(el.innerText || el.getAttribute('aria-label') || '').trim()) failures.push('no accessible name: ' + name(el));
}
const rgba = c => { const m = c.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const background = el => { for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) return c; } return rgba(getComputedStyle(document.body).backgroundColor); };
for (const el of document.querySelectorAll('body *')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || !el.getClientRects().length) continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden') continue;
  const fg = rgba(style.color), bg = background(el);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  if (ratio < needed) failures.push(`contrast ${ratio.toFixed(2)} < ${needed}: ` + name(el));
}
return failures;
"#;

/// Tabs through the page; returns each element that took the focus and
/// whether it showed a visible focus indicator.
const TAB_PROBE: &str = r#"
const el = document.activeElement;
if (!el || el === document.body) return null;
const style = getComputedStyle(el);
const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
return [el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + (el.innerText || el.value || el.name || '').trim().slice(0, 30), visible];
"#;

pub(crate) async fn audit_page(browser: &Browser, page: &str, scheme: &str) {
    let failures = browser.client.execute(A11Y_AUDIT, vec![]).await.unwrap();
    let failures: Vec<String> = serde_json::from_value(failures).unwrap();
    assert!(
        failures.is_empty(),
        "{page} ({scheme}): {}",
        failures.join("\n")
    );
    // The keyboard reaches every button of the page, with a visible focus ring.
    let buttons: usize = serde_json::from_value(
        browser
            .client
            .execute(
                "return [...document.querySelectorAll('button')].filter(b => b.getClientRects().length && !b.closest('details:not([open])')).length",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    browser
        .client
        .execute(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);",
            vec![],
        )
        .await
        .unwrap();
    let mut reached_buttons = std::collections::BTreeSet::new();
    for _ in 0..80 {
        browser
            .client
            .active_element()
            .await
            .unwrap()
            .send_keys("\u{E004}")
            .await
            .unwrap();
        let probe = browser.client.execute(TAB_PROBE, vec![]).await.unwrap();
        let Some((what, visible)) =
            serde_json::from_value::<Option<(String, bool)>>(probe).unwrap()
        else {
            continue;
        };
        assert!(visible, "{page} ({scheme}): no visible focus on {what}");
        if what.starts_with("button") {
            reached_buttons.insert(what);
        }
    }
    assert!(
        reached_buttons.len() >= buttons.min(1),
        "{page} ({scheme}): the keyboard reached {reached_buttons:?} of {buttons} buttons"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_pages_are_labelled_keyboard_usable_and_readable_in_light_and_dark() {
    let app = vdx_tests::spawn_app(Backend::Sqlite).await;
    let world = app.consented(&ProductSpec::charging()).await;
    let consent = app.active_consent_id(&world.partner, &world.vin).await;
    for (scheme, flags) in [("light", &[][..]), ("dark", &["--force-dark-mode"][..])] {
        let browser = Browser::start_with(flags).await;
        browser
            .client
            .goto(&app.url("/portal/login"))
            .await
            .unwrap();
        let dark: bool = serde_json::from_value(
            browser
                .client
                .execute(
                    "return matchMedia('(prefers-color-scheme: dark)').matches",
                    vec![],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            dark,
            scheme == "dark",
            "Chromium did not take the {scheme} scheme"
        );
        audit_page(&browser, "/portal/login", scheme).await;
        // The audit finds what it looks for: a faint paragraph and an unlabelled field.
        let planted = browser
            .client
            .execute(
                &format!(
                    "document.querySelector('main').insertAdjacentHTML('beforeend', \
                     '<p id=\"faint\">faint</p><input id=\"planted\">'); \
                     const faint = document.getElementById('faint'); \
                     faint.style.color = '#999'; faint.style.background = '#aaa'; {A11Y_AUDIT}"
                ),
                vec![],
            )
            .await
            .unwrap();
        let planted: Vec<String> = serde_json::from_value(planted).unwrap();
        assert!(
            planted
                .iter()
                .any(|f| f.starts_with("contrast") && f.contains("faint"))
                && planted
                    .iter()
                    .any(|f| f.contains("no label: input#planted")),
            "{planted:?}"
        );
        browser.client.refresh().await.unwrap();
        sign_in(&browser, &app, &world.driver).await;
        for page in crate::portal::every_page(consent) {
            browser.client.goto(&app.url(&page)).await.unwrap();
            audit_page(&browser, &page, scheme).await;
        }
        browser.screenshot(&format!("portal-{scheme}")).await;
        browser.close().await;
    }
}
