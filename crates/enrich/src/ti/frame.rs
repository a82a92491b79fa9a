//! Lookup rows as a DataFrame.

use polars::prelude::{Column, DataFrame, PolarsError};

use super::TiResult;

/// The rows as a DataFrame: `ioc`, `ioc_type`, `provider`, `result` (bool), `severity`,
/// `details` (JSON text), `raw` (JSON text), `status`. Null JSON becomes a null cell.
pub fn results_frame(rows: &[TiResult]) -> Result<DataFrame, PolarsError> {
    let json = |value: &serde_json::Value| match value {
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    };
    let columns = vec![
        Column::new(
            "ioc".into(),
            rows.iter().map(|r| r.ioc.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "ioc_type".into(),
            rows.iter().map(|r| r.ioc_type.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "provider".into(),
            rows.iter().map(|r| r.provider.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "result".into(),
            rows.iter().map(|r| r.result).collect::<Vec<_>>(),
        ),
        Column::new(
            "severity".into(),
            rows.iter().map(|r| r.severity.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "details".into(),
            rows.iter().map(|r| json(&r.details)).collect::<Vec<_>>(),
        ),
        Column::new(
            "raw".into(),
            rows.iter().map(|r| json(&r.raw)).collect::<Vec<_>>(),
        ),
        Column::new(
            "status".into(),
            rows.iter()
                .map(|r| r.status.to_string())
                .collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(rows.len(), columns)
}
