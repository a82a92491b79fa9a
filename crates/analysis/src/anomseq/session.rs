//! Sessions as values: commands with optional parameters and parameter values, and reading them
//! from a polars list column.
//!
//! Column layouts (the session kind follows from the dtype):
//! - `List(String)`: commands only.
//! - `List(Struct{name: String, params: List(String)})`: commands and parameter sets.
//! - `List(Struct{name: String, params: List(Struct{<param>: String, <value>: any})})`:
//!   commands, parameters and values (the inner struct's first field is the parameter name, the
//!   second its value).

use std::fmt;
use std::str::FromStr;

use polars::prelude::*;

use super::AnomSeqError;

/// How much of each command the model looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionKind {
    /// Command names only (`commands`).
    Commands,
    /// Command names and the set of parameters used (`commands+params`).
    CommandsParams,
    /// Command names, parameters and their values (`commands+params+values`).
    CommandsParamsValues,
}

impl fmt::Display for SessionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionKind::Commands => "commands",
            SessionKind::CommandsParams => "commands+params",
            SessionKind::CommandsParamsValues => "commands+params+values",
        })
    }
}

impl FromStr for SessionKind {
    type Err = AnomSeqError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['_', ' ', '-'], "+")
            .as_str()
        {
            "commands" | "cmds" | "cmds+only" => Ok(SessionKind::Commands),
            "commands+params" | "cmds+params" | "cmds+params+only" => {
                Ok(SessionKind::CommandsParams)
            }
            "commands+params+values" | "cmds+params+values" => {
                Ok(SessionKind::CommandsParamsValues)
            }
            _ => Err(AnomSeqError::UnknownKind {
                name: text.to_string(),
            }),
        }
    }
}

/// One parameter of a command, with its value when the session kind has values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    /// Parameter name.
    pub name: String,
    /// Value; `None` (or empty) means no value.
    pub value: Option<String>,
}

/// One command of a session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cmd {
    /// Command name.
    pub name: String,
    /// Parameters (names are unique; a later duplicate replaces an earlier one).
    pub params: Vec<Param>,
}

impl Cmd {
    /// A command without parameters.
    pub fn new(name: &str) -> Self {
        Cmd {
            name: name.to_string(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter without a value.
    pub fn with_param(self, name: &str) -> Self {
        self.push(name, None)
    }

    /// Adds a parameter with a value.
    pub fn with_value(self, name: &str, value: &str) -> Self {
        self.push(name, Some(value.to_string()))
    }

    fn push(mut self, name: &str, value: Option<String>) -> Self {
        self.params.retain(|p| p.name != name);
        self.params.push(Param {
            name: name.to_string(),
            value,
        });
        self
    }
}

impl From<&str> for Cmd {
    fn from(name: &str) -> Self {
        Cmd::new(name)
    }
}

/// The session kind a column's dtype stands for (see the module docs for the accepted dtypes).
pub(crate) fn column_kind(col: &Column) -> Result<SessionKind, AnomSeqError> {
    let bad = || AnomSeqError::BadColumn {
        column: col.name().to_string(),
        dtype: col.dtype().to_string(),
    };
    let DataType::List(inner) = col.dtype() else {
        return Err(bad());
    };
    match inner.as_ref() {
        DataType::String => Ok(SessionKind::Commands),
        DataType::Struct(fields) => struct_kind(fields).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// Reads a session column into values, one optional session per row.
///
/// The nested lists are flattened once and cut by their offsets, so reading costs a few passes
/// over the values rather than a series per row.
pub(crate) fn read_sessions(col: &Column) -> Result<Vec<Option<Vec<Cmd>>>, AnomSeqError> {
    let kind = column_kind(col)?;
    let series = col.as_materialized_series();
    let list = series.list().map_err(|_| AnomSeqError::BadColumn {
        column: col.name().to_string(),
        dtype: series.dtype().to_string(),
    })?;
    let (ranges, values) = flatten(list);
    let cmds = read_cmds(&values, kind)?;
    Ok(split_sessions(cmds, &ranges))
}

/// Cuts the flattened commands into sessions, moving them when the rows are laid out one after
/// another (the usual case) and copying otherwise.
fn split_sessions(cmds: Vec<Cmd>, ranges: &[Option<(usize, usize)>]) -> Vec<Option<Vec<Cmd>>> {
    let mut next = ranges.iter().flatten().next().map_or(0, |r| r.0);
    let contiguous = ranges.iter().flatten().all(|(a, b)| {
        let ok = *a == next;
        next = *b;
        ok
    });
    if !contiguous {
        return ranges
            .iter()
            .map(|r| r.map(|(a, b)| cmds[a..b].to_vec()))
            .collect();
    }
    let first = ranges.iter().flatten().next().map_or(0, |r| r.0);
    let mut rest = cmds.into_iter().skip(first);
    ranges
        .iter()
        .map(|r| r.map(|(a, b)| rest.by_ref().take(b - a).collect()))
        .collect()
}

/// Each row's (start, end) into the flattened values (`None` for null rows), and the values.
fn flatten(list: &ListChunked) -> (Vec<Option<(usize, usize)>>, Series) {
    let list = list.rechunk();
    let mut ranges = Vec::with_capacity(list.len());
    for arr in list.downcast_iter() {
        let offsets = arr.offsets().as_slice();
        for i in 0..arr.len() {
            let valid = arr.validity().is_none_or(|v| v.get_bit(i));
            let range = (offsets[i] as usize, offsets[i + 1] as usize);
            ranges.push(valid.then_some(range));
        }
    }
    (ranges, list.get_inner())
}

fn struct_kind(fields: &[Field]) -> Option<SessionKind> {
    let params = fields.iter().find(|f| f.name() == "params")?;
    fields.iter().find(|f| f.name() == "name")?;
    match params.dtype() {
        DataType::List(inner) if matches!(inner.as_ref(), DataType::Struct(_)) => {
            Some(SessionKind::CommandsParamsValues)
        }
        DataType::List(_) => Some(SessionKind::CommandsParams),
        _ => None,
    }
}

fn strings(series: &Series) -> PolarsResult<Vec<Option<String>>> {
    let text = series.cast(&DataType::String)?;
    Ok(text.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

/// Every command in the flattened session values.
fn read_cmds(values: &Series, kind: SessionKind) -> PolarsResult<Vec<Cmd>> {
    if kind == SessionKind::Commands {
        let names = strings(values)?;
        return Ok(names
            .into_iter()
            .map(|n| Cmd::new(n.as_deref().unwrap_or("")))
            .collect());
    }
    let fields = values.struct_()?;
    let names = strings(&fields.field_by_name("name")?)?;
    let params = fields.field_by_name("params")?;
    let (ranges, flat) = flatten(params.list()?);
    let pairs = read_params(&flat, kind)?;
    let mut out = Vec::with_capacity(names.len());
    for (name, range) in names.into_iter().zip(ranges) {
        let mut cmd = Cmd::new(name.as_deref().unwrap_or(""));
        if let Some((a, b)) = range {
            for (p, v) in &pairs[a..b] {
                if let Some(p) = p {
                    cmd = cmd.push(p, v.clone());
                }
            }
        }
        out.push(cmd);
    }
    Ok(out)
}

/// (name, value) of every flattened parameter.
fn read_params(
    flat: &Series,
    kind: SessionKind,
) -> PolarsResult<Vec<(Option<String>, Option<String>)>> {
    if kind == SessionKind::CommandsParams {
        return Ok(strings(flat)?.into_iter().map(|p| (p, None)).collect());
    }
    let pairs = flat.struct_()?;
    let fields = pairs.fields_as_series();
    let (Some(names), Some(values)) = (fields.first(), fields.get(1)) else {
        polars_bail!(ComputeError: "parameter structs need two fields: name and value");
    };
    let values = strings(values)?
        .into_iter()
        .map(|v| v.filter(|v| !v.is_empty()));
    Ok(strings(names)?.into_iter().zip(values).collect())
}

/// Builds a session list column of the given kind (the layouts in the module docs; parameter
/// structs are `{param, value}`).
pub fn sessions_to_series(
    name: &str,
    sessions: &[Vec<Cmd>],
    kind: SessionKind,
) -> PolarsResult<Series> {
    let rows: Vec<Series> = sessions
        .iter()
        .map(|s| session_series(s, kind))
        .collect::<PolarsResult<_>>()?;
    let mut out = Series::new(name.into(), rows);
    if sessions.is_empty() {
        out = out.cast(&DataType::List(Box::new(DataType::String)))?;
    }
    Ok(out)
}

fn session_series(session: &[Cmd], kind: SessionKind) -> PolarsResult<Series> {
    let names: Vec<&str> = session.iter().map(|c| c.name.as_str()).collect();
    let names = Series::new("name".into(), names);
    if kind == SessionKind::Commands {
        return Ok(names);
    }
    let params: Vec<Series> = session
        .iter()
        .map(|c| param_series(c, kind))
        .collect::<PolarsResult<_>>()?;
    let mut params = Series::new("params".into(), params);
    let inner = match kind {
        SessionKind::CommandsParamsValues => DataType::Struct(vec![
            Field::new("param".into(), DataType::String),
            Field::new("value".into(), DataType::String),
        ]),
        _ => DataType::String,
    };
    if params.dtype() != &DataType::List(Box::new(inner.clone())) {
        params = params.cast(&DataType::List(Box::new(inner)))?;
    }
    let fields = [names, params];
    Ok(StructChunked::from_series("".into(), session.len(), fields.iter())?.into_series())
}

fn param_series(cmd: &Cmd, kind: SessionKind) -> PolarsResult<Series> {
    let names: Vec<&str> = cmd.params.iter().map(|p| p.name.as_str()).collect();
    let names = Series::new("param".into(), names);
    if kind != SessionKind::CommandsParamsValues {
        return Ok(names);
    }
    let values: Vec<Option<&str>> = cmd.params.iter().map(|p| p.value.as_deref()).collect();
    let values = Series::new("value".into(), values);
    let fields = [names, values];
    Ok(StructChunked::from_series("".into(), cmd.params.len(), fields.iter())?.into_series())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_print() {
        for k in [
            SessionKind::Commands,
            SessionKind::CommandsParams,
            SessionKind::CommandsParamsValues,
        ] {
            assert_eq!(k.to_string().parse::<SessionKind>().ok(), Some(k));
        }
        assert!("bogus".parse::<SessionKind>().is_err());
    }

    #[test]
    fn later_duplicate_param_wins() {
        let c = Cmd::new("a").with_value("p", "1").with_value("p", "2");
        assert_eq!(c.params.len(), 1);
        assert_eq!(c.params[0].value.as_deref(), Some("2"));
    }
}
