//! Entities as a DataFrame: one row per entity.

use polars::prelude::{Column, DataFrame, PolarsResult};

use super::Entity;

/// One row per entity with columns `Type`, `Name`, `Description` (the `Display` one-liner)
/// and `Properties` (the entity's Sentinel JSON without `Type`, as text).
pub fn to_frame(entities: &[Entity]) -> PolarsResult<DataFrame> {
    let types: Vec<String> = entities.iter().map(|e| e.type_name().to_string()).collect();
    let names: Vec<String> = entities.iter().map(Entity::name).collect();
    let descriptions: Vec<String> = entities.iter().map(Entity::to_string).collect();
    let properties: Vec<String> = entities
        .iter()
        .map(|e| serde_json::Value::Object(e.properties()).to_string())
        .collect();
    DataFrame::new(
        entities.len(),
        vec![
            Column::new("Type".into(), types),
            Column::new("Name".into(), names),
            Column::new("Description".into(), descriptions),
            Column::new("Properties".into(), properties),
        ],
    )
}
