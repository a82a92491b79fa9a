//! auditd parsing: msticpy's Log Analytics export and raw audit.log, OTRF auoms data, and
//! malformed input.

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::io::Read;

use huntbook_analysis::auditd::{
    AuditOptions, event_subset, extract_events_to_df, extract_records_to_df, read_audit_file,
    read_audit_log,
};
use huntbook_analysis::cmdline::{RiskyOptions, risky_cmd_line};
use huntbook_analysis::proctree::{BuiltinSchema, TreeOptions, build_process_tree};
use huntbook_testkit::shared_data;
use polars::prelude::*;

fn shared(rel: &str) -> Option<std::path::PathBuf> {
    let path = shared_data(rel);
    if path.is_none() {
        eprintln!("skipping: shared test data {rel} is not available");
    }
    path
}

fn strings(df: &DataFrame, col: &str) -> Vec<Option<String>> {
    df.column(col)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// msticpy's test_extract_from_log_analytics, ported.
#[test]
fn extracts_log_analytics_rows_like_msticpy() {
    let Some(path) = shared("logs/msticpy/linux_events.csv") else {
        return;
    };
    let input = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path))
        .unwrap()
        .finish()
        .unwrap();
    assert!(input.height() >= 100);
    let import_time = input
        .column("TimeGenerated")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();

    let out = extract_events_to_df(&input, "AuditdMessage", &AuditOptions::default()).unwrap();
    assert_eq!(out.height(), input.height());
    assert!(out.width() >= 32);
    assert!(
        strings(&out, "error").iter().all(Option::is_none),
        "{:?}",
        strings(&out, "error")
    );

    let types = strings(&out, "EventType");
    let count = |t: &str| types.iter().filter(|x| x.as_deref() == Some(t)).count();
    for t in [
        "USER_END",
        "CRED_DISP",
        "SYSCALL_EXECVE",
        "USER_ACCT",
        "CRED_ACQ",
        "LOGIN",
        "USER_START",
        "USER_CMD",
        "CRED_REFR",
    ] {
        assert!(count(t) >= 1, "no {t} events");
    }
    assert!(count("SYSCALL_EXECVE") >= 82);
    assert!(count("USER_CMD") >= 2);

    let execs = event_subset(&out, "SYSCALL_EXECVE").unwrap();
    let times: Vec<Option<i64>> = execs
        .column("TimeGenerated")
        .unwrap()
        .datetime()
        .unwrap()
        .physical()
        .iter()
        .collect();
    for col in ["Computer", "exe", "cmdline", "cwd"] {
        assert!(
            strings(&execs, col)
                .iter()
                .skip(1)
                .take(19)
                .all(Option::is_some),
            "{col} missing"
        );
    }
    assert!(times.iter().all(Option::is_some));
    // The event time comes from the audit header, not the ingest time (2019-02-18 16:00:00).
    assert_ne!(
        times[1],
        Some(1_550_505_600_000),
        "import time {import_time} used"
    );
    assert_eq!(times[0], Some(1_550_505_632_285));

    let cmd = strings(&execs, "cmdline")[0].clone();
    assert_eq!(cmd.as_deref(), Some("/bin/sh -c iptables --version"));
    // msticpy hex-decodes only a0–a3, leaving blanks for later arguments; all are decoded here.
    let all_args = strings(&execs, "cmdline");
    assert!(all_args.iter().flatten().any(|c| c
        == "iptables -w -t security -C OUTPUT -d 168.63.129.16 -p tcp -m conntrack --ctstate INVALID,NEW -j DROP"));
    let pids = execs.column("pid").unwrap().i64().unwrap();
    assert_eq!(pids.get(0), Some(28066));
    assert_eq!(
        execs.column("auid").unwrap().i64().unwrap().get(0),
        Some(-1)
    );

    let logins = event_subset(&out, "LOGIN").unwrap();
    assert!(logins.height() >= 1);
    assert!(strings(&logins, "Computer").iter().all(Option::is_some));
    // TenantId and other input columns ride along.
    assert!(out.column("TenantId").is_ok());
}

/// msticpy's test_auditd_utils: the process events build a tree with the Linux schema;
/// at least 85 processes and a largest depth of 5.
#[test]
fn process_events_feed_the_process_tree() {
    let Some(path) = shared("logs/msticpy/linux_events.csv") else {
        return;
    };
    let input = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path))
        .unwrap()
        .finish()
        .unwrap();
    let out = extract_events_to_df(&input, "AuditdMessage", &AuditOptions::default()).unwrap();
    let execs = event_subset(&out, "SYSCALL_EXECVE").unwrap();

    let opts = TreeOptions::default().with_builtin(BuiltinSchema::LxAuditd);
    let tree = build_process_tree(&execs, &opts).unwrap();
    let summary = tree.summary();
    assert!(summary.processes >= 85, "{summary}");
    assert_eq!(summary.largest_depth, 5, "{summary}");

    let inferred = build_process_tree(&execs, &TreeOptions::default()).unwrap();
    assert_eq!(inferred.schema().label, "lxauditd");
}

/// msticpy's test_auditd_from_file reads auditd_log.txt as 381 events (78 process starts)
/// because it groups by timestamp alone; grouped by the event serial, as auditd intends,
/// the file holds 938 events of which 146 are SYSCALL+EXECVE process starts.
#[test]
fn reads_raw_audit_log() {
    let Some(path) = shared("logs/msticpy/auditd_log.txt") else {
        return;
    };
    let out = read_audit_file(
        &path,
        &AuditOptions::default().with_computer("msticpy-host"),
    )
    .unwrap();
    assert_eq!(out.height(), 938);
    assert!(strings(&out, "error").iter().all(Option::is_none));

    let execs = event_subset(&out, "SYSCALL_EXECVE").unwrap();
    assert_eq!(execs.height(), 146);
    assert!(strings(&execs, "cmdline").iter().all(Option::is_some));
    assert!(
        strings(&execs, "Computer")
            .iter()
            .all(|c| c.as_deref() == Some("msticpy-host"))
    );

    let logins = event_subset(&out, "USER_LOGIN").unwrap();
    assert_eq!(logins.height(), 191);
    let addrs = strings(&logins, "addr");
    assert_eq!(addrs[0].as_deref(), Some("36.156.24.99"));
    assert_eq!(strings(&logins, "res")[0].as_deref(), Some("failed"));

    let sudo_cmds = event_subset(&out, "USER_CMD").unwrap();
    assert_eq!(sudo_cmds.height(), 17);
    let cmd = strings(&sudo_cmds, "cmd")[0].clone().unwrap();
    assert!(
        cmd.starts_with("wget https://raw.githubusercontent.com/Microsoft/OMS-Agent-for-Linux/"),
        "{cmd}"
    );
    assert_eq!(
        strings(&sudo_cmds, "cwd")[0].as_deref(),
        Some("/home/linuxserveradmin")
    );

    let only = read_audit_file(
        &path,
        &AuditOptions::default().with_event_type("SYSCALL_EXECVE"),
    )
    .unwrap();
    assert_eq!(only.height(), 146);
}

#[test]
fn malformed_lines_are_reported_with_line_numbers() {
    let log = "type=SYSCALL msg=audit(1600000000.100:1): syscall=59 pid=12 ppid=1 exe=\"/bin/ls\"\n\
               this is not an audit record\n\
               \n\
               type=EXECVE msg=audit(1600000000.100:1): argc=2 a0=\"ls\" a1=\"-la\"\n\
               type=SYSCALL msg=audit(1600000001.000:2): syscall=59 pid=abc ppid=1\n\
               \u{0}\u{ff}\u{1b}[31m binary junk type=\n";
    let out = read_audit_log(log, &AuditOptions::default()).unwrap();
    assert_eq!(out.height(), 4);
    let errors = strings(&out, "error");
    assert_eq!(errors[0], None);
    assert!(
        errors[1]
            .as_deref()
            .unwrap()
            .starts_with("line 2: no audit header")
    );
    assert!(
        errors[2]
            .as_deref()
            .unwrap()
            .contains("pid=\"abc\" is not an integer"),
        "{errors:?}"
    );
    assert!(errors[3].as_deref().unwrap().starts_with("line 6:"));
    assert_eq!(strings(&out, "cmdline")[0].as_deref(), Some("ls -la"));
    let lines: Vec<Option<u32>> = out.column("line").unwrap().u32().unwrap().iter().collect();
    assert_eq!(lines, vec![Some(1), Some(2), Some(5), Some(6)]);
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces = [
        "type=",
        "SYSCALL ",
        "msg=audit(",
        "1.2:3): ",
        "a0=",
        "\"",
        "'",
        "msg='",
        "=",
        " ",
        "\x1d",
        "4F4B",
        "(",
        ")",
    ];
    for _ in 0..300 {
        let mut text = String::new();
        for _ in 0..(next() % 40) {
            if next() % 3 == 0 {
                text.push(char::from_u32((next() % 0x11_0000) as u32).unwrap_or('?'));
            } else {
                text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            if next() % 10 == 0 {
                text.push('\n');
            }
        }
        let _ = read_audit_log(&text, &AuditOptions::default()).unwrap();
    }
}

/// OTRF's log4shell dataset: auoms (the Azure auditd plugin) process events forwarded
/// through syslog, one record per event, with the reverse-shell command line.
#[test]
fn reads_otrf_auoms_events() {
    let Some(path) = shared(
        "logs/otrf/datasets/compound/Log4Shell/syslog_auoms_auditd_log4shell_cve2021_44228_jndi_reference.zip",
    ) else {
        return;
    };
    let mut archive = ::zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    archive
        .by_index(0)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let (mut messages, mut computers) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        messages.push(
            row["SyslogMessage"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        computers.push(row["Computer"].as_str().unwrap_or_default().to_string());
    }
    let input = DataFrame::new(
        messages.len(),
        vec![
            Column::new("SyslogMessage".into(), messages),
            Column::new("Computer".into(), computers),
        ],
    )
    .unwrap();

    let out = extract_events_to_df(&input, "SyslogMessage", &AuditOptions::default()).unwrap();
    assert_eq!(out.height(), input.height());
    assert!(
        strings(&out, "error").iter().all(Option::is_none),
        "{:?}",
        strings(&out, "error")
    );
    let execs = event_subset(&out, "SYSCALL_EXECVE").unwrap();
    assert!(execs.height() >= 40);
    assert!(
        strings(&execs, "Computer")
            .iter()
            .all(|c| c.as_deref() == Some("UBUNTU5"))
    );
    let cmdlines: Vec<String> = strings(&execs, "cmdline").into_iter().flatten().collect();
    assert!(
        cmdlines.iter().any(|c| c.contains("{base64,-d}|{bash,-i}")),
        "{cmdlines:?}"
    );

    let risky = risky_cmd_line(&execs, "cmdline", &RiskyOptions::default()).unwrap();
    let rules: Vec<String> = strings(&risky, "matched_rules")
        .into_iter()
        .flatten()
        .collect();
    assert!(rules.iter().any(|r| r.contains("HB-LNX-005")), "{rules:?}");
}

/// Audit records forwarded line by line through syslog, read with the syslog parser, then
/// merged back into events across rows.
#[test]
fn merges_forwarded_records_across_syslog_rows() {
    use huntbook_analysis::syslog::{ReadOptions, read_syslog};

    let text = "\
Dec  3 10:00:00 web1 audispd: node=web1 type=SYSCALL msg=audit(1796292000.100:501): syscall=59 success=yes ppid=900 pid=901 uid=0 exe=\"/usr/bin/curl\"
Dec  3 10:00:00 web1 audispd: node=web1 type=EXECVE msg=audit(1796292000.100:501): argc=3 a0=\"curl\" a1=\"-s\" a2=\"http://203.0.113.8/x\"
Dec  3 10:00:00 web1 sshd[5]: Server listening on 0.0.0.0 port 22.
Dec  3 10:00:01 web1 audispd: type=CWD msg=audit(1796292000.100:501): cwd=\"/tmp\"
";
    let rows = read_syslog(text, &ReadOptions::default().with_year(2026)).unwrap();
    let out = extract_records_to_df(&rows, "SyslogMessage", &AuditOptions::default()).unwrap();
    assert_eq!(out.height(), 2);
    assert_eq!(
        strings(&out, "EventType")[0].as_deref(),
        Some("SYSCALL_EXECVE")
    );
    assert_eq!(
        strings(&out, "cmdline")[0].as_deref(),
        Some("curl -s http://203.0.113.8/x")
    );
    assert_eq!(strings(&out, "cwd")[0].as_deref(), Some("/tmp"));
    assert_eq!(strings(&out, "Computer")[0].as_deref(), Some("web1"));
    let rows_col: Vec<Option<u32>> = out
        .column("src_row")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(rows_col, vec![Some(0), Some(2)]);
    assert!(
        strings(&out, "error")[1]
            .as_deref()
            .unwrap()
            .starts_with("row 2: no audit header")
    );
}
