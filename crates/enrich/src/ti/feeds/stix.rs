//! STIX 2.0 / 2.1 bundles: every `indicator` object's pattern is read for the comparisons
//! it makes (`[ipv4-addr:value = '…']`, `[domain-name:value = '…']`, `[url:value = '…']`,
//! `[email-addr:value = '…']`, `[file:hashes.'SHA-256' = '…']`, …), joined by `OR` or `AND`.
//! Severity comes from `confidence` (0–100) when given, else `medium`. Revoked indicators
//! and comparisons on other object paths are skipped and listed as problems.

use std::path::Path;
use std::sync::OnceLock;

use huntbook_data::IocType;
use regex::Regex;
use serde_json::{Value, json};

use super::{FeedEntry, FeedProvider};
use crate::ti::{Severity, TiError};

/// Reads a bundle file.
pub fn from_path(path: &Path) -> Result<FeedProvider, TiError> {
    let text = std::fs::read_to_string(path).map_err(|e| TiError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    from_str(&text, &name)
}

/// Reads bundle JSON text; `source` names it in entries and problems.
pub fn from_str(text: &str, source: &str) -> Result<FeedProvider, TiError> {
    let bundle: Value = serde_json::from_str(text).map_err(|e| TiError::File {
        path: source.to_string(),
        message: format!("not valid JSON: {e}"),
    })?;
    let objects = match (
        &bundle.get("objects"),
        bundle.get("type").and_then(Value::as_str),
    ) {
        (Some(Value::Array(objects)), _) => objects.clone(),
        (_, Some("indicator")) => vec![bundle.clone()],
        _ => {
            return Err(TiError::File {
                path: source.to_string(),
                message: "not a STIX bundle: no \"objects\" array".into(),
            });
        }
    };
    let mut feed = FeedProvider::new(source);
    for (index, object) in objects.iter().enumerate() {
        if object.get("type").and_then(Value::as_str) == Some("indicator") {
            read_indicator(&mut feed, object, index, source);
        }
    }
    Ok(feed)
}

fn read_indicator(feed: &mut FeedProvider, object: &Value, index: usize, source: &str) {
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("(no id)")
        .to_string();
    let place = format!("{source} object {index} ({id})");
    if object.get("revoked").and_then(Value::as_bool) == Some(true) {
        feed.note_problem(format!("{place}: revoked; skipped"));
        return;
    }
    if let Some(kind) = object
        .get("pattern_type")
        .and_then(Value::as_str)
        .filter(|k| *k != "stix")
    {
        feed.note_problem(format!(
            "{place}: pattern_type {kind:?} is not read; skipped"
        ));
        return;
    }
    let Some(pattern) = object.get("pattern").and_then(Value::as_str) else {
        feed.note_problem(format!("{place}: no pattern; skipped"));
        return;
    };
    let severity = object
        .get("confidence")
        .and_then(Value::as_f64)
        .map(Severity::from_score)
        .unwrap_or(Severity::Medium);
    let description = object
        .get("description")
        .or_else(|| object.get("name"))
        .and_then(Value::as_str)
        .map(String::from);
    let extra = json!({
        "id": id,
        "name": object.get("name"),
        "indicator_types": object.get("indicator_types").or_else(|| object.get("labels")),
        "valid_from": object.get("valid_from"),
        "valid_until": object.get("valid_until"),
    });

    let mut any = false;
    for (path, value) in comparisons(pattern) {
        match path_type(&path, &value) {
            Some(ioc_type) => {
                any = true;
                feed.add(FeedEntry {
                    value,
                    ioc_type,
                    severity,
                    malicious: true,
                    description: description.clone(),
                    source: source.to_string(),
                    extra: extra.clone(),
                });
            }
            None => feed.note_problem(format!(
                "{place}: object path {path} is not an indicator type huntbook looks up"
            )),
        }
    }
    if !any {
        feed.note_problem(format!(
            "{place}: no usable comparison in pattern {pattern:?}"
        ));
    }
}

/// The (object path, value) of each `path = 'value'` comparison in a pattern.
fn comparisons(pattern: &str) -> Vec<(String, String)> {
    static COMPARISON: OnceLock<Option<Regex>> = OnceLock::new();
    let regex = COMPARISON.get_or_init(|| {
        let path = r"([a-z0-9\-]+:[A-Za-z0-9_\-\.]*(?:'[^']*'[A-Za-z0-9_\-\.]*)*)";
        let value = r"'((?:[^'\\]|\\.)*)'";
        Regex::new(&format!(r"{path}\s*=\s*{value}")).ok()
    });
    let Some(regex) = regex else {
        return Vec::new();
    };
    regex
        .captures_iter(pattern)
        .map(|c| {
            (
                c[1].to_string(),
                c[2].replace("\\'", "'").replace("\\\\", "\\"),
            )
        })
        .collect()
}

fn path_type(path: &str, value: &str) -> Option<IocType> {
    let lower = path.to_ascii_lowercase().replace(['\'', '"'], "");
    match lower.as_str() {
        "ipv4-addr:value" if value.contains('/') => Some(IocType::Cidr),
        "ipv4-addr:value" => Some(IocType::Ipv4),
        "ipv6-addr:value" if value.contains('/') => Some(IocType::Cidr),
        "ipv6-addr:value" => Some(IocType::Ipv6),
        "domain-name:value" => Some(IocType::Dns),
        "url:value" => Some(IocType::Url),
        "email-addr:value" | "email-message:from_ref.value" => Some(IocType::Email),
        "file:hashes.md5" => Some(IocType::Md5),
        "file:hashes.sha-1" | "file:hashes.sha1" => Some(IocType::Sha1),
        "file:hashes.sha-256" | "file:hashes.sha256" => Some(IocType::Sha256),
        "file:hashes.sha-512" | "file:hashes.sha512" => Some(IocType::Sha512),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compound_patterns() {
        let found = comparisons(
            "[file:hashes.'SHA-256' = 'aa11'] OR [ipv4-addr:value = '198.51.100.1'] \
             AND [url:value = 'http://x.test/it\\'s']",
        );
        assert_eq!(
            found[0],
            ("file:hashes.'SHA-256'".to_string(), "aa11".to_string())
        );
        assert_eq!(found[1].1, "198.51.100.1");
        assert_eq!(found[2].1, "http://x.test/it's");
        assert_eq!(path_type(&found[0].0, "aa11"), Some(IocType::Sha256));
    }
}
