//! Turning a query definition and a caller's parameters into query text.
//!
//! Values are merged as msticpy does — the file's defaults, then the source's, then the
//! caller's (under a parameter's name or one of its aliases) — checked against the declared
//! types, and written the way the driver's language reads them (datetimes and lists through
//! the [`Driver`] trait).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::file::{ParamDefinition, QueryDefinition};
use super::params::{ParamValue, Params};
use crate::DataError;
use crate::driver::Driver;

/// Fills a query's template; `now` anchors relative times such as `-7d`.
pub fn render(
    query: &QueryDefinition,
    params: &Params,
    driver: &dyn Driver,
    now: DateTime<Utc>,
) -> Result<String, DataError> {
    let values = resolve_values(query, params, now)?;
    let mut texts = HashMap::with_capacity(values.len());
    for (name, value) in &values {
        let format = query.parameters.get(name).and_then(|p| p.format.as_deref());
        let text = format_value(value, driver);
        let text = match format {
            Some(format) => format.replacen("{}", &text, 1).replacen("{0}", &text, 1),
            None => text,
        };
        texts.insert(name.clone(), text);
    }
    let template_error = |source| DataError::Template {
        query: query.full_name(),
        source,
    };
    if let Ok(document) = serde_json::from_str::<Value>(&query.query)
        && (document.is_object() || document.is_array())
    {
        let typed: HashMap<String, ParamValue> = values.into_iter().collect();
        let filled = json_mode::fill(document, &texts, &typed, driver).map_err(template_error)?;
        return Ok(filled.to_string());
    }
    let text = query.template()?.render(&texts).map_err(template_error)?;
    Ok(drop_blank_lines(&text))
}

/// The typed value of every parameter: defaults, then the caller's values; every declared
/// parameter ends up with a value or the call fails naming the first one without.
pub fn resolve_values(
    query: &QueryDefinition,
    params: &Params,
    now: DateTime<Utc>,
) -> Result<Vec<(String, ParamValue)>, DataError> {
    let mut given: HashMap<String, ParamValue> = HashMap::new();
    // Aliases first, so a value given under the parameter's own name wins over an alias.
    for (name, value) in params.iter() {
        if let Some(target) = canonical_name(query, name) {
            given.insert(target.to_string(), value.clone());
        }
    }
    for (name, value) in params.iter() {
        if canonical_name(query, name).is_none() {
            given.insert(name.to_string(), value.clone());
        }
    }
    let mut values = Vec::new();
    let mut missing = Vec::new();
    for (name, definition) in &query.parameters {
        let value = given.remove(name).or_else(|| default_value(definition));
        match value {
            Some(value) => values.push((name.clone(), value)),
            None => missing.push((name.clone(), describe(definition))),
        }
    }
    if !missing.is_empty() {
        return Err(DataError::MissingParameter {
            query: query.full_name(),
            missing,
        });
    }
    let mut typed = Vec::with_capacity(values.len());
    for (name, value) in values {
        let kind = query.parameters[&name].kind;
        typed.push((name.clone(), value.coerce(&name, kind, now)?));
    }
    let mut values = typed;
    // Values for names the file does not declare are still offered to the template, so a
    // placeholder the file forgot to declare can be filled by the caller.
    values.extend(given);
    Ok(values)
}

fn canonical_name<'a>(query: &'a QueryDefinition, name: &str) -> Option<&'a str> {
    if query.parameters.contains_key(name) {
        return None;
    }
    query
        .parameters
        .iter()
        .find(|(_, definition)| definition.aliases.iter().any(|alias| alias == name))
        .map(|(canonical, _)| canonical.as_str())
}

fn default_value(definition: &ParamDefinition) -> Option<ParamValue> {
    definition.default.as_ref().and_then(ParamValue::from_json)
}

fn describe(definition: &ParamDefinition) -> String {
    let about = definition.description.trim();
    if about.is_empty() {
        definition.kind.to_string()
    } else {
        format!("{}: {about}", definition.kind)
    }
}

/// Writes a typed value as query text.
pub fn format_value(value: &ParamValue, driver: &dyn Driver) -> String {
    match value {
        ParamValue::DateTime(time) => driver.format_datetime(time),
        ParamValue::List(items) => {
            let quote = items.iter().any(|item| matches!(item, ParamValue::Str(_)));
            let items: Vec<String> = items
                .iter()
                .map(|item| format_value(item, driver))
                .collect();
            driver.format_list(&items, quote)
        }
        other => other.to_string(),
    }
}

/// Templates often hold a whole optional line in one parameter; an empty value would leave a
/// blank line in the query, which some languages read as the end of the statement.
fn drop_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// Queries written as JSON documents (Cybereason's) hold placeholders inside JSON strings:
/// each string is filled on its own, and a string that is exactly one placeholder for a list
/// becomes the list's items (spliced into an enclosing array), one for a number a number.
mod json_mode {
    use std::collections::HashMap;

    use serde_json::Value;

    use super::format_value;
    use crate::driver::Driver;
    use crate::query::params::ParamValue;
    use crate::query::template::{Template, TemplateError};

    pub fn fill(
        value: Value,
        texts: &HashMap<String, String>,
        typed: &HashMap<String, ParamValue>,
        driver: &dyn Driver,
    ) -> Result<Value, TemplateError> {
        match value {
            Value::String(text) => fill_string(&text, texts, typed, driver),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match fill(item, texts, typed, driver)? {
                        Value::Array(spliced) => out.extend(spliced),
                        other => out.push(other),
                    }
                }
                Ok(Value::Array(out))
            }
            Value::Object(map) => map
                .into_iter()
                .map(|(key, value)| Ok((key, fill(value, texts, typed, driver)?)))
                .collect::<Result<serde_json::Map<_, _>, TemplateError>>()
                .map(Value::Object),
            other => Ok(other),
        }
    }

    fn fill_string(
        text: &str,
        texts: &HashMap<String, String>,
        typed: &HashMap<String, ParamValue>,
        driver: &dyn Driver,
    ) -> Result<Value, TemplateError> {
        let template = Template::parse(text)?;
        let fields = template.fields();
        let whole = text
            .trim()
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'));
        if let ([field], Some(inner)) = (fields.as_slice(), whole)
            && inner.trim() == *field
        {
            match typed.get(*field) {
                Some(ParamValue::List(items)) => {
                    let items = items
                        .iter()
                        .map(|item| Value::String(format_value(item, driver)));
                    return Ok(Value::Array(items.collect()));
                }
                Some(ParamValue::Int(value)) => return Ok(Value::from(*value)),
                Some(ParamValue::Float(value)) => return Ok(Value::from(*value)),
                Some(ParamValue::Bool(value)) => return Ok(Value::Bool(*value)),
                _ => {}
            }
        }
        template.render(texts).map(Value::String)
    }
}
