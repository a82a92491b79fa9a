//! Records sharing an event serial collapsed into one event, and process command lines rebuilt.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::record::Record;

/// One audit event (or a line that could not be read, with `errors` saying why).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditEvent {
    /// Event time, UTC milliseconds.
    pub time_ms: Option<i64>,
    /// The event serial number.
    pub serial: Option<u64>,
    /// `SYSCALL_EXECVE` for process starts (SYSCALL + EXECVE, or auoms' AUOMS_EXECVE),
    /// else the first record's type.
    pub event_type: Option<String>,
    /// Types of the records merged, in log order.
    pub record_types: Vec<String>,
    /// The host: `node=`, the syslog prefix's host, or the input's Computer.
    pub computer: Option<String>,
    /// First input line of the event (1-based), for text input.
    pub line: Option<u32>,
    /// Input row, for frame input.
    pub src_row: Option<u32>,
    /// Fields merged across records: SYSCALL's first, then EXECVE, CWD, PROCTITLE, others.
    pub fields: HashMap<String, String>,
    /// Every record's fields as JSON: `{"TYPE": {…}}`, an array for repeated types.
    pub all_fields: Map<String, Value>,
    /// The process command line (EXECVE arguments joined by spaces, or auoms' `cmdline`).
    pub cmdline: Option<String>,
    /// What went wrong, with line numbers when known.
    pub errors: Vec<String>,
}

impl AuditEvent {
    /// An event for an unreadable input, carrying only where it was and why.
    pub fn failed(line: Option<u32>, src_row: Option<u32>, error: String) -> Self {
        Self {
            line,
            src_row,
            errors: vec![error],
            ..Self::default()
        }
    }

    /// A merged field's value.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }
}

/// Groups records by (time, serial), in order of first appearance; `line` is 1-based.
pub fn group_records(records: Vec<(u32, Record)>) -> Vec<Vec<(u32, Record)>> {
    let mut order: Vec<Vec<(u32, Record)>> = Vec::new();
    let mut index: HashMap<(i64, u64), usize> = HashMap::new();
    for (line, record) in records {
        let key = (record.time_ms, record.serial);
        match index.get(&key) {
            Some(&at) => order[at].push((line, record)),
            None => {
                index.insert(key, order.len());
                order.push(vec![(line, record)]);
            }
        }
    }
    order
}

fn priority(record_type: &str) -> u8 {
    match record_type {
        "SYSCALL" | "AUOMS_EXECVE" | "AUOMS_SYSCALL" => 0,
        "EXECVE" => 1,
        "CWD" => 2,
        "PROCTITLE" => 3,
        _ => 4,
    }
}

/// One event from the records that share its serial.
pub fn build_event(mut records: Vec<(u32, Record)>, default_computer: Option<&str>) -> AuditEvent {
    records.retain(|(_, r)| r.record_type != "EOE");
    let mut event = AuditEvent {
        line: records.iter().map(|(l, _)| *l).filter(|l| *l > 0).min(),
        record_types: records.iter().map(|(_, r)| r.record_type.clone()).collect(),
        ..AuditEvent::default()
    };
    let Some((_, first)) = records.first() else {
        return event;
    };
    event.time_ms = Some(first.time_ms);
    event.serial = Some(first.serial);
    event.computer = records
        .iter()
        .find_map(|(_, r)| {
            r.node
                .clone()
                .or_else(|| r.prefix.as_deref().and_then(prefix_host))
        })
        .or_else(|| default_computer.map(str::to_string));

    let types = &event.record_types;
    let is_exec = (types.iter().any(|t| t == "SYSCALL") && types.iter().any(|t| t == "EXECVE"))
        || types.iter().any(|t| t == "AUOMS_EXECVE");
    event.event_type = Some(if is_exec {
        "SYSCALL_EXECVE".to_string()
    } else {
        types[0].clone()
    });

    event.all_fields = all_fields(&records);
    records.sort_by_key(|(_, r)| priority(&r.record_type));
    for (_, record) in &records {
        for (key, value) in &record.fields {
            event
                .fields
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
    }
    // The account name: user-space records carry acct; for processes take the name that
    // enriched logs (`UID="root"` after \x1d) or auoms (`user=`) give for the uid.
    if !event.fields.contains_key("acct")
        && let Some(name) = event
            .fields
            .get("UID")
            .or_else(|| event.fields.get("user"))
            .cloned()
    {
        event.fields.insert("acct".to_string(), name);
    }
    event.cmdline = records
        .iter()
        .find(|(_, r)| r.record_type == "EXECVE")
        .map(|(_, r)| execve_cmdline(&r.fields))
        .or_else(|| event.fields.get("cmdline").cloned());
    event
}

fn all_fields(records: &[(u32, Record)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (_, record) in records {
        let obj: Map<String, Value> = record
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        match out.get_mut(&record.record_type) {
            None => {
                out.insert(record.record_type.clone(), Value::Object(obj));
            }
            Some(Value::Array(items)) => items.push(Value::Object(obj)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::Object(obj)]);
            }
        }
    }
    out
}

/// `a0 … a{argc-1}` joined by spaces; long arguments split as `aN[0]`, `aN[1]`, … are
/// reassembled first.
fn execve_cmdline(fields: &[(String, String)]) -> String {
    let mut whole: BTreeMap<usize, String> = BTreeMap::new();
    let mut chunks: BTreeMap<(usize, usize), String> = BTreeMap::new();
    let mut argc: Option<usize> = None;
    for (key, value) in fields {
        if key == "argc" {
            argc = value.parse().ok();
            continue;
        }
        let Some(rest) = key.strip_prefix('a') else {
            continue;
        };
        if rest.ends_with("_len") {
            continue;
        }
        match rest.split_once('[') {
            Some((n, chunk)) => {
                if let (Ok(n), Ok(c)) = (n.parse(), chunk.trim_end_matches(']').parse()) {
                    chunks.insert((n, c), value.clone());
                }
            }
            None => {
                if let Ok(n) = rest.parse() {
                    whole.insert(n, value.clone());
                }
            }
        }
    }
    for ((n, _), piece) in chunks {
        whole.entry(n).or_default().push_str(&piece);
    }

    let count = argc.unwrap_or_else(|| whole.keys().next_back().map_or(0, |n| n + 1));
    (0..count)
        .map(|n| whole.get(&n).map_or("", String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The host in a syslog prefix: `Mmm dd hh:mm:ss HOST tag:` or `ISO-TIME HOST tag:`.
fn prefix_host(prefix: &str) -> Option<String> {
    let prefix = match prefix.strip_prefix('<') {
        Some(rest) => rest.split_once('>').map_or(prefix, |(_, after)| after),
        None => prefix,
    };
    let tokens: Vec<&str> = prefix.split_whitespace().collect();
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let host = match tokens.first() {
        Some(t) if MONTHS.contains(t) => tokens.get(3),
        Some(t) if t.len() >= 10 && t.as_bytes()[4] == b'-' => tokens.get(1),
        _ => None,
    }?;
    (!host.ends_with(':')).then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::record::parse_line;
    use super::*;

    #[test]
    fn merges_execve_event() {
        let lines = [
            "type=SYSCALL msg=audit(1550505632.285:9077924): arch=c000003e syscall=59 success=yes ppid=22536 pid=28066 uid=0 exe=\"/bin/dash\"",
            "type=EXECVE msg=audit(1550505632.285:9077924): argc=3 a0=\"/bin/sh\" a1=\"-c\" a2=69707461626C6573202D2D76657273696F6E",
            "type=CWD msg=audit(1550505632.285:9077924): cwd=\"/var/lib/waagent\"",
            "type=EOE msg=audit(1550505632.285:9077924):",
        ];
        let records: Vec<(u32, Record)> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i as u32 + 1, parse_line(l).unwrap()))
            .collect();
        let groups = group_records(records);
        assert_eq!(groups.len(), 1);
        let event = build_event(groups.into_iter().next().unwrap(), Some("host1"));
        assert_eq!(event.event_type.as_deref(), Some("SYSCALL_EXECVE"));
        assert_eq!(
            event.cmdline.as_deref(),
            Some("/bin/sh -c iptables --version")
        );
        assert_eq!(event.field("cwd"), Some("/var/lib/waagent"));
        assert_eq!(event.field("pid"), Some("28066"));
        assert_eq!(event.computer.as_deref(), Some("host1"));
        assert_eq!(event.line, Some(1));
        assert_eq!(event.record_types, vec!["SYSCALL", "EXECVE", "CWD"]);
    }

    #[test]
    fn reassembles_split_arguments() {
        let fields: Vec<(String, String)> = [
            ("argc", "2"),
            ("a0", "echo"),
            ("a1_len", "6"),
            ("a1[1]", "def"),
            ("a1[0]", "abc"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(execve_cmdline(&fields), "echo abcdef");
    }

    #[test]
    fn finds_host_in_syslog_prefix() {
        assert_eq!(
            prefix_host("Feb 18 16:00:00 web1 audispd:").as_deref(),
            Some("web1")
        );
        assert_eq!(
            prefix_host("<14>2024-01-02T03:04:05Z db2 audisp-syslog:").as_deref(),
            Some("db2")
        );
        assert_eq!(prefix_host("junk"), None);
    }
}
