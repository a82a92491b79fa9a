//! Query files in msticpy's YAML schema.
//!
//! A file has `metadata` (`version`, `description`, `data_environments`, `data_families`,
//! `tags`), optional `defaults` (`metadata`, `parameters`) and `sources`, each source with a
//! `description`, `metadata`, `args.query` (the template) and optionally `args.uri`,
//! `parameters` and `query_macros` (`$<name>$` text substituted before parameters). Each
//! source becomes a [`QueryDefinition`]; a source that does not fit the schema is reported
//! and the file's other sources are kept.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::params::ParamType;
use super::template::Template;
use crate::DataError;

/// One parameter as a query file declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDefinition {
    /// What the parameter is for.
    pub description: String,
    /// The declared type.
    pub kind: ParamType,
    /// The default, if any (a `null` default counts as none, as in msticpy).
    pub default: Option<Value>,
    /// Other names a caller may use for it.
    pub aliases: Vec<String>,
    /// A Python-style `{}` template applied to the value before it is inserted.
    pub format: Option<String>,
}

impl ParamDefinition {
    /// Whether a caller must give a value.
    pub fn is_required(&self) -> bool {
        self.default.as_ref().is_none_or(Value::is_null)
    }
}

/// One query: a template, its parameters and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryDefinition {
    /// The query's name within its families.
    pub name: String,
    /// The data families it is listed under (the first is its main family).
    pub families: Vec<String>,
    /// What it returns.
    pub description: String,
    /// The data environments of its file.
    pub environments: Vec<String>,
    /// The template text, with `query_macros` already substituted.
    pub query: String,
    /// `args.uri`, for REST sources.
    pub uri: Option<String>,
    /// Parameters: the file's defaults overridden by the source's own.
    pub parameters: BTreeMap<String, ParamDefinition>,
    /// Metadata: the file's, its defaults', then the source's own.
    pub metadata: Map<String, Value>,
    /// The file it was read from (`built-in:<path>` for files shipped with huntbook).
    pub file: String,
}

impl QueryDefinition {
    /// `family.name` under the main family.
    pub fn full_name(&self) -> String {
        match self.families.first() {
            Some(family) => format!("{family}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The parsed template.
    pub fn template(&self) -> Result<Template, DataError> {
        Template::parse(&self.query).map_err(|source| DataError::Template {
            query: self.full_name(),
            source,
        })
    }
}

/// Reads one query file from disk.
pub fn load_file(path: &Path) -> Result<(Vec<QueryDefinition>, Vec<DataError>), DataError> {
    let text = std::fs::read_to_string(path).map_err(|source| DataError::QueryFileIo {
        path: path.to_path_buf(),
        source,
    })?;
    parse_file(&text, &path.display().to_string())
}

/// Reads every `*.yaml` / `*.yml` file under a folder, recursively, in name order.
pub fn load_dir(dir: &Path) -> (Vec<QueryDefinition>, Vec<DataError>) {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files);
    files.sort();
    let mut queries = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        match load_file(&file) {
            Ok((mut found, mut problems)) => {
                queries.append(&mut found);
                errors.append(&mut problems);
            }
            Err(error) => errors.push(error),
        }
    }
    (queries, errors)
}

fn collect_yaml(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::warn!(dir = %dir.display(), "query folder cannot be read; skipped");
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, files);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            files.push(path);
        }
    }
}

#[derive(Deserialize)]
struct FileYaml {
    #[serde(default)]
    metadata: Map<String, Value>,
    #[serde(default)]
    defaults: Option<DefaultsYaml>,
    #[serde(default)]
    sources: Option<Map<String, Value>>,
}

#[derive(Deserialize, Default)]
struct DefaultsYaml {
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
    #[serde(default)]
    parameters: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct SourceYaml {
    description: String,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
    args: ArgsYaml,
    #[serde(default)]
    parameters: Option<Map<String, Value>>,
    #[serde(default)]
    query_macros: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct ArgsYaml {
    query: String,
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Deserialize)]
struct ParamYaml {
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    default: Option<Value>,
    #[serde(default)]
    aliases: Option<Value>,
    #[serde(default)]
    format: Option<String>,
}

/// Reads one query file's text; `file` names it in errors.
///
/// A file that is not YAML, or has no `sources`, is an error; a source that does not fit the
/// schema is reported in the second list and the others are returned.
pub fn parse_file(
    text: &str,
    file: &str,
) -> Result<(Vec<QueryDefinition>, Vec<DataError>), DataError> {
    let file_error = |message: String| DataError::QueryFile {
        file: file.to_string(),
        message,
    };
    let parsed: FileYaml = serde_yaml::from_str(text).map_err(|e| file_error(e.to_string()))?;
    let sources = parsed
        .sources
        .ok_or_else(|| file_error("no 'sources' section".into()))?;
    let defaults = parsed.defaults.unwrap_or_default();
    let default_params = match parse_params(defaults.parameters.unwrap_or_default()) {
        Ok(params) => params,
        Err(message) => return Err(file_error(format!("defaults.parameters: {message}"))),
    };
    let context = FileContext {
        file,
        environments: string_list(parsed.metadata.get("data_environments")),
        families: string_list(parsed.metadata.get("data_families")),
        metadata: merge(parsed.metadata, defaults.metadata.unwrap_or_default()),
        parameters: default_params,
    };
    let mut queries = Vec::new();
    let mut errors = Vec::new();
    for (name, source) in sources {
        match context.source(&name, source) {
            Ok(query) => queries.push(query),
            Err(message) => errors.push(file_error(format!("source '{name}': {message}"))),
        }
    }
    Ok((queries, errors))
}

struct FileContext<'a> {
    file: &'a str,
    environments: Vec<String>,
    families: Vec<String>,
    metadata: Map<String, Value>,
    parameters: BTreeMap<String, ParamDefinition>,
}

impl FileContext<'_> {
    fn source(&self, name: &str, source: Value) -> Result<QueryDefinition, String> {
        let source: SourceYaml = serde_json::from_value(source).map_err(|e| e.to_string())?;
        let own_metadata = source.metadata.unwrap_or_default();
        let families = match string_list(own_metadata.get("data_families")) {
            own if !own.is_empty() => own,
            _ => self.families.clone(),
        };
        let mut parameters = self.parameters.clone();
        parameters.extend(parse_params(source.parameters.unwrap_or_default())?);
        let query = replace_macros(&source.args.query, source.query_macros.as_ref());
        Ok(QueryDefinition {
            name: name.to_string(),
            families,
            description: source.description,
            environments: self.environments.clone(),
            query,
            uri: source.args.uri,
            parameters,
            metadata: merge(self.metadata.clone(), own_metadata),
            file: self.file.to_string(),
        })
    }
}

fn parse_params(raw: Map<String, Value>) -> Result<BTreeMap<String, ParamDefinition>, String> {
    let mut params = BTreeMap::new();
    for (name, value) in raw {
        let param: ParamYaml =
            serde_json::from_value(value).map_err(|e| format!("parameter '{name}': {e}"))?;
        let kind_text = param
            .kind
            .ok_or_else(|| format!("parameter '{name}' has no type"))?;
        let kind = kind_text
            .parse()
            .map_err(|e| format!("parameter '{name}': {e}"))?;
        params.insert(
            name,
            ParamDefinition {
                description: param.description.unwrap_or_default(),
                kind,
                default: param.default.filter(|value| !value.is_null()),
                aliases: string_list(param.aliases.as_ref()),
                format: param.format,
            },
        );
    }
    Ok(params)
}

/// Substitutes `$<name>$` with the macro's `value` (an unknown macro becomes empty text, as in
/// msticpy), then drops the blank lines that leaves.
fn replace_macros(query: &str, macros: Option<&Map<String, Value>>) -> String {
    if !query.contains("$<") {
        return query.to_string();
    }
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(start) = rest.find("$<") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find(">$") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = &after[..end];
        let value = macros
            .and_then(|m| m.get(name))
            .and_then(|m| m.get("value"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if value.is_empty() {
            tracing::debug!(%name, "query macro has no value; substituted with empty text");
        }
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out.lines()
        .filter(|line| !line.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn merge(mut base: Map<String, Value>, overrides: Map<String, Value>) -> Map<String, Value> {
    base.extend(overrides);
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
metadata:
  version: 1
  description: test
  data_environments: [LocalData]
  data_families: [Net]
defaults:
  parameters:
    start: {description: start, type: datetime}
sources:
  flows:
    description: Flows
    args:
      query: "flows.csv"
  by_ip:
    description: By IP
    metadata: {data_families: [Net.Ip]}
    args: {query: "x {ip} $<extra>$"}
    parameters:
      ip: {description: the ip, type: str, default: "1.2.3.4", aliases: [addr]}
    query_macros:
      extra: {description: d, value: "| take 1"}
  broken:
    description: no args
"#;

    #[test]
    fn sources_read_with_defaults_macros_and_families() {
        let (queries, errors) = parse_file(FILE, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(queries.len(), 2);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].to_string().contains("source 'broken'"));
        let by_ip = queries
            .iter()
            .find(|q| q.name == "by_ip")
            .unwrap_or_else(|| panic!("by_ip"));
        assert_eq!(by_ip.full_name(), "Net.Ip.by_ip");
        assert_eq!(by_ip.query, "x {ip} | take 1");
        assert!(by_ip.parameters["start"].is_required());
        assert!(!by_ip.parameters["ip"].is_required());
        assert_eq!(by_ip.parameters["ip"].aliases, vec!["addr".to_string()]);
    }

    #[test]
    fn missing_type_is_reported_with_names() {
        let text = "metadata: {}\nsources:\n  q:\n    description: d\n    args: {query: x}\n    parameters:\n      p: {description: d}\n";
        let (_, errors) = parse_file(text, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            errors[0].to_string().contains("parameter 'p' has no type"),
            "{}",
            errors[0]
        );
    }
}
