//! Times on the wire. vdx stores times as Unix epoch milliseconds (the same
//! on SQLite and PostgreSQL); every JSON answer shows them as RFC 3339
//! strings. The serializers here do that conversion for `i64` fields of
//! views, so a view keeps its milliseconds for code and shows RFC 3339 to
//! people and partners:
//!
//! ```text
//! #[serde(serialize_with = "vdx_core::time::rfc3339")]
//! #[schema(value_type = String, format = DateTime)]
//! pub granted_at: i64,
//! ```
//!
//! A value outside chrono's range is a serialization error, never a
//! plausible-looking wrong time.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// The instant of `ms` epoch milliseconds, if chrono can represent it.
pub fn from_ms(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// `ms` as RFC 3339 in UTC, with milliseconds when they are not zero.
pub fn to_rfc3339(ms: i64) -> Option<String> {
    from_ms(ms).map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// Serializes epoch milliseconds as an RFC 3339 string.
pub fn rfc3339<S: Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    match to_rfc3339(*ms) {
        Some(text) => serializer.serialize_str(&text),
        None => Err(serde::ser::Error::custom(format!(
            "time {ms} ms is out of range"
        ))),
    }
}

/// Serializes optional epoch milliseconds as an RFC 3339 string or null.
pub fn rfc3339_opt<S: Serializer>(ms: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => rfc3339(ms, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct View {
        #[serde(serialize_with = "rfc3339")]
        at: i64,
        #[serde(serialize_with = "rfc3339_opt")]
        until: Option<i64>,
    }

    #[test]
    fn milliseconds_serialize_as_rfc3339_in_utc() {
        let json = serde_json::to_value(View {
            at: 1_764_806_400_123,
            until: None,
        })
        .unwrap();
        assert_eq!(json["at"], "2025-12-04T00:00:00.123Z");
        assert!(json["until"].is_null());
        assert_eq!(to_rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
    }

    #[test]
    fn a_time_out_of_range_is_an_error_not_a_wrong_answer() {
        assert!(
            serde_json::to_value(View {
                at: i64::MAX,
                until: None
            })
            .is_err()
        );
    }
}
