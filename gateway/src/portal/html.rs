//! Server-rendered HTML for the driver portal: escaping and the page frame.
//! Every dynamic value goes through [`esc`]; pages load only `/assets/vdx.css`.

pub use crate::pages::esc;

/// A full page. `csrf` is the signed-in driver's token; without it the
/// navigation is hidden (the login page).
pub fn page(title: &str, csrf: Option<&str>, body: &str) -> String {
    let nav = match csrf {
        Some(csrf) => format!(
            r#"<nav aria-label="Portal"><a href="/portal">My vehicles and consents</a> · <a href="/portal/grant">Share data</a> · <a href="/portal/access">Access history</a> · <a href="/portal/export">Download my data</a>
<form method="post" action="/portal/logout" class="inline"><input type="hidden" name="csrf" value="{}"><button type="submit">Sign out</button></form></nav>"#,
            esc(csrf)
        ),
        None => String::new(),
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · vdx driver portal</title><link rel="stylesheet" href="/assets/vdx.css"></head>
<body class="portal"><header><h1>vdx driver portal</h1>{nav}</header>
<main class="page"><h2>{title}</h2>
{body}
</main></body></html>"#,
        title = esc(title),
    )
}

/// A table in a region of its own that scrolls sideways when the table is
/// wider than the screen, so the page itself never does; the region takes the
/// keyboard focus (to scroll it without a mouse) and is named by `label`.
pub fn scrolling(label: &str, table: &str) -> String {
    format!(
        r#"<div class="table-scroll" role="region" tabindex="0" aria-label="{}">{table}</div>"#,
        esc(label)
    )
}

/// A date-time for people: `2026-11-23 17:05 UTC`. Stored times arrive
/// checked (`vdx_consent::views` refuses, as corrupt, a consent or access
/// record whose times chrono cannot show). One that slips through anyway is
/// logged and shown as its raw value, never as an empty cell.
pub fn when(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => {
            tracing::error!(ms, "a time out of range reached a portal page");
            format!("{ms} ms after 1970")
        }
    }
}

/// One `<option>` of a `<select>`, its value and its label escaped.
pub fn option(value: &str, label: &str, selected: bool) -> String {
    let selected = if selected { " selected" } else { "" };
    format!(
        r#"<option value="{}"{selected}>{}</option>"#,
        esc(value),
        esc(label)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn an_option_escapes_its_value_and_label() {
        assert_eq!(
            option("a\"b", "<c>", false),
            r#"<option value="a&quot;b">&lt;c&gt;</option>"#
        );
        assert_eq!(
            option("1", "x", true),
            r#"<option value="1" selected>x</option>"#
        );
    }
}
