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
