//! Forgiving field readers for entity JSON.
//!
//! Sentinel and the tools that feed it are loose about scalar types: a process id is a string
//! in one alert and a number in the next, a port may be `"443"`, `IsDomainJoined` may be
//! `"true"`. Every entity field goes through [`Lenient`], which accepts those spellings, so
//! one oddly typed property does not turn a whole entity into an unknown one.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::{Entity, GeoLocation};

/// A field type that can be read from any reasonable JSON spelling of its value.
pub trait Lenient: Sized {
    /// Reads the field from a JSON value; `null` is the absent value.
    fn from_json(value: Value) -> Result<Self, String>;

    /// Whether the field is absent and is left out when writing.
    fn is_absent(&self) -> bool;
}

/// `deserialize_with` entry point for every entity field.
pub fn de<'de, D: Deserializer<'de>, T: Lenient>(deserializer: D) -> Result<T, D::Error> {
    let value = Value::deserialize(deserializer)?;
    T::from_json(value).map_err(serde::de::Error::custom)
}

/// `skip_serializing_if` entry point for every entity field.
pub fn absent<T: Lenient>(field: &T) -> bool {
    field.is_absent()
}

impl Lenient for Option<String> {
    fn from_json(value: Value) -> Result<Self, String> {
        Ok(match value {
            Value::Null => None,
            Value::String(text) => Some(text),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Number(number) => Some(number.to_string()),
            other => Some(other.to_string()),
        })
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl Lenient for Option<bool> {
    fn from_json(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            Value::Bool(flag) => Ok(Some(flag)),
            Value::Number(number) => Ok(Some(number.as_f64().unwrap_or(0.0) != 0.0)),
            Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "1" | "yes" => Ok(Some(true)),
                "false" | "0" | "no" => Ok(Some(false)),
                _ => Err(format!("expected a boolean, got '{text}'")),
            },
            other => Err(format!("expected a boolean, got {other}")),
        }
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl Lenient for Option<f64> {
    fn from_json(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            Value::Number(number) => Ok(number.as_f64()),
            Value::String(text) if text.trim().is_empty() => Ok(None),
            Value::String(text) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| format!("expected a number, got '{text}'")),
            other => Err(format!("expected a number, got {other}")),
        }
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl Lenient for Option<i64> {
    fn from_json(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            Value::Number(number) => match (number.as_i64(), number.as_f64()) {
                (Some(int), _) => Ok(Some(int)),
                (None, Some(float)) if float.fract() == 0.0 => Ok(Some(float as i64)),
                _ => Err(format!("expected an integer, got {number}")),
            },
            Value::String(text) if text.trim().is_empty() => Ok(None),
            Value::String(text) => parse_integer(&text)
                .map(Some)
                .ok_or_else(|| format!("expected an integer, got '{text}'")),
            other => Err(format!("expected an integer, got {other}")),
        }
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

/// Reads decimal or `0x` hexadecimal integers, and floats with no fraction (`"443.0"`).
fn parse_integer(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    text.parse::<i64>().ok().or_else(|| {
        let float: f64 = text.parse().ok()?;
        (float.fract() == 0.0).then_some(float as i64)
    })
}

impl Lenient for Option<Value> {
    fn from_json(value: Value) -> Result<Self, String> {
        Ok((!value.is_null()).then_some(value))
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl Lenient for Option<Map<String, Value>> {
    fn from_json(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            Value::Object(map) => Ok(Some(map)),
            Value::String(text) if text.trim().is_empty() => Ok(None),
            Value::String(text) => match serde_json::from_str(&text) {
                Ok(Value::Object(map)) => Ok(Some(map)),
                _ => Err(format!("expected an object, got '{text}'")),
            },
            other => Err(format!("expected an object, got {other}")),
        }
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl Lenient for Option<Box<Entity>> {
    fn from_json(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => Ok(Some(Box::new(Entity::from_json(other)))),
        }
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl Lenient for Option<GeoLocation> {
    fn from_json(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => serde_json::from_value(other)
                .map(Some)
                .map_err(|error| error.to_string()),
        }
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl Lenient for Vec<Entity> {
    fn from_json(value: Value) -> Result<Self, String> {
        Ok(match value {
            Value::Null => Vec::new(),
            Value::Array(items) => items.into_iter().map(Entity::from_json).collect(),
            other => vec![Entity::from_json(other)],
        })
    }

    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

impl Lenient for Vec<String> {
    fn from_json(value: Value) -> Result<Self, String> {
        let items = match value {
            Value::Null => return Ok(Vec::new()),
            Value::Array(items) => items,
            other => vec![other],
        };
        items
            .into_iter()
            .filter_map(|item| Option::<String>::from_json(item).transpose())
            .collect()
    }

    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strings_accept_numbers_and_booleans() {
        assert_eq!(
            Option::<String>::from_json(json!(42)),
            Ok(Some("42".to_string()))
        );
        assert_eq!(
            Option::<String>::from_json(json!(true)),
            Ok(Some("true".to_string()))
        );
        assert_eq!(Option::<String>::from_json(Value::Null), Ok(None));
    }

    #[test]
    fn integers_accept_strings_hex_and_integral_floats() {
        assert_eq!(Option::<i64>::from_json(json!("443")), Ok(Some(443)));
        assert_eq!(Option::<i64>::from_json(json!("0x1a")), Ok(Some(26)));
        assert_eq!(Option::<i64>::from_json(json!(443.0)), Ok(Some(443)));
        assert!(Option::<i64>::from_json(json!("port")).is_err());
    }

    #[test]
    fn booleans_accept_text() {
        assert_eq!(Option::<bool>::from_json(json!("True")), Ok(Some(true)));
        assert_eq!(Option::<bool>::from_json(json!(0)), Ok(Some(false)));
        assert!(Option::<bool>::from_json(json!("maybe")).is_err());
    }

    #[test]
    fn lists_accept_a_single_value() {
        assert_eq!(
            Vec::<String>::from_json(json!("a")),
            Ok(vec!["a".to_string()])
        );
        assert_eq!(
            Vec::<String>::from_json(json!(["a", 1])),
            Ok(vec!["a".into(), "1".into()])
        );
    }
}
