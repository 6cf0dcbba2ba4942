//! Accessibility in Chromium: the audit every portal page must pass (labels,
//! names, language, WCAG AA contrast, a keyboard that reaches every button
//! with a visible focus ring), and the test that runs it over the portal in
//! light and dark.

use vdx_tests::Backend;
use vdx_tests::world::ProductSpec;

use super::{Browser, sign_in};

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
