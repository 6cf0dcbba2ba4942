//! COVESA VSS signal paths, e.g. `Vehicle.Powertrain.TractionBattery.StateOfCharge.Current`.

use serde::{Deserialize, Serialize};

use crate::ParseError;

const MAX_LEN: usize = 255;

/// A syntactically valid VSS path: dot-separated names, each starting with a
/// letter and made of letters, digits and underscores.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SignalPath(String);

impl SignalPath {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.is_empty() {
            return Err(ParseError::new("signal path", "must not be empty"));
        }
        if raw.len() > MAX_LEN {
            return Err(ParseError::new(
                "signal path",
                format!("longer than {MAX_LEN} characters"),
            ));
        }
        for segment in raw.split('.') {
            let mut chars = segment.chars();
            let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
            if !starts_with_letter || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(ParseError::new(
                    "signal path",
                    format!(
                        "{raw:?}: segment {segment:?} must start with a letter and hold only letters, digits and '_'"
                    ),
                ));
            }
        }
        Ok(Self(raw.to_owned()))
    }

    /// True if `self` is `prefix` or lies in the branch `prefix`.
    /// `Vehicle.Speed` is under `Vehicle` but not under `Vehicle.Spe`.
    pub fn is_under(&self, prefix: &SignalPath) -> bool {
        self.0 == prefix.0
            || (self.0.starts_with(&prefix.0)
                && self.0.as_bytes().get(prefix.0.len()) == Some(&b'.'))
    }
}

crate::newtype::parsed_string!(SignalPath);

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> SignalPath {
        SignalPath::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn parses_vss_paths() {
        assert!(
            SignalPath::parse("Vehicle.Powertrain.TractionBattery.StateOfCharge.Current").is_ok()
        );
        assert!(SignalPath::parse("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen").is_ok());
    }

    #[test]
    fn rejects_empty_segments_and_odd_characters() {
        crate::newtype::assert_rejects(
            SignalPath::parse,
            &[
                "",
                "Vehicle.",
                ".Vehicle",
                "Vehicle..Speed",
                "Vehicle.1Speed",
                "Vehicle.Spe-ed",
                "Vehicle Speed",
            ],
        );
    }

    #[test]
    fn branch_prefix_matches_whole_segments_only() {
        assert!(path("Vehicle.Speed").is_under(&path("Vehicle")));
        assert!(path("Vehicle.Speed").is_under(&path("Vehicle.Speed")));
        assert!(!path("Vehicle.Speed").is_under(&path("Vehicle.Spe")));
        assert!(!path("Vehicle").is_under(&path("Vehicle.Speed")));
    }
}
