//! [`Revealed`]: a secret the gateway hands to its one recipient in an
//! answer (a new client secret, an access or refresh token). It serializes
//! as the plain string and shows as `"[REDACTED]"` in `Debug`, so the answer
//! that carries it can derive `Debug` and still never print it to a log.

use std::fmt;

use serde::Serialize;

/// A secret shown once, in the answer that carries it. Document a field of
/// this type as a string: `#[schema(value_type = String)]`.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Revealed(String);

impl Revealed {
    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Revealed {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl From<&secrecy::SecretString> for Revealed {
    fn from(secret: &secrecy::SecretString) -> Self {
        Self(secrecy::ExposeSecret::expose_secret(secret).to_owned())
    }
}

impl From<&str> for Revealed {
    fn from(secret: &str) -> Self {
        Self(secret.to_owned())
    }
}

impl fmt::Debug for Revealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt("[REDACTED]", f)
    }
}

#[cfg(test)]
mod tests {
    use super::Revealed;

    #[test]
    fn serializes_the_secret_and_debug_hides_it() {
        let secret = Revealed::from("s3cr3t");
        assert_eq!(serde_json::to_string(&secret).unwrap(), r#""s3cr3t""#);
        assert_eq!(format!("{secret:?}"), r#""[REDACTED]""#);
        assert_eq!(format!("{:?}", Some(secret)), r#"Some("[REDACTED]")"#);
    }
}
