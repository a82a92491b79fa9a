//! MISP feeds: a folder holding `manifest.json` (event UUID → summary) and one
//! `<uuid>.json` per event, `{"Event": {"info", "threat_level_id", "Attribute": [...],
//! "Object": [{"Attribute": [...]}]}}`.
//!
//! Attribute types read: `ip-src`, `ip-dst` (and `|port` forms), `domain`, `hostname`,
//! `domain|ip`, `url`, `uri`, `link`, `md5`, `sha1`, `sha256`, `sha512`, `filename|<hash>`,
//! `email`, `email-src`, `email-dst`. Severity follows the event's `threat_level_id`
//! (1 high, 2 medium, 3 low, 4 information); `to_ids` says whether the value is malicious.

use std::path::Path;

use huntbook_data::IocType;
use serde_json::{Value, json};

use super::{FeedEntry, FeedProvider};
use crate::ti::{Severity, TiError, detect};

/// Reads a MISP feed folder.
pub fn from_dir(dir: &Path) -> Result<FeedProvider, TiError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| TiError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    };
    let manifest = read(&dir.join("manifest.json"))?;
    let uuids = manifest_uuids(&manifest, &dir.display().to_string())?;
    let mut events = Vec::new();
    let mut missing = Vec::new();
    for uuid in uuids {
        match read(&dir.join(format!("{uuid}.json"))) {
            Ok(text) => events.push((uuid, text)),
            Err(e) => missing.push(format!("event {uuid}: {e}; skipped")),
        }
    }
    let borrowed: Vec<(&str, &str)> = events
        .iter()
        .map(|(u, t)| (u.as_str(), t.as_str()))
        .collect();
    let mut feed = from_strs(&manifest, &borrowed, &dir.display().to_string())?;
    for problem in missing {
        feed.note_problem(problem);
    }
    Ok(feed)
}

fn manifest_uuids(manifest: &str, source: &str) -> Result<Vec<String>, TiError> {
    let parsed: Value = serde_json::from_str(manifest).map_err(|e| TiError::File {
        path: format!("{source}/manifest.json"),
        message: format!("not valid JSON: {e}"),
    })?;
    match parsed {
        Value::Object(map) => Ok(map.keys().cloned().collect()),
        _ => Err(TiError::File {
            path: format!("{source}/manifest.json"),
            message: "expected an object of event UUIDs".into(),
        }),
    }
}

/// Reads a manifest and its events' JSON text given as (uuid, text) pairs.
pub fn from_strs(
    manifest: &str,
    events: &[(&str, &str)],
    source: &str,
) -> Result<FeedProvider, TiError> {
    let listed = manifest_uuids(manifest, source)?;
    let mut feed = FeedProvider::new(source);
    for (uuid, text) in events {
        if !listed.iter().any(|u| u == uuid) {
            feed.note_problem(format!(
                "{source}: event {uuid} is not in manifest.json; read anyway"
            ));
        }
        match serde_json::from_str::<Value>(text) {
            Ok(event) => read_event(&mut feed, &event, uuid, source),
            Err(e) => feed.note_problem(format!(
                "{source}/{uuid}.json: not valid JSON ({e}); skipped"
            )),
        }
    }
    Ok(feed)
}

fn read_event(feed: &mut FeedProvider, event: &Value, uuid: &str, source: &str) {
    let Some(event) = event.get("Event") else {
        feed.note_problem(format!(
            "{source}/{uuid}.json: no \"Event\" object; skipped"
        ));
        return;
    };
    let info = event.get("info").and_then(Value::as_str).map(String::from);
    let severity = match event.get("threat_level_id").and_then(as_int) {
        Some(1) => Severity::High,
        Some(2) => Severity::Medium,
        Some(3) => Severity::Low,
        _ => Severity::Information,
    };
    let mut attributes: Vec<&Value> = event
        .get("Attribute")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    for object in event
        .get("Object")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        attributes.extend(
            object
                .get("Attribute")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    for (index, attribute) in attributes.into_iter().enumerate() {
        let place = format!("{source}/{uuid}.json attribute {index}");
        let kind = attribute.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(value) = attribute.get("value").and_then(Value::as_str) else {
            feed.note_problem(format!("{place}: no value; skipped"));
            continue;
        };
        let values = split_value(kind, value);
        if values.is_empty() {
            feed.note_problem(format!(
                "{place}: attribute type {kind:?} is not looked up; skipped"
            ));
            continue;
        }
        let to_ids = attribute
            .get("to_ids")
            .is_some_and(|v| v.as_bool() == Some(true) || as_int(v) == Some(1));
        let extra = json!({
            "event_uuid": uuid,
            "event_info": info,
            "category": attribute.get("category"),
            "misp_type": kind,
            "to_ids": to_ids,
            "comment": attribute.get("comment"),
        });
        for (ioc_type, value) in values {
            feed.add(FeedEntry {
                value,
                ioc_type,
                severity: if to_ids {
                    severity
                } else {
                    Severity::Information
                },
                malicious: to_ids,
                description: info.clone(),
                source: source.to_string(),
                extra: extra.clone(),
            });
        }
    }
}

fn as_int(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The typed values of one attribute; composite types (`a|b`) give one or two.
fn split_value(kind: &str, value: &str) -> Vec<(IocType, String)> {
    let ip = |v: &str| {
        let kind = detect(v);
        matches!(kind, IocType::Ipv4 | IocType::Ipv6 | IocType::Cidr).then(|| (kind, v.to_string()))
    };
    let (first, second) = match value.split_once('|') {
        Some((a, b)) => (a.trim(), Some(b.trim())),
        None => (value.trim(), None),
    };
    match kind {
        "ip-src" | "ip-dst" => ip(first).into_iter().collect(),
        "ip-src|port" | "ip-dst|port" => ip(first).into_iter().collect(),
        "domain" | "hostname" => vec![(IocType::Dns, first.to_string())],
        "domain|ip" | "hostname|port" => {
            let mut out = vec![(IocType::Dns, first.to_string())];
            out.extend(second.and_then(ip));
            out
        }
        "url" | "uri" | "link" => vec![(IocType::Url, value.trim().to_string())],
        "md5" => vec![(IocType::Md5, first.to_string())],
        "sha1" => vec![(IocType::Sha1, first.to_string())],
        "sha256" => vec![(IocType::Sha256, first.to_string())],
        "sha512" => vec![(IocType::Sha512, first.to_string())],
        "filename|md5" => second
            .map(|h| (IocType::Md5, h.to_string()))
            .into_iter()
            .collect(),
        "filename|sha1" => second
            .map(|h| (IocType::Sha1, h.to_string()))
            .into_iter()
            .collect(),
        "filename|sha256" => second
            .map(|h| (IocType::Sha256, h.to_string()))
            .into_iter()
            .collect(),
        "email" | "email-src" | "email-dst" => vec![(IocType::Email, first.to_string())],
        _ => Vec::new(),
    }
}
