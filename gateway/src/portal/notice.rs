//! One-shot notices after a form ("You revoked …"): the form's 303 redirect
//! sets a short-lived cookie naming what happened to which consent
//! (`revoked.12`), and the next portal home page says it once, in a
//! `role=status` region, clearing the cookie in the same response.
//!
//! The cookie carries only a kind and a consent id; the words are built from
//! the database, for a consent of the signed-in driver in the state the kind
//! implies. So it needs no signing key shared between replicas, and a forged
//! or stale cookie can say nothing untrue: at worst nothing is said.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use vdx_consent::views::ConsentView;
use vdx_core::ConsentId;

use super::html::{esc, when};
use super::session::portal_cookie;
use crate::state::AppState;

const COOKIE: &str = "vdx_notice";

/// What a form did, to say on the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A new consent.
    Shared(ConsentId),
    /// An existing consent now runs longer or allows more.
    Extended(ConsentId),
    /// An existing consent already covered it.
    Unchanged(ConsentId),
    /// The driver revoked a consent.
    Revoked(ConsentId),
}

impl Notice {
    fn encode(self) -> String {
        let (kind, id) = match self {
            Self::Shared(id) => ("shared", id),
            Self::Extended(id) => ("extended", id),
            Self::Unchanged(id) => ("unchanged", id),
            Self::Revoked(id) => ("revoked", id),
        };
        format!("{kind}.{id}")
    }

    fn decode(raw: &str) -> Option<Self> {
        let (kind, id) = raw.split_once('.')?;
        let id = ConsentId(id.parse().ok()?);
        Some(match kind {
            "shared" => Self::Shared(id),
            "extended" => Self::Extended(id),
            "unchanged" => Self::Unchanged(id),
            "revoked" => Self::Revoked(id),
            _ => return None,
        })
    }

    pub fn consent(self) -> ConsentId {
        match self {
            Self::Shared(id) | Self::Extended(id) | Self::Unchanged(id) | Self::Revoked(id) => id,
        }
    }

    /// The sentence for `consent` (the notice's own), if its state still fits.
    pub fn sentence(self, c: &ConsentView) -> Option<String> {
        let running = c.status == "active" && !c.lapsed;
        let (partner, product, vin) = (esc(&c.partner), esc(&c.product_name), esc(&c.vin));
        let until = when(c.expires_at);
        Some(match self {
            Self::Shared(_) if running => {
                format!("You shared {product} with {partner} for vehicle {vin} until {until}.")
            }
            Self::Extended(_) if running => format!(
                "You extended {partner}'s access to {product} for vehicle {vin}: it now ends on {until}."
            ),
            Self::Unchanged(_) if running => format!(
                "You already share {product} with {partner} for vehicle {vin} until {until}; nothing changed."
            ),
            Self::Revoked(_) if c.status == "revoked_by_driver" => {
                format!("You revoked {partner}'s access to {product} for vehicle {vin}.")
            }
            _ => return None,
        })
    }
}

fn cookie(state: &AppState, value: String, age: CookieDuration) -> Cookie<'static> {
    portal_cookie(state, COOKIE, value, SameSite::Strict, age)
}

/// A 303 to the portal's home page that says `notice` there.
pub fn redirect_home(state: &AppState, notice: Notice) -> HttpResponse {
    HttpResponseBuilder::new(actix_web::http::StatusCode::SEE_OTHER)
        .insert_header(("location", "/portal"))
        .cookie(cookie(state, notice.encode(), CookieDuration::minutes(5)))
        .finish()
}

/// The notice this request carries, if any.
pub fn pending(req: &HttpRequest) -> Option<Notice> {
    req.cookie(COOKIE).and_then(|c| Notice::decode(c.value()))
}

/// Clears the notice cookie on `res`, so it is said only once.
pub fn clear(state: &AppState, req: &HttpRequest, res: &mut HttpResponse) {
    if req.cookie(COOKIE).is_some() {
        let _ = res.add_cookie(&cookie(state, String::new(), CookieDuration::ZERO));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_survives_its_cookie_and_nothing_else_passes_for_one() {
        for n in [
            Notice::Shared(ConsentId(1)),
            Notice::Extended(ConsentId(22)),
            Notice::Unchanged(ConsentId(333)),
            Notice::Revoked(ConsentId(4444)),
        ] {
            assert_eq!(Notice::decode(&n.encode()), Some(n));
        }
        for junk in ["", "revoked", "revoked.", "revoked.x", "deleted.1", ".1"] {
            assert_eq!(Notice::decode(junk), None, "{junk:?}");
        }
    }
}
