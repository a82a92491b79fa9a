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

/// `extract_lines` (one scan of the whole text) gives exactly the rows of `extract_frame` over
/// a `line` column of `text.lines()` (one scan per line).
fn assert_lines_match_frame(label: &str, text: &str) {
    let extractor = IocExtractor::new(IocOptions::default().with_include_paths(true)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let frame = DataFrame::new(lines.len(), vec![Column::new("line".into(), lines)]).unwrap();
    let per_line = extractor.extract_frame(&frame, &["line"]).unwrap();
    let whole = extractor.extract_lines(text).unwrap();
    assert!(
        whole.equals_missing(&per_line),
        "{label}: extract_lines differs from per-line extraction\nwhole:\n{whole}\nper line:\n{per_line}"
    );
}

#[test]
fn extract_lines_equals_per_line_extraction_on_edge_cases() {
    let text = "10.0.0.1\nhttp://evil.com/a\r\nC:\\Temp\\a b\\x.exe\n\n\
                fe80::1\n::ffff:192.0.2.128 bob[at]x.org\r\n\
                evil[.]com/path\n/usr/bin/env\n~/x\rtrailing 1.2.3.4\n\
                d41d8cd98f00b204e9800998ecf8427e\nHKLM\\Software\\Run\n\
                12:30:01 1.2.3.4567 T1059.001 CVE-2021-44228 AS13335\n\
                é1.2.3.4é 🙂fe80::1🙂 ünïcödé.com\n\
                https://r.example.com/?u=http%3A%2F%2Fevil.com%2Fpayload\n\
                no newline at the end 8.8.8.8";
    assert_lines_match_frame("edge cases", text);
    assert_lines_match_frame("empty", "");
    assert_lines_match_frame("newlines only", "\n\r\n\n");
}

#[test]
fn extract_lines_equals_per_line_extraction_on_shared_logs() {
    let files = [
        "ioc/ioc-fanger/sample_text_defanged.txt",
        "ioc/ioc-fanger/sample_text_fanged.txt",
        "logs/msticpy/auditd_log.txt",
        "logs/msticpy/potaroo.html",
        "logs/msticpy/syslog_data.csv",
        "logs/msticpy/docs_notebooks_data/process_tree.csv",
    ];
    let mut checked = 0;
    for file in files {
        let Some(path) = huntbook_testkit::shared_data(file) else {
            eprintln!("skipped {file}: shared test data not found (set HUNTBOOK_SHARED_DATA)");
            continue;
        };
        let bytes = std::fs::read(path).unwrap();
        assert_lines_match_frame(file, &String::from_utf8_lossy(&bytes));
        checked += 1;
    }
    eprintln!("checked {checked} shared files");
}
