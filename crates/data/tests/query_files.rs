//! Every query file of msticpy's library loads, and every query renders.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use huntbook_data::driver::{Driver, DriverError};
use huntbook_data::query::{self, ParamType, ParamValue, Params, QueryDefinition, file};
use polars::prelude::DataFrame;

/// A driver with the trait's default formatting that runs nothing.
struct FormatOnly;

impl Driver for FormatOnly {
    fn environments(&self) -> &[&'static str] {
        &["MSSentinel"]
    }

    fn query(&self, _text: &str) -> Result<DataFrame, DriverError> {
        Ok(DataFrame::empty())
    }
}

fn dummy(kind: ParamType) -> ParamValue {
    match kind {
        ParamType::Str => "dummy-value".into(),
        ParamType::Int => 7i64.into(),
        ParamType::Float => 1.5f64.into(),
        ParamType::Bool => true.into(),
        ParamType::List => vec!["item-a", "item-b"].into(),
        ParamType::DateTime => Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap().into(),
    }
}

fn test_params(query: &QueryDefinition) -> Params {
    let start = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2024, 5, 2, 0, 0, 0).unwrap();
    let mut params = Params::new().with_time_range(start, end);
    for (name, definition) in &query.parameters {
        if definition.is_required() && params.get(name).is_none() {
            params.set(name, dummy(definition.kind));
        }
    }
    params
}

fn msticpy_queries() -> Option<(Vec<QueryDefinition>, Vec<huntbook_data::DataError>, usize)> {
    let Some(dir) = huntbook_testkit::shared_data("msticpy-pkg/queries") else {
        eprintln!("skipped: shared data msticpy-pkg/queries is not available");
        return None;
    };
    let files = count_yaml(&dir);
    let (queries, errors) = file::load_dir(&dir);
    Some((queries, errors, files))
}

fn count_yaml(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .map(|p| {
                    if p.is_dir() {
                        count_yaml(&p)
                    } else {
                        usize::from(p.extension().is_some_and(|x| x == "yaml"))
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn every_msticpy_query_file_loads() {
    let Some((queries, errors, files)) = msticpy_queries() else {
        return;
    };
    assert!(errors.is_empty(), "load errors: {errors:#?}");
    assert_eq!(files, 50);
    assert_eq!(queries.len(), 308);
    let environments: std::collections::BTreeSet<&str> = queries
        .iter()
        .flat_map(|q| q.environments.iter().map(String::as_str))
        .collect();
    assert!(environments.contains("MSSentinel") || environments.contains("LogAnalytics"));
}

#[test]
fn every_msticpy_query_renders_with_test_parameters() {
    let Some((queries, _, _)) = msticpy_queries() else {
        return;
    };
    let now = Utc.with_ymd_and_hms(2024, 5, 3, 0, 0, 0).unwrap();
    let mut failures = BTreeMap::new();
    for definition in &queries {
        let params = test_params(definition);
        match query::render(definition, &params, &FormatOnly, now) {
            Ok(text) => {
                assert!(
                    !text.trim().is_empty(),
                    "{} rendered empty",
                    definition.full_name()
                );
                for name in definition.parameters.keys() {
                    let placeholder = format!("{{{name}}}");
                    assert!(
                        !text.contains(&placeholder),
                        "{}: {placeholder} left in\n{text}",
                        definition.full_name()
                    );
                }
            }
            Err(error) => {
                failures.insert(
                    format!("{} ({})", definition.full_name(), definition.file),
                    error.to_string(),
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} queries failed to render: {failures:#?}",
        failures.len()
    );
}

#[test]
fn sentinel_query_renders_kql_datetimes_and_lists() {
    let Some((queries, _, _)) = msticpy_queries() else {
        return;
    };
    let Some(definition) = queries.iter().find(|q| {
        q.name == "list_host_processes"
            && q.environments
                .iter()
                .any(|e| e == "MSSentinel" || e == "LogAnalytics")
    }) else {
        panic!("list_host_processes not found");
    };
    let params = test_params(definition).with("host_name", "ws1");
    let now = Utc.with_ymd_and_hms(2024, 5, 3, 0, 0, 0).unwrap();
    let text = query::render(definition, &params, &FormatOnly, now).unwrap();
    assert!(
        text.contains("datetime(2024-05-01T00:00:00.000000Z)"),
        "{text}"
    );
    assert!(text.contains("ws1"), "{text}");
}

/// The text msticpy 3.0.2's `QuerySource.create_query` gives for this query with these
/// values (its default datetime format writes `+00:00` where the driver trait writes `Z`).
const MSTICPY_LIST_HOST_PROCESSES: &str = r#"let start = datetime(2024-05-01T00:00:00+00:00); let end = datetime(2024-05-02T00:00:00+00:00); SecurityEvent | where EventID == 4688  | project TenantId, Account, EventID, TimeGenerated, Computer, SubjectUserSid, SubjectUserName, SubjectDomainName, SubjectLogonId, NewProcessId, NewProcessName, TokenElevationType, ProcessId, CommandLine, ParentProcessName, TargetLogonId, SourceComputerId | extend TimeCreatedUtc=TimeGenerated | where true | where Computer has "ws1" | where TimeGenerated >= start | where TimeGenerated <= end"#;

#[test]
fn rendering_matches_msticpy_text() {
    let Some((queries, _, _)) = msticpy_queries() else {
        return;
    };
    let definition = queries
        .iter()
        .find(|q| {
            q.name == "list_host_processes" && q.file.ends_with("kql_sent_winevent_proc.yaml")
        })
        .expect("list_host_processes");
    let start = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
    let params = Params::new()
        .with_time_range(start, start + chrono::Duration::days(1))
        .with("host_name", "ws1");
    let text = query::render(definition, &params, &FormatOnly, start).unwrap();
    let text = text.replace(".000000Z", "+00:00");
    assert_eq!(text.trim(), MSTICPY_LIST_HOST_PROCESSES);
}

#[test]
fn json_queries_fill_strings_and_splice_lists() {
    let Some((queries, _, _)) = msticpy_queries() else {
        return;
    };
    let definition = queries
        .iter()
        .find(|q| q.name == "find_hosts")
        .expect("cybereason find_hosts");
    let params = test_params(definition).with("domain_list", vec!["host-a", "host-b"]);
    let now = Utc.with_ymd_and_hms(2024, 5, 3, 0, 0, 0).unwrap();
    let text = query::render(definition, &params, &FormatOnly, now).unwrap();
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    let values = &document["queryPath"][0]["filters"][0]["values"];
    assert_eq!(values, &serde_json::json!(["host-a", "host-b"]), "{text}");
}

#[test]
fn builtin_queries_for_sentinel_include_msticpy_library() {
    let provider = query::QueryProvider::new(Box::new(FormatOnly));
    assert!(
        provider.load_errors().is_empty(),
        "{:#?}",
        provider.load_errors()
    );
    let names = provider.list_queries();
    assert!(
        names
            .iter()
            .any(|n| n == "WindowsSecurity.list_host_processes"),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("list_syslog_by_process")),
        "LocalData query listed for Sentinel"
    );
}

#[test]
fn unknown_query_suggests_close_names() {
    let provider = query::QueryProvider::new(Box::new(FormatOnly));
    let error = provider
        .render("Foo.list_host_processe", &Params::new())
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("no query 'Foo.list_host_processe'; did you mean"),
        "{message}"
    );
    assert!(message.contains("list_host_processes"), "{message}");
}

#[test]
fn missing_required_parameter_is_named() {
    let provider = query::QueryProvider::new(Box::new(FormatOnly));
    let error = provider
        .render("WindowsSecurity.list_host_processes", &Params::new())
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message
            .starts_with("query WindowsSecurity.list_host_processes: missing required parameters"),
        "{message}"
    );
    for name in ["'host_name' (str", "'start' (datetime", "'end' (datetime"] {
        assert!(message.contains(name), "{message}");
    }
}

#[test]
fn wrong_parameter_type_is_named() {
    let provider = query::QueryProvider::new(Box::new(FormatOnly));
    let params = Params::new()
        .with("host_name", "ws1")
        .with("start", "abc")
        .with("end", "-1d");
    let error = provider
        .render("WindowsSecurity.list_host_processes", &params)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "parameter start: expected datetime, got 'abc'"
    );
}

#[test]
fn query_help_lists_parameters_and_template() {
    let provider = query::QueryProvider::new(Box::new(FormatOnly));
    let help = provider
        .query_help("WindowsSecurity.list_host_processes")
        .unwrap();
    assert!(help.contains("host_name: str (required)"), "{help}");
    assert!(help.contains("start: datetime"), "{help}");
    assert!(help.contains("Query:"), "{help}");
}
