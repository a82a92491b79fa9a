//! [`SecurityAlert`]: one row of Sentinel's SecurityAlert table, with its entities resolved.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use polars::prelude::DataFrame;
use serde_json::{Map, Value};

use super::AlertError;
use super::cells::{self, first_text, pick};
use crate::entities::{self, Account, Entity, Host, Process, sentinel};
use crate::escape::push_xml;
use crate::html::{Card, kv_table};
use crate::query::Params;

/// Columns read into named fields; every other column lands in [`SecurityAlert::other`].
const NAMED: [&str; 20] = [
    "TimeGenerated",
    "AlertName",
    "DisplayName",
    "AlertSeverity",
    "Severity",
    "Description",
    "ProviderName",
    "VendorName",
    "ProductName",
    "AlertType",
    "SystemAlertId",
    "CompromisedEntity",
    "Entities",
    "ExtendedProperties",
    "StartTime",
    "StartTimeUtc",
    "EndTime",
    "EndTimeUtc",
    "Tactics",
    "Techniques",
];

/// A security alert read from a Sentinel `SecurityAlert` row.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityAlert {
    /// The row in the source frame (0-based).
    pub row: usize,
    /// `AlertName` (or `DisplayName`).
    pub name: String,
    /// `AlertSeverity` (or `Severity`).
    pub severity: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `TimeGenerated`.
    pub time_generated: Option<DateTime<Utc>>,
    /// `StartTime` (or `StartTimeUtc`).
    pub start_time: Option<DateTime<Utc>>,
    /// `EndTime` (or `EndTimeUtc`).
    pub end_time: Option<DateTime<Utc>>,
    /// `ProviderName`.
    pub provider_name: Option<String>,
    /// `VendorName`.
    pub vendor_name: Option<String>,
    /// `ProductName`.
    pub product_name: Option<String>,
    /// `AlertType`.
    pub alert_type: Option<String>,
    /// `SystemAlertId`.
    pub system_alert_id: Option<String>,
    /// `CompromisedEntity`.
    pub compromised_entity: Option<String>,
    /// `Tactics`, split on commas (or read from a JSON list).
    pub tactics: Vec<String>,
    /// `Techniques`, the same way.
    pub techniques: Vec<String>,
    /// The entities from `Entities`, references resolved.
    pub entities: Vec<Entity>,
    /// `ExtendedProperties`, parsed.
    pub extended_properties: Map<String, Value>,
    /// Every other non-empty column, as text.
    pub other: BTreeMap<String, String>,
    /// What could not be read in this row (bad JSON, a dangling `$ref`, a bad time); the
    /// rest of the row was read.
    pub warnings: Vec<AlertError>,
}

impl SecurityAlert {
    /// Reads every row of a SecurityAlert frame; a row that cannot be read is an `Err` in
    /// its place and the other rows are unaffected.
    pub fn from_frame(frame: &DataFrame) -> Vec<Result<SecurityAlert, AlertError>> {
        (0..frame.height())
            .map(|row| SecurityAlert::from_row(frame, row))
            .collect()
    }

    /// Reads one row.
    pub fn from_row(frame: &DataFrame, row: usize) -> Result<SecurityAlert, AlertError> {
        let name = first_text(frame, &["AlertName", "DisplayName"], row);
        let system_alert_id = cells::text(frame, "SystemAlertId", row);
        let Some(name) = name.or_else(|| system_alert_id.clone()) else {
            return Err(AlertError::NoIdentity { row });
        };
        let mut warnings = Vec::new();
        let mut read_time = |columns: &[&str]| -> Option<DateTime<Utc>> {
            let column = pick(frame, columns)?;
            cells::time(frame, column, row).unwrap_or_else(|value| {
                warnings.push(AlertError::Time {
                    row,
                    column: column.to_string(),
                    value,
                });
                None
            })
        };
        let time_generated = read_time(&["TimeGenerated"]);
        let start_time = read_time(&["StartTime", "StartTimeUtc"]);
        let end_time = read_time(&["EndTime", "EndTimeUtc"]);
        let parsed = sentinel::parse(&cells::text(frame, "Entities", row).unwrap_or_default());
        warnings.extend(
            parsed
                .errors
                .into_iter()
                .map(|error| AlertError::Entity { row, error }),
        );
        let extended_properties = read_extended(frame, row, &mut warnings);
        Ok(SecurityAlert {
            row,
            name,
            severity: first_text(frame, &["AlertSeverity", "Severity"], row),
            description: cells::text(frame, "Description", row),
            time_generated,
            start_time,
            end_time,
            provider_name: cells::text(frame, "ProviderName", row),
            vendor_name: cells::text(frame, "VendorName", row),
            product_name: cells::text(frame, "ProductName", row),
            alert_type: cells::text(frame, "AlertType", row),
            system_alert_id,
            compromised_entity: cells::text(frame, "CompromisedEntity", row),
            tactics: split_list(cells::text(frame, "Tactics", row)),
            techniques: split_list(cells::text(frame, "Techniques", row)),
            entities: parsed.entities,
            extended_properties,
            other: other_columns(frame, row),
            warnings,
        })
    }

    /// Every entity, nested ones included, each once, in document order.
    pub fn all_entities(&self) -> Vec<&Entity> {
        let mut seen: Vec<&Entity> = Vec::new();
        let mut stack: Vec<&Entity> = self.entities.iter().rev().collect();
        while let Some(entity) = stack.pop() {
            if seen.contains(&entity) {
                continue;
            }
            seen.push(entity);
            stack.extend(entity.children().into_iter().rev());
        }
        seen
    }

    /// The alert's top-level entities of one `Type` (`host`, `account`, `ip`, …).
    pub fn entities_of_type(&self, type_name: &str) -> Vec<&Entity> {
        self.entities
            .iter()
            .filter(|e| e.type_name().eq_ignore_ascii_case(type_name))
            .collect()
    }

    /// The first host entity (nested ones included).
    pub fn primary_host(&self) -> Option<&Host> {
        self.all_entities().into_iter().find_map(|e| match e {
            Entity::Host(host) => Some(host),
            _ => None,
        })
    }

    /// The first account entity (nested ones included).
    pub fn primary_account(&self) -> Option<&Account> {
        self.all_entities().into_iter().find_map(|e| match e {
            Entity::Account(account) => Some(account),
            _ => None,
        })
    }

    /// The first process entity (nested ones included).
    pub fn primary_process(&self) -> Option<&Process> {
        self.all_entities().into_iter().find_map(|e| match e {
            Entity::Process(process) => Some(process),
            _ => None,
        })
    }

    /// Parameters for follow-up queries, as msticpy's `query_params` derives them: `start` and
    /// `end` (the alert's span widened by `margin` on both sides), `host_name` (the primary
    /// host's FQDN, else the compromised entity), `account_name`, `process_name` (the image
    /// path), `process_id`, `logon_session_id`, `ip_address_list` and `system_alert_id`;
    /// parameters the alert does not know are left out.
    pub fn query_params(&self, margin: Duration) -> Params {
        let mut params = Params::new();
        let start = self.start_time.or(self.time_generated);
        let end = self.end_time.or(self.time_generated).or(start);
        if let (Some(start), Some(end)) = (start, end) {
            params = params.with_time_range(start - margin, end + margin);
        }
        let host = self
            .primary_host()
            .and_then(Host::fqdn)
            .or(self.compromised_entity.clone());
        let process = self.primary_process();
        let image = process
            .and_then(|p| p.image_file.as_deref())
            .map(Entity::name);
        let values = [
            ("host_name", host),
            (
                "account_name",
                self.primary_account().and_then(|a| a.name.clone()),
            ),
            ("process_name", image),
            ("process_id", process.and_then(|p| p.process_id.clone())),
            (
                "logon_session_id",
                self.primary_account().and_then(|a| a.logon_id.clone()),
            ),
            ("system_alert_id", self.system_alert_id.clone()),
        ];
        for (name, value) in values {
            if let Some(value) = value {
                params.set(name, value);
            }
        }
        let ips: Vec<String> = self
            .all_entities()
            .into_iter()
            .filter_map(|e| match e {
                Entity::IpAddress(ip) => ip.address.clone(),
                _ => None,
            })
            .collect();
        if !ips.is_empty() {
            params.set("ip_address_list", ips);
        }
        params
    }

    /// The top-level entities as a frame (see [`entities::to_frame`]).
    pub fn entities_frame(&self) -> polars::prelude::PolarsResult<DataFrame> {
        entities::to_frame(&self.entities)
    }

    /// An HTML summary: title, severity, times, description, tactics, extended properties and
    /// one card per entity; everything escaped.
    pub fn to_html(&self) -> String {
        let mut out = String::from("<div class=\"hb-alert\" style=\"font-family:sans-serif\">");
        out.push_str("<h3 style=\"margin:4px 0\">");
        push_xml(&mut out, &self.name);
        out.push_str("</h3>");
        out.push_str(&kv_table(&self.summary_rows()));
        if let Some(description) = &self.description {
            out.push_str("<p style=\"max-width:60em\">");
            push_xml(&mut out, description);
            out.push_str("</p>");
        }
        if !self.extended_properties.is_empty() {
            let mut card = Card::new("Extended properties");
            for (key, value) in &self.extended_properties {
                card = card.row(
                    key,
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_string),
                );
            }
            out.push_str(&card.to_html());
        }
        for entity in &self.entities {
            out.push_str(&entity.to_html());
        }
        for warning in &self.warnings {
            out.push_str("<div class=\"hb-warning\" style=\"color:#a40\">");
            push_xml(&mut out, &warning.to_string());
            out.push_str("</div>");
        }
        out.push_str("</div>");
        out
    }

    fn summary_rows(&self) -> Vec<(String, String)> {
        let time = |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
        let rows = [
            ("Severity", self.severity.clone()),
            ("Time generated", time(&self.time_generated)),
            ("Start", time(&self.start_time)),
            ("End", time(&self.end_time)),
            ("Provider", self.provider_name.clone()),
            ("Product", self.product_name.clone()),
            ("Alert type", self.alert_type.clone()),
            ("Compromised entity", self.compromised_entity.clone()),
            (
                "Tactics",
                (!self.tactics.is_empty()).then(|| self.tactics.join(", ")),
            ),
            (
                "Techniques",
                (!self.techniques.is_empty()).then(|| self.techniques.join(", ")),
            ),
            ("Alert id", self.system_alert_id.clone()),
        ];
        rows.into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect()
    }
}

impl fmt::Display for SecurityAlert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if let Some(severity) = &self.severity {
            write!(f, " [{severity}]")?;
        }
        if let Some(entity) = &self.compromised_entity {
            write!(f, " on {entity}")?;
        }
        if let Some(time) = self.start_time.or(self.time_generated) {
            write!(f, " at {}", time.to_rfc3339())?;
        }
        Ok(())
    }
}

fn read_extended(
    frame: &DataFrame,
    row: usize,
    warnings: &mut Vec<AlertError>,
) -> Map<String, Value> {
    let Some(text) = cells::text(frame, "ExtendedProperties", row) else {
        return Map::new();
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => map,
        Ok(other) => Map::from_iter([("Value".to_string(), other)]),
        Err(error) => {
            let column = "ExtendedProperties".to_string();
            warnings.push(AlertError::Json {
                row,
                column,
                message: error.to_string(),
            });
            Map::new()
        }
    }
}

/// Reads `a, b` or `["a","b"]`.
fn split_list(text: Option<String>) -> Vec<String> {
    let Some(text) = text else { return Vec::new() };
    if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&text) {
        return items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn other_columns(frame: &DataFrame, row: usize) -> BTreeMap<String, String> {
    frame
        .columns()
        .iter()
        .map(|column| column.name().as_str())
        .filter(|name| !NAMED.contains(name))
        .filter_map(|name| cells::text(frame, name, row).map(|text| (name.to_string(), text)))
        .collect()
}
