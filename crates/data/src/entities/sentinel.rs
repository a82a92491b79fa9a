//! Sentinel's `Entities` JSON: a list of entities that point at each other with `$id`/`$ref`.
//!
//! Reading: every object carrying `$id` is indexed first (wherever it appears, top level or
//! nested), then each top-level item is resolved: an object `{"$ref": "3"}` is replaced by the
//! entity whose `$id` is `"3"`. A reference to an id that does not exist, or one that loops
//! back to an entity being resolved, is recorded as an [`EntityError`] and dropped; the rest
//! of that entity and every other entity are kept.
//!
//! Writing: entities are numbered `$id` in document order and an entity equal to one already
//! written becomes a `$ref` to it, as Sentinel writes them.
//!
//! ```
//! use huntbook_data::entities::sentinel;
//!
//! let text = r#"[{"$id":"2","Type":"host","HostName":"ws1"},
//!               {"$id":"3","Type":"account","Name":"bob","Host":{"$ref":"2"}}]"#;
//! let parsed = sentinel::parse(text);
//! assert!(parsed.errors.is_empty());
//! assert_eq!(parsed.entities[1].children()[0].name(), "ws1");
//! ```

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::Entity;

/// Nesting deeper than this is treated as a cycle rather than followed.
const MAX_DEPTH: usize = 64;

/// What could not be read in an `Entities` value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EntityError {
    /// The text is not JSON.
    #[error("entities are not valid JSON: {message}")]
    Json {
        /// The JSON parser's message (with line and column).
        message: String,
    },

    /// The JSON is neither a list of entities nor one entity object.
    #[error("entities must be a JSON list of objects, got {found}")]
    NotAList {
        /// What was found instead.
        found: String,
    },

    /// A `$ref` names an id that no entity has.
    #[error("entity {index}: $ref '{reference}' points to no $id; the reference was dropped")]
    Dangling {
        /// The top-level entity's position in the list (0-based).
        index: usize,
        /// The missing id.
        reference: String,
    },

    /// A `$ref` leads back to an entity that contains it.
    #[error("entity {index}: $ref '{reference}' loops back ({path}); the reference was dropped")]
    Cycle {
        /// The top-level entity's position in the list (0-based).
        index: usize,
        /// The id that closed the loop.
        reference: String,
        /// The ids on the loop, outermost first.
        path: String,
    },
}

/// Entities read from an `Entities` value, with what could not be resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedEntities {
    /// The entities, in list order.
    pub entities: Vec<Entity>,
    /// References that could not be resolved, and JSON that could not be read.
    pub errors: Vec<EntityError>,
}

/// Reads an `Entities` column value (JSON text).
pub fn parse(text: &str) -> ParsedEntities {
    if text.trim().is_empty() {
        return ParsedEntities::default();
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) => parse_value(value),
        Err(error) => ParsedEntities {
            entities: Vec::new(),
            errors: vec![EntityError::Json {
                message: error.to_string(),
            }],
        },
    }
}

/// Reads an already parsed `Entities` value: a list, or a single entity object.
pub fn parse_value(value: Value) -> ParsedEntities {
    let items = match value {
        Value::Array(items) => items,
        Value::Object(map) => vec![Value::Object(map)],
        Value::Null => Vec::new(),
        other => {
            let found = other.to_string().chars().take(40).collect();
            return ParsedEntities {
                entities: Vec::new(),
                errors: vec![EntityError::NotAList { found }],
            };
        }
    };
    let mut index = HashMap::new();
    for item in &items {
        collect_ids(item, &mut index);
    }
    let mut parsed = ParsedEntities::default();
    for (position, item) in items.into_iter().enumerate() {
        let mut resolver = Resolver {
            ids: &index,
            stack: Vec::new(),
            position,
            errors: Vec::new(),
        };
        let resolved = resolver.resolve(item);
        parsed.errors.append(&mut resolver.errors);
        if !resolved.is_null() {
            parsed.entities.push(Entity::from_json(resolved));
        }
    }
    parsed
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Indexes every object with an `$id`, at any depth; the first definition of an id wins.
fn collect_ids(value: &Value, index: &mut HashMap<String, Value>) {
    match value {
        Value::Object(map) => {
            if let Some(id) = map.get("$id").and_then(id_text) {
                index.entry(id).or_insert_with(|| value.clone());
            }
            map.values().for_each(|child| collect_ids(child, index));
        }
        Value::Array(items) => items.iter().for_each(|child| collect_ids(child, index)),
        _ => {}
    }
}

struct Resolver<'a> {
    ids: &'a HashMap<String, Value>,
    stack: Vec<String>,
    position: usize,
    errors: Vec<EntityError>,
}

impl Resolver<'_> {
    /// Returns the value with references replaced; `Null` for a reference that failed.
    fn resolve(&mut self, value: Value) -> Value {
        match value {
            Value::Object(map) => self.resolve_object(map),
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|item| self.resolve(item))
                    .filter(|v| !v.is_null())
                    .collect(),
            ),
            other => other,
        }
    }

    fn resolve_object(&mut self, mut map: Map<String, Value>) -> Value {
        if let Some(reference) = map.get("$ref").and_then(id_text) {
            return self.follow(reference);
        }
        let id = map.remove("$id").and_then(|id| id_text(&id));
        if self.stack.len() >= MAX_DEPTH {
            self.cycle(id.unwrap_or_default());
            return Value::Null;
        }
        if let Some(id) = &id {
            self.stack.push(id.clone());
        }
        let resolved: Map<String, Value> = map
            .into_iter()
            .filter_map(|(key, child)| {
                let was_null = child.is_null();
                let child = self.resolve(child);
                (was_null || !child.is_null()).then_some((key, child))
            })
            .collect();
        if id.is_some() {
            self.stack.pop();
        }
        Value::Object(resolved)
    }

    fn follow(&mut self, reference: String) -> Value {
        if self.stack.contains(&reference) {
            self.cycle(reference);
            return Value::Null;
        }
        match self.ids.get(&reference) {
            Some(target) => self.resolve(target.clone()),
            None => {
                let index = self.position;
                self.errors.push(EntityError::Dangling { index, reference });
                Value::Null
            }
        }
    }

    fn cycle(&mut self, reference: String) {
        let mut path = self.stack.clone();
        path.push(reference.clone());
        let path = path.join(" -> ");
        self.errors.push(EntityError::Cycle {
            index: self.position,
            reference,
            path,
        });
    }
}

/// Writes entities as Sentinel does: `$id` numbered from 2 in document order, and an entity
/// equal to one already written replaced by `{"$ref": id}`.
pub fn to_value(entities: &[Entity]) -> Value {
    let mut writer = Writer {
        next_id: 2,
        written: Vec::new(),
    };
    Value::Array(
        entities
            .iter()
            .map(|entity| writer.write(entity.to_json()))
            .collect(),
    )
}

/// [`to_value`] as JSON text.
pub fn to_string(entities: &[Entity]) -> String {
    to_value(entities).to_string()
}

struct Writer {
    next_id: usize,
    written: Vec<(Value, String)>,
}

impl Writer {
    fn write(&mut self, value: Value) -> Value {
        match value {
            Value::Object(map) if map.contains_key("Type") => self.write_entity(map),
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, self.write(v))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.write(v)).collect()),
            other => other,
        }
    }

    fn write_entity(&mut self, map: Map<String, Value>) -> Value {
        let plain = Value::Object(map.clone());
        if let Some((_, id)) = self.written.iter().find(|(seen, _)| *seen == plain) {
            return Value::Object(Map::from_iter([(
                "$ref".to_string(),
                Value::String(id.clone()),
            )]));
        }
        let id = self.next_id.to_string();
        self.next_id += 1;
        self.written.push((plain, id.clone()));
        let mut out = Map::new();
        out.insert("$id".to_string(), Value::String(id));
        for (key, child) in map {
            let child = self.write(child);
            out.insert(key, child);
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reference_to_a_nested_definition_resolves() {
        let text = r#"[{"$id":"2","Type":"account","Name":"bob","Host":{"$id":"3","Type":"host","HostName":"ws1"}},{"$ref":"3"}]"#;
        let parsed = parse(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.entities.len(), 2);
        assert_eq!(parsed.entities[1].to_string(), "host: ws1");
    }

    #[test]
    fn dangling_reference_is_an_error_and_the_entity_is_kept() {
        let parsed =
            parse(r#"[{"$id":"2","Type":"process","ProcessId":"4","ParentProcess":{"$ref":"9"}}]"#);
        assert_eq!(parsed.entities.len(), 1);
        assert_eq!(
            parsed.errors,
            vec![EntityError::Dangling {
                index: 0,
                reference: "9".into()
            }]
        );
    }

    #[test]
    fn cycle_is_an_error_not_a_hang() {
        let parsed = parse(r#"[{"$id":"2","Type":"process","ParentProcess":{"$ref":"2"}}]"#);
        assert_eq!(parsed.entities.len(), 1);
        assert!(matches!(parsed.errors[0], EntityError::Cycle { .. }));
    }

    #[test]
    fn written_duplicates_become_references() {
        let host = Entity::from_json(json!({"Type": "host", "HostName": "ws1"}));
        let account = Entity::from_json(
            json!({"Type": "account", "Name": "bob", "Host": {"Type": "host", "HostName": "ws1"}}),
        );
        let written = to_value(&[host, account]);
        assert_eq!(written[1]["Host"], json!({"$ref": "2"}));
        let parsed = parse_value(written);
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.entities[1].children()[0].name(), "ws1");
    }
}
