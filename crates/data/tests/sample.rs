//! The sample dataset: deterministic, complete, and queryable through the provider.

use chrono::{Duration, TimeZone, Utc};
use huntbook_data::alert::SecurityAlert;
use huntbook_data::driver::local::LocalDataDriver;
use huntbook_data::driver::{Driver, DriverError};
use huntbook_data::query::{Params, QueryProvider};
use huntbook_data::sample::{self, SampleOptions};
use polars::prelude::*;

fn provider(dir: &std::path::Path) -> QueryProvider {
    QueryProvider::new(Box::new(LocalDataDriver::new(dir)))
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let first = sample::write_all(a.path(), 7).unwrap();
    sample::write_all(b.path(), 7).unwrap();
    sample::write_all(c.path(), 8).unwrap();
    for file in &first.files {
        let name = file.path.file_name().unwrap();
        let left = std::fs::read(a.path().join(name)).unwrap();
        assert_eq!(
            left,
            std::fs::read(b.path().join(name)).unwrap(),
            "{name:?} differs for one seed"
        );
        if file.table != "security_alerts" {
            assert_ne!(
                left,
                std::fs::read(c.path().join(name)).unwrap(),
                "{name:?} same for two seeds"
            );
        }
    }
}

#[test]
fn default_size_is_a_few_thousand_rows_and_scales() {
    let dir = tempfile::tempdir().unwrap();
    let summary = sample::write_all(dir.path(), 1).unwrap();
    assert!(
        (3_000..10_000).contains(&summary.total_rows()),
        "{}",
        summary.total_rows()
    );
    let tables: Vec<&str> = summary.files.iter().map(|f| f.table.as_str()).collect();
    assert_eq!(
        tables,
        [
            "windows_process_events",
            "sysmon_process_events",
            "windows_logons",
            "linux_syslog",
            "linux_auditd",
            "security_alerts",
            "network_flows",
            "signin_logs",
        ]
    );
    let small = tempfile::tempdir().unwrap();
    let less = sample::write_with(small.path(), &SampleOptions::default().with_scale(0.2)).unwrap();
    assert!(less.total_rows() < summary.total_rows() / 2);
    assert_eq!(less.file("security_alerts").unwrap().rows, 7);
}

#[test]
fn provider_lists_and_runs_every_sample_query() {
    let dir = tempfile::tempdir().unwrap();
    let summary = sample::write_all(dir.path(), 42).unwrap();
    let provider = provider(dir.path()).with_query_dirs([dir.path().join("queries")]);
    assert!(
        provider.load_errors().is_empty(),
        "{:?}",
        provider.load_errors()
    );
    let names = provider.list_queries();
    assert_eq!(names.len(), 14, "{names:?}");
    let params = Params::new()
        .with("host_name", "WS-FIN-01")
        .with("account_name", "bob.k")
        .with("ip_address_list", vec![huntbook_data::sample::world::C2_IP])
        .with("upn", "alice.m@contoso.com")
        .with_time_range(summary.start, summary.end);
    for name in &names {
        let frame = provider
            .query(name, &params)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(frame.height() > 0, "{name} returned no rows");
    }
}

#[test]
fn attack_chain_is_in_the_process_events() {
    let dir = tempfile::tempdir().unwrap();
    let summary = sample::write_all(dir.path(), 42).unwrap();
    let provider = provider(dir.path());
    let day2 = summary.start + Duration::days(1);
    let params = Params::new()
        .with("hostname", "ws-fin-01")
        .with_time_range(day2, day2 + Duration::days(1));
    let frame = provider.query("list_processes_by_host", &params).unwrap();
    let commands: Vec<String> = frame
        .column("CommandLine")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    for needle in [
        "WINWORD.EXE",
        "-enc ",
        "certutil.exe -urlcache",
        "comsvcs.dll, MiniDump",
        "PsExec64.exe",
    ] {
        assert!(
            commands.iter().any(|c| c.contains(needle)),
            "{needle} missing"
        );
    }
    assert!(matches!(
        frame.column("TimeGenerated").unwrap().dtype(),
        DataType::Datetime(..)
    ));
    let computers = frame.column("Computer").unwrap().str().unwrap();
    assert!(
        computers
            .iter()
            .flatten()
            .all(|c| c == "WS-FIN-01.contoso.local")
    );
}

#[test]
fn sample_alerts_parse_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    sample::write_all(dir.path(), 42).unwrap();
    let frame = provider(dir.path())
        .query("SecurityAlert.list_alerts", &Params::new())
        .unwrap();
    let alerts: Vec<SecurityAlert> = SecurityAlert::from_frame(&frame)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(alerts.len(), 7);
    for alert in &alerts {
        assert!(
            alert.warnings.is_empty(),
            "{}: {:?}",
            alert.name,
            alert.warnings
        );
        assert!(!alert.entities.is_empty(), "{}", alert.name);
        assert!(!alert.entities_of_type("host").is_empty(), "{}", alert.name);
    }
    let psexec = alerts.iter().find(|a| a.name.contains("PsExec")).unwrap();
    assert!(psexec.to_html().contains("SRV-FILE-01"));
    let powershell = alerts
        .iter()
        .find(|a| a.name.contains("PowerShell"))
        .unwrap();
    let params = powershell.query_params(Duration::hours(1));
    let text = |name: &str| params.get(name).map(ToString::to_string);
    assert_eq!(
        text("host_name").as_deref(),
        Some("WS-FIN-01.contoso.local")
    );
    assert_eq!(text("account_name").as_deref(), Some("alice.m"));
    assert_eq!(text("process_id").as_deref(), Some("8840"));
    assert!(text("process_name").is_some_and(|p| p.ends_with("powershell.exe")));
    // The parameters drive a follow-up query directly.
    let follow_up = provider(dir.path())
        .query("list_processes_by_host", &params)
        .unwrap();
    assert!(follow_up.height() > 5);
}

#[test]
fn brute_force_failures_come_from_one_address() {
    let dir = tempfile::tempdir().unwrap();
    sample::write_all(dir.path(), 42).unwrap();
    let provider = provider(dir.path());
    let frame = provider
        .query("WindowsSecurity.list_host_logon_failures", &Params::new())
        .unwrap();
    let ips = frame.column("IpAddress").unwrap().str().unwrap();
    let from_attacker = ips
        .iter()
        .flatten()
        .filter(|ip| *ip == sample::world::BRUTE_FORCE_IP)
        .count();
    assert!(from_attacker >= 300, "{from_attacker}");
    assert!(from_attacker * 2 > frame.height());
}

#[test]
fn split_query_matches_the_whole_range() {
    let dir = tempfile::tempdir().unwrap();
    let summary = sample::write_all(dir.path(), 42).unwrap();
    let provider = provider(dir.path()).with_max_workers(3);
    let params = Params::new().with_time_range(summary.start, summary.end);
    let whole = provider.query("list_host_logon_failures", &params).unwrap();
    let split = provider
        .query_split("list_host_logon_failures", &params, Duration::hours(7))
        .unwrap();
    assert!(split.errors.is_empty(), "{:?}", split.errors);
    assert_eq!(split.chunks, 11);
    // The sample queries take start-inclusive, end-exclusive ranges: chunks neither overlap
    // nor leave gaps.
    assert_eq!(split.frame.height(), whole.height());
    assert_eq!(
        split
            .frame
            .column("TimeGenerated")
            .unwrap()
            .n_unique()
            .unwrap(),
        whole.column("TimeGenerated").unwrap().n_unique().unwrap()
    );
}

/// Fails every query that mentions one date, to check chunk errors are reported per range.
struct FailsOn {
    inner: LocalDataDriver,
    day: String,
}

impl Driver for FailsOn {
    fn environments(&self) -> &[&'static str] {
        self.inner.environments()
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        if text.contains(&format!(">= '{}", self.day)) {
            return Err(DriverError::Query {
                driver: "test",
                message: "service unavailable".into(),
            });
        }
        self.inner.query(text)
    }

    fn format_datetime(&self, value: &chrono::DateTime<Utc>) -> String {
        self.inner.format_datetime(value)
    }
}

#[test]
fn failing_chunk_is_reported_and_other_chunks_kept() {
    let dir = tempfile::tempdir().unwrap();
    let summary = sample::write_all(dir.path(), 42).unwrap();
    let day2 = (summary.start + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let driver = FailsOn {
        inner: LocalDataDriver::new(dir.path()),
        day: day2,
    };
    let provider = QueryProvider::new(Box::new(driver));
    let params = Params::new().with_time_range(summary.start, summary.end);
    let split = provider.query_split("list_host_logons_by_nothing", &params, Duration::days(1));
    assert!(split.is_err(), "unknown query must fail before running");
    let split = provider
        .query_split("list_host_logon_failures", &params, Duration::days(1))
        .unwrap();
    assert_eq!(split.chunks, 3);
    assert_eq!(split.errors.len(), 1);
    let error = &split.errors[0];
    assert_eq!(
        error.start,
        Utc.with_ymd_and_hms(2024, 5, 7, 0, 0, 0).unwrap()
    );
    assert!(error.to_string().contains("service unavailable"));
    assert!(split.frame.height() > 0);
}
