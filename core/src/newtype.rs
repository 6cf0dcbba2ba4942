//! The plumbing every parsed string type shares: `as_str`, `Display`, and the
//! `TryFrom<String>` / `Into<String>` pair that serde's `try_from`/`into`
//! attributes use, so a value deserialised from JSON is parsed like any other.
//! Each type keeps its own `parse`, which is where the rules live.

/// Implements `as_str`, `Display`, `TryFrom<String>` (through `parse`) and
/// `From<T> for String` for a newtype `T(String)` with a `parse(&str)`.
macro_rules! parsed_string {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        $crate::newtype::parsed_string!(@convert $name, |value: $name| value.0);
    };
    // For a parsed type that is not a string newtype (e.g. an enum with its
    // own `Display`): the conversions only, the string being its `Display`.
    (display $name:ident) => {
        $crate::newtype::parsed_string!(@convert $name, |value: $name| value.to_string());
    };
    (@convert $name:ident, $into:expr) => {
        impl TryFrom<String> for $name {
            type Error = $crate::ParseError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                ($into)(value)
            }
        }
    };
}

pub(crate) use parsed_string;

/// The value of a string newtype whose rules `raw` meets (`ok`), or the
/// error naming the `kind` of value and a `hint` at the accepted shape.
pub(crate) fn accept(
    raw: &str,
    ok: bool,
    kind: &'static str,
    hint: &str,
) -> Result<String, crate::ParseError> {
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(crate::ParseError::new(kind, format!("{raw:?}: {hint}")))
    }
}

/// Asserts that `parse` rejects every one of `bad`.
#[cfg(test)]
pub(crate) fn assert_rejects<T: std::fmt::Debug>(
    parse: impl Fn(&str) -> Result<T, crate::ParseError>,
    bad: &[&str],
) {
    for raw in bad {
        assert!(parse(raw).is_err(), "{raw:?} should be rejected");
    }
}
