//! Product slugs: the stable, URL- and scope-safe name of a data product.

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Lower-case letters, digits and single hyphens, 2 to 64 characters, e.g. `ev-charging`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductSlug(String);

impl ProductSlug {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let ok_chars = raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let ok_shape = !raw.starts_with('-') && !raw.ends_with('-') && !raw.contains("--");
        crate::newtype::accept(
            raw,
            (2..=64).contains(&raw.len()) && ok_chars && ok_shape,
            "product slug",
            "use 2-64 lower-case letters, digits and single hyphens",
        )
        .map(Self)
    }
}

crate::newtype::parsed_string!(ProductSlug);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kebab_case() {
        assert!(ProductSlug::parse("ev-charging").is_ok());
        assert!(ProductSlug::parse("pay-as-you-drive2").is_ok());
    }

    #[test]
    fn rejects_other_shapes() {
        crate::newtype::assert_rejects(
            ProductSlug::parse,
            &[
                "",
                "a",
                "EV",
                "ev_charging",
                "-ev",
                "ev-",
                "ev--charging",
                "ev charging",
            ],
        );
    }
}
