//! Offline feeds: CSV, STIX 2.1, MISP and the bundled demo feed, through TiLookup.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use huntbook_data::IocType;
use huntbook_enrich::ti::feeds::{self, FeedProvider, demo_feed};
use huntbook_enrich::ti::{LookupOptions, Provider, Severity, Status, TiLookup, detect};
use polars::prelude::{Column, DataFrame};

fn lookup(feed: FeedProvider) -> TiLookup {
    TiLookup::new()
        .with_provider(feed)
        .with_options(LookupOptions::default().without_cache())
}

#[test]
fn demo_feed_answers_every_format() {
    let feed = demo_feed().unwrap();
    assert!(
        feed.problems().iter().any(|p| p.contains("revoked")),
        "{:?}",
        feed.problems()
    );
    assert!(feed.len() >= 20, "{}", feed.len());
    let cases = [
        ("198.51.100.23", Severity::High),            // CSV
        ("203.0.113.7", Severity::Low),               // CSV CIDR 203.0.113.0/28
        ("2001:db8:bad:0::1", Severity::High),        // CSV IPv6, other spelling
        ("LOGIN-UPDATE.example.com", Severity::High), // CSV, case-insensitive
        ("203.0.113.45", Severity::High),             // STIX, confidence 85
        ("micros0ft-support.test", Severity::Medium), // STIX, confidence 55
        (
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
            Severity::High,
        ),
        ("198.51.100.140", Severity::High), // MISP ip-dst, threat level 1
        ("203.0.113.99", Severity::High),   // MISP ip-dst|port
        (
            "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9",
            Severity::High,
        ),
        ("192.0.2.10", Severity::Information), // MISP, to_ids false
    ];
    let iocs: Vec<&str> = cases.iter().map(|(i, _)| *i).collect();
    let rows = lookup(feed).lookup_typed(iocs.iter().map(|i| (i.to_string(), detect(i))).collect());
    assert_eq!(rows.len(), cases.len());
    for (row, (ioc, severity)) in rows.iter().zip(cases) {
        assert_eq!(row.status, Status::Ok, "{ioc}");
        assert_eq!(row.severity, severity, "{ioc}");
        assert_eq!(row.provider, "DemoFeed");
    }
    assert!(
        !rows.last().unwrap().result,
        "to_ids false is not malicious"
    );
}

#[test]
fn misses_and_revoked_are_not_found() {
    let rows = lookup(demo_feed().unwrap()).lookup_typed(vec![
        ("192.0.2.200".into(), IocType::Ipv4),
        ("safe.example.com".into(), IocType::Dns),
    ]);
    assert!(
        rows.iter().all(|r| r.status == Status::NotFound),
        "{rows:?}"
    );
}

#[test]
fn types_nobody_handles_still_get_a_row() {
    let rows =
        lookup(demo_feed().unwrap()).lookup_typed(vec![("CVE-2021-44228".into(), IocType::Cve)]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, Status::Unsupported);
}

#[test]
fn csv_problems_are_listed_and_good_rows_kept() {
    let text = "indicator,severity,description,campaign\n\
                198.51.100.5,high,one,alpha\n\
                198.51.100.6,high\n\
                ,low,empty,beta\n\
                bad.example.com,sort-of,odd severity,gamma\n\
                \"http://x.example.com/a,b\",low,\"quoted, comma\",delta\n";
    let feed = feeds::csv::from_str(text, "mine.csv").unwrap();
    assert_eq!(feed.len(), 3);
    let problems = feed.problems().join("\n");
    assert!(problems.contains("mine.csv line 3: 2 fields"), "{problems}");
    assert!(problems.contains("line 4: empty indicator"), "{problems}");
    assert!(
        problems.contains("line 5: severity \"sort-of\""),
        "{problems}"
    );
    let url = feed.matches("http://x.example.com/a,b", IocType::Url);
    assert_eq!(url[0].description.as_deref(), Some("quoted, comma"));
    assert_eq!(url[0].extra["campaign"], "delta");
    assert!(feed.supports(IocType::Dns));

    let err = feeds::csv::from_str("a,b\n1,2\n", "x.csv").unwrap_err();
    assert!(err.to_string().contains("no indicator column"), "{err}");
}

#[test]
fn stix_and_misp_errors_name_the_file() {
    let err = feeds::stix::from_str("{not json", "b.json").unwrap_err();
    assert!(
        err.to_string().starts_with("b.json: not valid JSON"),
        "{err}"
    );
    let err = feeds::stix::from_str(r#"{"type":"bundle"}"#, "b.json").unwrap_err();
    assert!(err.to_string().contains("no \"objects\""), "{err}");

    let stix = r#"{"type":"bundle","objects":[
        {"type":"indicator","id":"indicator--1","pattern":"[process:name = 'evil.exe']","pattern_type":"stix"},
        {"type":"indicator","id":"indicator--2","pattern":"rule x {}","pattern_type":"yara"},
        {"type":"indicator","id":"indicator--3","pattern":"[email-addr:value = 'ceo@example.net']","pattern_type":"stix"}
    ]}"#;
    let feed = feeds::stix::from_str(stix, "mixed.json").unwrap();
    assert_eq!(feed.len(), 1);
    assert_eq!(feed.problems().len(), 3, "{:?}", feed.problems());

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifest.json"), r#"{"u1":{},"u2":{}}"#).unwrap();
    std::fs::write(
        dir.path().join("u1.json"),
        r#"{"Event":{"info":"x","threat_level_id":"2","Attribute":[{"type":"md5","value":"44d88612fea8a8f36de82e1278abb02f","to_ids":true},{"type":"btc","value":"1abc"}]}}"#,
    )
    .unwrap();
    let feed = feeds::misp::from_dir(dir.path()).unwrap();
    assert_eq!(feed.len(), 1);
    let problems = feed.problems().join("\n");
    assert!(problems.contains("u2"), "{problems}");
    assert!(problems.contains("\"btc\" is not looked up"), "{problems}");
    let hit = feed.matches("44D88612FEA8A8F36DE82E1278ABB02F", IocType::Md5);
    assert_eq!(hit[0].severity, Severity::Medium);
}

#[test]
fn column_lookup_with_and_without_types() {
    let df = DataFrame::new(
        4,
        vec![
            Column::new(
                "Indicator".into(),
                vec![
                    Some("198.51.100.23"),
                    None,
                    Some("login-update.example.com"),
                    Some("x"),
                ],
            ),
            Column::new(
                "Kind".into(),
                vec![Some("ipv4"), None, Some("dns"), Some("nonsense")],
            ),
        ],
    )
    .unwrap();
    let frame = lookup(demo_feed().unwrap())
        .lookup_column(&df, "Indicator", Some("Kind"))
        .unwrap();
    let names: Vec<&str> = frame
        .get_column_names()
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ioc", "ioc_type", "provider", "result", "severity", "details", "raw", "status"
        ]
    );
    assert_eq!(
        frame.height(),
        3,
        "null indicators are dropped; the rest each get a row"
    );
    let types = frame.column("ioc_type").unwrap().str().unwrap();
    assert_eq!(types.get(0), Some("ipv4"));
    assert_eq!(types.get(2), Some("unknown"));
    let result = frame.column("result").unwrap().bool().unwrap();
    assert_eq!(result.get(0), Some(true));
    let details = frame.column("details").unwrap().str().unwrap();
    let parsed: serde_json::Value = serde_json::from_str(details.get(0).unwrap()).unwrap();
    assert_eq!(parsed["matches"], 1);
}

#[test]
fn feed_files_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.csv");
    std::fs::write(&path, "ioc,type\n203.0.113.200,ipv4\n").unwrap();
    let feed = feeds::csv::from_path(&path).unwrap();
    assert_eq!(feed.name(), "f.csv");
    let err = feeds::csv::from_path(&dir.path().join("nope.csv")).unwrap_err();
    assert!(err.to_string().contains("nope.csv"), "{err}");
}
