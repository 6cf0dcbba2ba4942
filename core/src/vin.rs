//! Vehicle Identification Number (ISO 3779): 17 characters from A-Z and 0-9,
//! never I, O or Q. Stored and compared upper-case.

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// A well-formed VIN. Being well-formed says nothing about whether the vehicle exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Vin(String);

impl Vin {
    /// Parses a VIN, accepting lower case and normalising to upper case.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let vin = raw.trim().to_ascii_uppercase();
        if vin.len() != 17 {
            return Err(ParseError::new(
                "VIN",
                format!("must be 17 characters, got {}", vin.chars().count()),
            ));
        }
        if let Some(bad) = vin
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() || matches!(c, 'I' | 'O' | 'Q'))
        {
            return Err(ParseError::new(
                "VIN",
                format!("character {bad:?} is not allowed (A-Z and 0-9, never I, O or Q)"),
            ));
        }
        Ok(Self(vin))
    }
}

crate::newtype::parsed_string!(Vin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_real_vin_in_any_case() {
        assert_eq!(
            Vin::parse("wvwzzz1kzaw000001").map(|v| v.to_string()),
            Ok("WVWZZZ1KZAW000001".into())
        );
    }

    #[test]
    fn rejects_wrong_length_and_forbidden_letters() {
        assert!(Vin::parse("WVWZZZ1KZAW00000").is_err());
        assert!(Vin::parse("WVWZZZ1KZAW0000O1").is_err());
        assert!(Vin::parse("WVWZZZ1KZAW00001I").is_err());
        assert!(Vin::parse("WVWZZZ1KZAW0000-1").is_err());
        assert!(Vin::parse("").is_err());
    }
}
