//! OAuth scopes. Product scopes are derived from the product slug
//! (`read:<slug>`, `command:<slug>`); `admin` and `ingest` belong to the OEM.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{ParseError, ProductSlug};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    /// Read the signals of a data product.
    Read(ProductSlug),
    /// Send the commands of a data product.
    Command(ProductSlug),
    /// OEM administration.
    Admin,
    /// OEM telemetry ingest.
    Ingest,
}

impl Scope {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw.split_once(':') {
            Some(("read", slug)) => Ok(Self::Read(ProductSlug::parse(slug)?)),
            Some(("command", slug)) => Ok(Self::Command(ProductSlug::parse(slug)?)),
            None if raw == "admin" => Ok(Self::Admin),
            None if raw == "ingest" => Ok(Self::Ingest),
            _ => Err(ParseError::new(
                "scope",
                format!("{raw:?} is not a known scope"),
            )),
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read(slug) => write!(f, "read:{slug}"),
            Self::Command(slug) => write!(f, "command:{slug}"),
            Self::Admin => f.write_str("admin"),
            Self::Ingest => f.write_str("ingest"),
        }
    }
}

crate::newtype::parsed_string!(display Scope);

/// A set of scopes, written on the wire as a space-separated string (RFC 6749 §3.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Parses a space-separated scope string; an empty string is the empty set.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        raw.split_ascii_whitespace()
            .map(Scope::parse)
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn contains(&self, scope: &Scope) -> bool {
        self.0.contains(scope)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes present in both sets.
    pub fn intersection(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.intersection(&other.0).cloned().collect())
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<T: IntoIterator<Item = Scope>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl std::fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for scope in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{scope}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_scope_string_in_canonical_order() {
        let set = ScopeSet::parse("read:ev-charging admin  command:ev-charging").unwrap();
        assert_eq!(
            set.to_string(),
            "read:ev-charging command:ev-charging admin"
        );
    }

    #[test]
    fn rejects_unknown_scopes() {
        assert!(Scope::parse("write:ev-charging").is_err());
        assert!(Scope::parse("read:").is_err());
        assert!(Scope::parse("root").is_err());
    }
}
