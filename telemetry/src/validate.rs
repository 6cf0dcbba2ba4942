//! Validation of ingested values against the signal catalog: the node is a
//! leaf, the value has the declared datatype (arrays element by element), lies
//! within min/max and, where the catalog lists allowed values, is one of them.

use serde_json::Value;
use vdx_catalog::Signal;

/// A catalog signal, prepared for checking values.
#[derive(Debug, Clone)]
pub struct Rule {
    datatype: String,
    min: Option<f64>,
    max: Option<f64>,
    allowed: Option<Vec<Value>>,
}

impl Rule {
    /// The rule of a catalog row; `None` for branches and datatype-less nodes.
    pub fn of(row: &Signal) -> Option<Self> {
        if row.node_type == "branch" {
            return None;
        }
        let datatype = row.datatype.clone()?;
        let allowed = row
            .allowed
            .as_deref()
            .and_then(|raw| serde_json::from_str::<Vec<Value>>(raw).ok());
        Some(Self {
            datatype,
            min: row.min,
            max: row.max,
            allowed,
        })
    }

    /// Checks one value; the error says why it is not acceptable.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        match self.datatype.strip_suffix("[]") {
            Some(element) => {
                let Value::Array(items) = value else {
                    return Err(format!("expected an array of {element}"));
                };
                items.iter().enumerate().try_for_each(|(i, v)| {
                    self.check_scalar(element, v)
                        .map_err(|e| format!("element {i}: {e}"))
                })
            }
            None => self.check_scalar(&self.datatype, value),
        }
    }

    fn check_scalar(&self, datatype: &str, value: &Value) -> Result<(), String> {
        let typed = match datatype {
            "boolean" => value.is_boolean(),
            "string" => value.is_string(),
            "float" | "double" => value.is_number(),
            int => match integer_range(int) {
                Some((lo, hi)) => value
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| value.as_u64().map(i128::from))
                    .is_some_and(|n| (lo..=hi).contains(&n)),
                None => false,
            },
        };
        if !typed {
            return Err(format!("expected a {datatype}, got {value}"));
        }
        if let Some(n) = value.as_f64() {
            if let Some(min) = self.min.filter(|min| n < *min) {
                return Err(format!("{n} is below the minimum {min}"));
            }
            if let Some(max) = self.max.filter(|max| n > *max) {
                return Err(format!("{n} is above the maximum {max}"));
            }
        }
        if let Some(allowed) = &self.allowed
            && !allowed.contains(value)
        {
            return Err(format!("{value} is not one of the allowed values"));
        }
        Ok(())
    }
}

fn integer_range(datatype: &str) -> Option<(i128, i128)> {
    Some(match datatype {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" => (i64::MIN.into(), i64::MAX.into()),
        "uint8" => (0, u8::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "uint32" => (0, u32::MAX.into()),
        "uint64" => (0, u64::MAX.into()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(datatype: &str, min: Option<f64>, max: Option<f64>, allowed: Option<Value>) -> Rule {
        Rule {
            datatype: datatype.to_owned(),
            min,
            max,
            allowed: allowed.and_then(|a| serde_json::from_value(a).ok()),
        }
    }

    #[test]
    fn integers_must_be_whole_and_fit_their_width() {
        let r = rule("uint8", None, None, None);
        assert!(r.check(&json!(255)).is_ok());
        assert!(r.check(&json!(256)).is_err());
        assert!(r.check(&json!(-1)).is_err());
        assert!(r.check(&json!(1.5)).is_err());
        assert!(r.check(&json!("1")).is_err());
    }

    #[test]
    fn numbers_respect_min_and_max() {
        let r = rule("float", Some(0.0), Some(100.0), None);
        assert!(r.check(&json!(55.5)).is_ok());
        assert!(r.check(&json!(100.1)).unwrap_err().contains("maximum"));
        assert!(r.check(&json!(-0.1)).unwrap_err().contains("minimum"));
        assert!(r.check(&json!(true)).is_err());
    }

    #[test]
    fn strings_must_be_one_of_the_allowed_values() {
        let r = rule(
            "string",
            None,
            None,
            Some(json!(["ELECTRIC", "COMBUSTION"])),
        );
        assert!(r.check(&json!("ELECTRIC")).is_ok());
        assert!(r.check(&json!("STEAM")).is_err());
    }

    #[test]
    fn arrays_are_checked_element_by_element() {
        let r = rule("uint8[]", None, Some(10.0), None);
        assert!(r.check(&json!([1, 2, 3])).is_ok());
        assert!(r.check(&json!([1, 20])).unwrap_err().contains("element 1"));
        assert!(r.check(&json!(1)).is_err());
    }
}
