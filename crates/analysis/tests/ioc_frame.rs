//! `extract_frame` over real process-creation command lines (msticpy's process_tree.csv demo
//! data, 117 Windows 4688 events), checked against what msticpy 3.0.2's `extract_df` reports
//! for the same column (with `include_paths=True`), less its known false positives.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use huntbook_analysis::ioc::{IocExtractor, IocOptions, summarise_frame};
use huntbook_data::IocType;
use polars::prelude::{Column, DataFrame};

fn process_tree() -> Option<DataFrame> {
    let Some(path) =
        huntbook_testkit::shared_data("logs/msticpy/docs_notebooks_data/process_tree.csv")
    else {
        eprintln!("skipped: shared test data not found (set HUNTBOOK_SHARED_DATA)");
        return None;
    };
    let records = parse_csv(&std::fs::read_to_string(path).unwrap());
    let header = &records[0];
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let text = |name: &str| -> Vec<Option<String>> {
        let i = column(name);
        records[1..]
            .iter()
            .map(|r| Some(r[i].clone()).filter(|v| !v.is_empty()))
            .collect()
    };
    let event_id: Vec<i64> = records[1..]
        .iter()
        .map(|r| r[column("EventID")].parse().unwrap())
        .collect();
    let columns = vec![
        Column::new("CommandLine".into(), text("CommandLine")),
        Column::new("NewProcessName".into(), text("NewProcessName")),
        Column::new("EventID".into(), event_id),
    ];
    Some(DataFrame::new(records.len() - 1, columns).unwrap())
}

/// RFC 4180 records (quoted fields, doubled quotes, newlines inside quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

fn findings(frame: &DataFrame) -> BTreeSet<(u32, String, String)> {
    let rows = frame.column("source_row").unwrap().u32().unwrap();
    let types = frame.column("ioc_type").unwrap().str().unwrap();
    let values = frame.column("value").unwrap().str().unwrap();
    (0..frame.height())
        .map(|i| {
            let t = types.get(i).unwrap().to_string();
            (rows.get(i).unwrap(), t, values.get(i).unwrap().to_string())
        })
        .collect()
}

#[test]
fn command_lines_yield_msticpy_findings() {
    let Some(df) = process_tree() else {
        return;
    };
    let ex = IocExtractor::new(IocOptions::default().with_type(IocType::WindowsPath)).unwrap();
    let out = ex.extract_frame(&df, &["CommandLine"]).unwrap();
    let found = findings(&out);
    let expected = [
        (24, "email", "marcook@microsoft.com"),
        (24, "email", "liengli@microsoft.com"),
        (24, "dns", "microsoft.com"),
        (31, "url", "http://server/****REDACTED-MALWARE-SIG****.dll"),
        // msticpy keeps the closing quote of the command line: `…-1.jpg'`.
        (37, "url", "http://somedomain/furry-kitten-names-1.jpg"),
        (40, "md5_hash", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        (44, "md5_hash", "81ed03caf6901e444c72ac67d192fb9c"),
        (46, "url", "http://badguyserver/pwnme"),
        (78, "ipv4", "1.2.3.4"),
        (90, "dns", "abc.com"),
        (102, "ipv4", "127.0.0.1"),
        (102, "url", "http://127.0.0.1/"),
    ];
    for (row, t, v) in expected {
        let in_row: Vec<_> = found.iter().filter(|f| f.0 == row).collect();
        assert!(
            found.contains(&(row, t.to_string(), v.to_string())),
            "missing {row} {t} {v}; row has {in_row:?}"
        );
    }

    // msticpy reports URL hosts without a TLD as domains; they are not internet domains.
    for host in ["server", "somedomain", "badguyserver"] {
        assert!(
            !found.iter().any(|(_, t, v)| t == "dns" && v == host),
            "{host} reported as dns"
        );
    }
    let windows_paths = found.iter().filter(|(_, t, _)| t == "windows_path").count();
    assert!(windows_paths > 80, "{windows_paths} windows paths");
}

#[test]
fn ip_class_and_summary() {
    let Some(df) = process_tree() else {
        return;
    };
    let ex = IocExtractor::new(IocOptions::default()).unwrap();
    let out = ex
        .extract_frame(&df, &["CommandLine", "NewProcessName"])
        .unwrap();
    let columns =
        ["ioc_type", "value", "ip_class"].map(|c| out.column(c).unwrap().str().unwrap().clone());
    let loopback = (0..out.height())
        .find(|&i| columns[1].get(i) == Some("127.0.0.1"))
        .unwrap();
    assert_eq!(columns[2].get(loopback), Some("loopback"));
    let dns = (0..out.height())
        .find(|&i| columns[0].get(i) == Some("dns"))
        .unwrap();
    assert_eq!(columns[2].get(dns), None);

    let summary = summarise_frame(&out).unwrap();
    let types = summary.column("ioc_type").unwrap().str().unwrap();
    let values = summary.column("value").unwrap().str().unwrap();
    let counts = summary.column("count").unwrap().u32().unwrap();
    let i = (0..summary.height())
        .find(|&i| types.get(i) == Some("email") && values.get(i) == Some("timb@microsoft.com"))
        .unwrap();
    assert_eq!(counts.get(i), Some(1));
    let total: u32 = (0..summary.height()).filter_map(|i| counts.get(i)).sum();
    assert_eq!(total as usize, out.height());
}

#[test]
fn non_text_column_is_an_error_naming_it() {
    let Some(df) = process_tree() else {
        return;
    };
    let ex = IocExtractor::new(IocOptions::default()).unwrap();
    let err = ex
        .extract_frame(&df, &["CommandLine", "EventID"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("EventID") && err.contains("i64"), "{err}");
}
