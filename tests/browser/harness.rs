//! The browser harness: Debian's headless Chromium driven through
//! chromedriver by fantoccini, one fresh profile per test, and the sign-ins
//! the browser tests share. It must not hold tests.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use vdx_tests::TestApp;
use vdx_tests::world::Driver;

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

    /// Fills the admin console's draft form: version, signals (one a line), purpose.
    pub(crate) async fn fill_draft(&self, version: &str, signals: &str, purpose: &str) {
        self.fill("#v-version", version).await;
        self.fill("#v-signals", signals).await;
        self.click(&format!("#v-purposes input[value={purpose}]"))
            .await;
    }

    /// Submits `form` (a CSS selector) and waits until `css` shows `needle`.
    pub(crate) async fn submit(&self, form: &str, css: &str, needle: &str) -> String {
        self.click(&format!("{form} button[type=submit]")).await;
        self.wait_text(css, needle).await
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
    browser.submit("#login-form", "#status", "Signed in").await;
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
