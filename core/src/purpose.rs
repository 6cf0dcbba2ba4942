//! Purposes of processing (GDPR Art. 5(1)(b)), named as snake_case identifiers.
//! Which purposes exist, and what they mean, is the catalog's controlled list;
//! this type only guarantees the shape.

use serde::{Deserialize, Serialize};

use crate::ParseError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Purpose(String);

impl Purpose {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let ok = (2..=64).contains(&raw.len())
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        crate::newtype::accept(
            raw,
            ok,
            "purpose",
            "use a snake_case name such as smart_charging",
        )
        .map(Self)
    }
}

crate::newtype::parsed_string!(Purpose);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_snake_case_and_rejects_the_rest() {
        assert!(Purpose::parse("smart_charging").is_ok());
        crate::newtype::assert_rejects(
            Purpose::parse,
            &["", "Smart", "smart-charging", "_x", "1abc"],
        );
    }
}
