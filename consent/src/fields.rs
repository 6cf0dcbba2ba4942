//! Field-level authorisation: which of the requested signals a read grant
//! lets the partner see, and which were withheld (reported, not failed, in the
//! manner of Apollo Router's authorization filter).

use vdx_core::SignalPath;

use crate::{Grant, Read};

/// The signals one read may return. Only [`Grant::authorize`] makes one, and
/// the vehicle data store's partner reads require it.
#[derive(Debug, Clone)]
pub struct AuthorizedFields {
    grant: Grant<Read>,
    selectors: Vec<SignalPath>,
    withheld: Vec<SignalPath>,
}

impl Grant<Read> {
    /// Narrows the grant to the requested paths (exact paths or branches);
    /// `None` asks for everything the product covers.
    pub fn authorize(self, requested: Option<Vec<SignalPath>>) -> AuthorizedFields {
        let product = self.product();
        let (selectors, withheld) = match requested {
            None => (product.signals.clone(), Vec::new()),
            Some(paths) => {
                let mut selectors = Vec::new();
                let mut withheld = Vec::new();
                for path in paths {
                    if product.covers(&path) {
                        selectors.push(path);
                        continue;
                    }
                    // A branch wider than the product: narrow it to the product's own selectors inside it.
                    let inside: Vec<SignalPath> = product
                        .signals
                        .iter()
                        .filter(|s| s.is_under(&path))
                        .cloned()
                        .collect();
                    if inside.is_empty() {
                        withheld.push(path);
                    } else {
                        selectors.extend(inside);
                    }
                }
                selectors.sort();
                selectors.dedup();
                (selectors, withheld)
            }
        };
        AuthorizedFields {
            grant: self,
            selectors,
            withheld,
        }
    }
}

impl AuthorizedFields {
    pub fn grant(&self) -> &Grant<Read> {
        &self.grant
    }

    /// True if the signal at `path` may be returned.
    pub fn allows(&self, path: &SignalPath) -> bool {
        self.grant.product().covers(path) && self.selectors.iter().any(|s| path.is_under(s))
    }

    /// Requested paths the consented product does not cover.
    pub fn withheld(&self) -> &[SignalPath] {
        &self.withheld
    }
}
