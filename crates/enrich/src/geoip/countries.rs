//! English country names by ISO 3166-1 alpha-2 code, from the npm package
//! `i18n-iso-countries` (MIT), vendored in `crates/enrich/data/countries/`.

use std::collections::HashMap;
use std::sync::OnceLock;

static NAMES_JSON: &str = include_str!("../../data/countries/i18n-iso-countries.en.json");

/// Names used where the package lists several and the first is a long official form.
const PREFERRED: [(&str, &str); 11] = [
    ("US", "United States"),
    ("CN", "China"),
    ("RU", "Russia"),
    ("IR", "Iran"),
    ("TW", "Taiwan"),
    ("TZ", "Tanzania"),
    ("CZ", "Czechia"),
    ("MK", "North Macedonia"),
    ("PS", "Palestine"),
    ("GM", "Gambia"),
    ("KR", "South Korea"),
];

/// The English name of a country from its two-letter code (any case), if known.
pub fn country_name(code: &str) -> Option<&'static str> {
    let upper = code.trim().to_ascii_uppercase();
    names().get(upper.as_str()).copied()
}

fn names() -> &'static HashMap<String, &'static str> {
    static NAMES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    NAMES.get_or_init(load)
}

fn load() -> HashMap<String, &'static str> {
    let mut map = HashMap::new();
    let parsed: serde_json::Value = match serde_json::from_str(NAMES_JSON) {
        Ok(value) => value,
        Err(error) => {
            tracing::warn!(%error, "bundled country names are not valid JSON");
            return map;
        }
    };
    let Some(countries) = parsed.get("countries").and_then(|c| c.as_object()) else {
        return map;
    };
    for (code, value) in countries {
        let name = match value {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Array(items) => {
                items.first().and_then(|v| v.as_str()).map(String::from)
            }
            _ => None,
        };
        if let Some(name) = name {
            map.insert(code.clone(), &*Box::leak(name.into_boxed_str()));
        }
    }
    for (code, name) in PREFERRED {
        map.insert(code.to_string(), name);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        assert_eq!(country_name("us"), Some("United States"));
        assert_eq!(country_name("GB"), Some("United Kingdom"));
        assert_eq!(country_name("DE"), Some("Germany"));
        assert_eq!(country_name("ZZ"), None);
    }
}
