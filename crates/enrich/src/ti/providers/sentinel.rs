//! Microsoft Sentinel's `ThreatIntelligenceIndicator` table, queried with KQL through any
//! [`Driver`] (the Log Analytics driver in practice).
//!
//! One query per indicator, over the last `lookback_days` (default 90), active indicators
//! only, latest version of each `IndicatorId`. Severity comes from `ConfidenceScore`
//! (0–100, see [`Severity::from_score`]); any row makes `result` true.

use std::sync::Arc;

use huntbook_data::IocType;
use huntbook_data::driver::Driver;
use polars::prelude::DataFrame;
use serde_json::{Map, Value, json};

use crate::ti::{Answer, BoxFuture, Provider, Severity, TiError};

const TYPES: [IocType; 9] = [
    IocType::Ipv4,
    IocType::Ipv6,
    IocType::Dns,
    IocType::Url,
    IocType::Md5,
    IocType::Sha1,
    IocType::Sha256,
    IocType::Sha512,
    IocType::Email,
];

/// The Sentinel TI table provider.
pub struct SentinelTi {
    driver: Arc<dyn Driver>,
    lookback_days: u32,
}

impl std::fmt::Debug for SentinelTi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentinelTi")
            .field("lookback_days", &self.lookback_days)
            .finish()
    }
}

impl SentinelTi {
    /// A provider querying through `driver`.
    pub fn new(driver: Box<dyn Driver>) -> SentinelTi {
        SentinelTi {
            driver: Arc::from(driver),
            lookback_days: 90,
        }
    }

    /// Sets how many days back to search.
    pub fn with_lookback_days(mut self, days: u32) -> SentinelTi {
        self.lookback_days = days.max(1);
        self
    }

    /// The KQL text for one indicator.
    pub fn query_text(&self, ioc: &str, ioc_type: IocType) -> Result<String, TiError> {
        let value = kql_string(ioc.trim());
        let condition = match ioc_type {
            IocType::Ipv4 | IocType::Ipv6 => format!(
                "NetworkIP == {value} or NetworkSourceIP == {value} \
                 or NetworkDestinationIP == {value} or EmailSourceIpAddress == {value}"
            ),
            IocType::Dns => format!("DomainName =~ {value}"),
            IocType::Url => format!("Url == {value}"),
            IocType::Email => format!("EmailSenderAddress =~ {value}"),
            IocType::Md5 | IocType::Sha1 | IocType::Sha256 | IocType::Sha512 => {
                format!("FileHashValue =~ {value}")
            }
            other => {
                return Err(TiError::Config(format!(
                    "Sentinel TI does not look up {other} indicators"
                )));
            }
        };
        Ok(format!(
            "ThreatIntelligenceIndicator\n\
             | where TimeGenerated >= ago({}d)\n\
             | where {condition}\n\
             | summarize arg_max(TimeGenerated, *) by IndicatorId\n\
             | where Active == true",
            self.lookback_days
        ))
    }

    async fn answer(&self, ioc: &str, ioc_type: IocType) -> Result<Answer, TiError> {
        let query = self.query_text(ioc, ioc_type)?;
        let driver = self.driver.clone();
        let frame = tokio::task::spawn_blocking(move || driver.query(&query))
            .await
            .map_err(|e| TiError::Query(format!("the driver task failed: {e}")))?
            .map_err(|e| TiError::Query(e.to_string()))?;
        Ok(answer_from_rows(&frame))
    }
}

/// A KQL string literal: single quotes, with `\` and `'` escaped.
fn kql_string(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn answer_from_rows(frame: &DataFrame) -> Answer {
    let rows = frame_rows(frame);
    if rows.is_empty() {
        return Answer::not_found(Value::Array(Vec::new()));
    }
    let confidence = rows
        .iter()
        .filter_map(|r| {
            r.get("ConfidenceScore")
                .and_then(|v| v.as_str()?.parse::<f64>().ok())
        })
        .fold(None, |best: Option<f64>, c| {
            Some(best.map_or(c, |b| b.max(c)))
        });
    let severity = confidence
        .map(Severity::from_score)
        .unwrap_or(Severity::Medium);
    let pick =
        |name: &str| -> Vec<Value> { rows.iter().filter_map(|r| r.get(name).cloned()).collect() };
    let details = json!({
        "indicators": rows.len(),
        "threat_types": pick("ThreatType"),
        "descriptions": pick("Description"),
        "confidence": confidence,
        "sources": pick("SourceSystem"),
    });
    Answer::found(
        true,
        severity,
        details,
        Value::Array(rows.into_iter().map(Value::Object).collect()),
    )
}

/// The frame's rows as JSON objects, every cell as text (null stays null).
fn frame_rows(frame: &DataFrame) -> Vec<Map<String, Value>> {
    let mut rows = vec![Map::new(); frame.height()];
    for column in frame.columns() {
        let Ok(text) = column.cast(&polars::prelude::DataType::String) else {
            continue;
        };
        let Ok(values) = text.str() else { continue };
        for (row, value) in rows.iter_mut().zip(values.iter()) {
            let cell = value.map_or(Value::Null, |v| Value::String(v.to_string()));
            row.insert(column.name().to_string(), cell);
        }
    }
    rows
}

impl Provider for SentinelTi {
    fn name(&self) -> &str {
        "SentinelTI"
    }

    fn supported_types(&self) -> &[IocType] {
        &TYPES
    }

    // The user's own workspace: internal addresses are fine to look up.
    fn is_remote(&self) -> bool {
        false
    }

    fn lookup<'a>(
        &'a self,
        ioc: &'a str,
        ioc_type: IocType,
    ) -> BoxFuture<'a, Result<Answer, TiError>> {
        Box::pin(self.answer(ioc, ioc_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_escaped() {
        assert_eq!(kql_string("a'b\\c"), "'a\\'b\\\\c'");
    }
}
