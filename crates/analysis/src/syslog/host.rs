//! Host facts from syslog rows and, when given, Log Analytics Heartbeat rows (msticpy's
//! `create_host_record`).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::LazyLock;

use polars::prelude::*;
use regex::Regex;

use super::SyslogError;
use crate::cmdline::columns;

/// Programs every Linux host runs; they are left out of `Applications` (msticpy's list).
const STANDARD_PROGRAMS: [&str; 10] = [
    "CRON",
    "sudo",
    "snapd",
    "systemd-resolved",
    "systemd",
    "crontab",
    "systemd-timesyncd",
    "systemd-logind",
    "rsyslogd",
    "syslog-ng",
];

/// Heartbeat columns copied to the host row when a heartbeat frame is given.
const HEARTBEAT_COLUMNS: [&str; 12] = [
    "SourceComputerId",
    "OSType",
    "OSName",
    "OSMajorVersion",
    "OSMinorVersion",
    "ComputerEnvironment",
    "Solutions",
    "VMUUID",
    "ComputerIP",
    "RemoteIPCountry",
    "RemoteIPLatitude",
    "RemoteIPLongitude",
];

/// Distro and kernel names that messages give away.
const OS_WORDS: [&str; 10] = [
    "Ubuntu",
    "Debian",
    "CentOS",
    "Red Hat",
    "RHEL",
    "Fedora",
    "SUSE",
    "Amazon Linux",
    "Alpine",
    "Oracle Linux",
];

static IPV4: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(?:\d{1,3}\.){3}\d{1,3}\b").ok());
static KERNEL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"Linux version (\S+)|kernel=(\S+)|(\d+\.\d+\.\d+-\d+-(?:azure|aws|gcp|generic|oracle))",
    )
    .ok()
});

#[derive(Default)]
struct Facts {
    host_names: BTreeSet<String>,
    host_ips: BTreeSet<String>,
    message_ips: BTreeSet<String>,
    applications: BTreeSet<String>,
    facilities: BTreeSet<String>,
    os_hints: BTreeSet<String>,
    kernel: Option<String>,
    first: Option<i64>,
    last: Option<i64>,
    events: u32,
}

/// One row per `Computer` in `syslog` with what the rows say about it.
///
/// Columns: `Computer`, `HostNames`, `FirstSeen`, `LastSeen`, `Events` (u32), `HostIPs`
/// (the HostIP column), `MessageIPs` (IPv4 addresses named in messages, up to 100),
/// `Applications` (programs other than the standard ones), `Facilities`, `OSHints` (distro
/// names in messages), `KernelVersion`, then — from the host's latest heartbeat row, when
/// `heartbeat` is given — `SourceComputerId`, `OSType`, `OSName`, `OSMajorVersion`,
/// `OSMinorVersion`, `ComputerEnvironment`, `Solutions`, `VMUUID`, `ComputerIP`,
/// `RemoteIPCountry`, `RemoteIPLatitude`, `RemoteIPLongitude` (text). Lists are `", "`-joined.
pub fn host_record(
    syslog: &DataFrame,
    heartbeat: Option<&DataFrame>,
) -> Result<DataFrame, SyslogError> {
    let facts = gather(syslog)?;
    let beats = match heartbeat {
        Some(hb) => latest_heartbeats(hb)?,
        None => BTreeMap::new(),
    };

    let names: Vec<&String> = facts.keys().collect();
    let f: Vec<&Facts> = facts.values().collect();
    let join = |set: &BTreeSet<String>| -> Option<String> {
        (!set.is_empty()).then(|| set.iter().cloned().collect::<Vec<_>>().join(", "))
    };
    let mut cols = vec![
        Column::new(
            "Computer".into(),
            names.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "HostNames".into(),
            f.iter().map(|x| join(&x.host_names)).collect::<Vec<_>>(),
        ),
        columns::datetime_column("FirstSeen", f.iter().map(|x| x.first).collect()),
        columns::datetime_column("LastSeen", f.iter().map(|x| x.last).collect()),
        Column::new(
            "Events".into(),
            f.iter().map(|x| x.events).collect::<Vec<_>>(),
        ),
        Column::new(
            "HostIPs".into(),
            f.iter().map(|x| join(&x.host_ips)).collect::<Vec<_>>(),
        ),
        Column::new(
            "MessageIPs".into(),
            f.iter().map(|x| join(&x.message_ips)).collect::<Vec<_>>(),
        ),
        Column::new(
            "Applications".into(),
            f.iter().map(|x| join(&x.applications)).collect::<Vec<_>>(),
        ),
        Column::new(
            "Facilities".into(),
            f.iter().map(|x| join(&x.facilities)).collect::<Vec<_>>(),
        ),
        Column::new(
            "OSHints".into(),
            f.iter().map(|x| join(&x.os_hints)).collect::<Vec<_>>(),
        ),
        Column::new(
            "KernelVersion".into(),
            f.iter().map(|x| x.kernel.clone()).collect::<Vec<_>>(),
        ),
    ];
    if heartbeat.is_some() {
        for (i, name) in HEARTBEAT_COLUMNS.iter().enumerate() {
            let values: Vec<Option<String>> = names
                .iter()
                .map(|n| beats.get(n.as_str()).and_then(|row| row[i].clone()))
                .collect();
            cols.push(Column::new((*name).into(), values));
        }
    }
    Ok(DataFrame::new(names.len(), cols)?)
}

fn gather(df: &DataFrame) -> Result<BTreeMap<String, Facts>, SyslogError> {
    let computers = {
        let c = columns::strings_or_null(df, "Computer");
        let h = columns::strings_or_null(df, "HostName");
        c.into_iter()
            .zip(h)
            .map(|(c, h)| c.or(h))
            .collect::<Vec<_>>()
    };
    let host_names = columns::strings_or_null(df, "HostName");
    let host_ips = columns::strings_or_null(df, "HostIP");
    let programs = columns::strings_or_null(df, "ProcessName");
    let facilities = columns::strings_or_null(df, "Facility");
    let messages = columns::strings_or_null(df, "SyslogMessage");
    let times = columns::times_ms(df, "TimeGenerated").unwrap_or_else(|_| vec![None; df.height()]);

    let mut out: BTreeMap<String, Facts> = BTreeMap::new();
    for row in 0..df.height() {
        let computer = computers[row]
            .clone()
            .unwrap_or_else(|| "(unknown)".to_string());
        let facts = out.entry(computer).or_default();
        facts.events += 1;
        add(&mut facts.host_names, &host_names[row]);
        add(&mut facts.facilities, &facilities[row]);
        if let Some(ip) = host_ips[row]
            .as_deref()
            .filter(|ip| ip.trim().parse::<IpAddr>().is_ok())
        {
            facts.host_ips.insert(ip.trim().to_string());
        }
        if let Some(p) = programs[row]
            .as_deref()
            .filter(|p| !STANDARD_PROGRAMS.contains(p) && !p.is_empty())
        {
            facts.applications.insert(p.to_string());
        }
        if let Some(message) = &messages[row] {
            read_message(facts, message);
        }
        if let Some(t) = times[row] {
            facts.first = Some(facts.first.map_or(t, |f| f.min(t)));
            facts.last = Some(facts.last.map_or(t, |l| l.max(t)));
        }
    }
    Ok(out)
}

fn add(set: &mut BTreeSet<String>, value: &Option<String>) {
    if let Some(v) = value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "null")
    {
        set.insert(v.to_string());
    }
}

fn read_message(facts: &mut Facts, message: &str) {
    if let Some(re) = IPV4.as_ref() {
        for m in re.find_iter(message) {
            if facts.message_ips.len() < 100 && m.as_str().parse::<IpAddr>().is_ok() {
                facts.message_ips.insert(m.as_str().to_string());
            }
        }
    }
    for word in OS_WORDS {
        if message.contains(word) {
            facts.os_hints.insert(word.to_string());
        }
    }
    if facts.kernel.is_none() {
        facts.kernel = KERNEL
            .as_ref()
            .and_then(|re| re.captures(message))
            .and_then(|c| {
                c.iter()
                    .skip(1)
                    .flatten()
                    .next()
                    .map(|m| m.as_str().to_string())
            });
    }
}

/// Each computer's latest heartbeat, as the [`HEARTBEAT_COLUMNS`] values.
fn latest_heartbeats(hb: &DataFrame) -> Result<BTreeMap<String, Vec<Option<String>>>, SyslogError> {
    let computers = columns::strings(hb, "Computer")?;
    let times = columns::times_ms(hb, "TimeGenerated").unwrap_or_else(|_| vec![None; hb.height()]);
    let values: Vec<Vec<Option<String>>> = HEARTBEAT_COLUMNS
        .iter()
        .map(|c| columns::strings_or_null(hb, c))
        .collect();

    let mut best: BTreeMap<String, (Option<i64>, usize)> = BTreeMap::new();
    for (row, computer) in computers.iter().enumerate() {
        let Some(computer) = computer else { continue };
        let entry = best.entry(computer.clone()).or_insert((times[row], row));
        if times[row] > entry.0 {
            *entry = (times[row], row);
        }
    }
    Ok(best
        .into_iter()
        .map(|(c, (_, row))| (c, values.iter().map(|col| col[row].clone()).collect()))
        .collect())
}
