//! Column schemas for process events, the built-in ones and schema inference.
//!
//! A [`ProcSchema`] names the columns that carry a process's start time, id, name, parent id and
//! so on. The built-ins cover Windows Security 4688, Sysmon event 1, Defender for Endpoint
//! (`DeviceProcessEvents` and the older alert-style `CreatedProcess*` schema), Linux auditd (as
//! emitted by msticpy-like auditd extraction), osquery and FireEye HX. [`infer_schema`] picks the
//! built-in whose columns overlap the data most.

use std::fmt;
use std::str::FromStr;

use super::ProcTreeError;

/// Columns that identify a process's parent exactly, by its own creation time.
///
/// Defender for Endpoint reports, on every event, the initiating (parent) process's creation time
/// and the initiating process's own parent. Parents are then linked by key, not by searching
/// earlier events, and missing parents and grandparents are rebuilt from these columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentColumns {
    /// Creation time of the parent process.
    pub parent_time: String,
    /// Command line of the parent process, when the data carries it.
    pub parent_cmd_line: Option<String>,
    /// Process id of the parent's parent.
    pub grandparent_id: String,
    /// Name or path of the parent's parent.
    pub grandparent_name: String,
    /// Creation time of the parent's parent.
    pub grandparent_time: String,
}

/// How the column names of a process-event table map onto process-tree fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcSchema {
    /// A short label for messages (`"win4688"`, `"custom"`, …).
    pub label: String,
    /// Start time of the process (event time).
    pub time: String,
    /// Process name or image path.
    pub process_name: String,
    /// Process id (decimal, hex `0x…` or float columns are all accepted).
    pub process_id: String,
    /// Parent process id.
    pub parent_id: String,
    /// Parent process name or path; when absent (auditd), parents are matched on id alone.
    pub parent_name: Option<String>,
    /// Command line.
    pub cmd_line: Option<String>,
    /// Host name; parents are only searched on the same host.
    pub host: Option<String>,
    /// User (account) name.
    pub user: Option<String>,
    /// User id or SID.
    pub user_id: Option<String>,
    /// Logon (session) id.
    pub logon_id: Option<String>,
    /// Target logon id (Windows 4688), preferred over `logon_id` when set and not `0x0`.
    pub target_logon_id: Option<String>,
    /// Column holding the event type; rows whose value differs from `event_id_value` are skipped.
    pub event_id_column: Option<String>,
    /// The event type value of a process-creation event (`"4688"`, `"1"`, `"SYSCALL_EXECVE"`).
    pub event_id_value: Option<String>,
    /// Path separator used to split process paths into folder and file name.
    pub path_separator: char,
    /// Exact parent columns (Defender); `None` links parents by id and time.
    pub parent_columns: Option<ParentColumns>,
}

fn s(v: &str) -> String {
    v.to_string()
}

fn o(v: &str) -> Option<String> {
    Some(v.to_string())
}

impl ProcSchema {
    /// A schema with the four required columns; everything else unset.
    pub fn new(time: &str, process_name: &str, process_id: &str, parent_id: &str) -> Self {
        ProcSchema {
            label: s("custom"),
            time: s(time),
            process_name: s(process_name),
            process_id: s(process_id),
            parent_id: s(parent_id),
            parent_name: None,
            cmd_line: None,
            host: None,
            user: None,
            user_id: None,
            logon_id: None,
            target_logon_id: None,
            event_id_column: None,
            event_id_value: None,
            path_separator: '\\',
            parent_columns: None,
        }
    }

    /// Sets the parent name column.
    pub fn with_parent_name(mut self, col: &str) -> Self {
        self.parent_name = o(col);
        self
    }

    /// Sets the command-line column.
    pub fn with_cmd_line(mut self, col: &str) -> Self {
        self.cmd_line = o(col);
        self
    }

    /// Sets the host column.
    pub fn with_host(mut self, col: &str) -> Self {
        self.host = o(col);
        self
    }

    /// Sets the user name column.
    pub fn with_user(mut self, col: &str) -> Self {
        self.user = o(col);
        self
    }

    /// Sets the logon id column.
    pub fn with_logon_id(mut self, col: &str) -> Self {
        self.logon_id = o(col);
        self
    }

    /// Keeps only rows whose `column` equals `value` (compared as text).
    pub fn with_event_filter(mut self, column: &str, value: &str) -> Self {
        self.event_id_column = o(column);
        self.event_id_value = o(value);
        self
    }

    /// Sets the path separator.
    pub fn with_path_separator(mut self, sep: char) -> Self {
        self.path_separator = sep;
        self
    }

    /// Links parents exactly through Defender-style parent/grandparent columns.
    pub fn with_parent_columns(mut self, cols: ParentColumns) -> Self {
        self.parent_columns = Some(cols);
        self
    }

    /// Sets the label used in messages.
    pub fn with_label(mut self, label: &str) -> Self {
        self.label = s(label);
        self
    }

    /// Windows Security event 4688 (as in Sentinel's `SecurityEvent`).
    pub fn win_4688() -> Self {
        ProcSchema {
            label: s("win4688"),
            parent_name: o("ParentProcessName"),
            cmd_line: o("CommandLine"),
            host: o("Computer"),
            user: o("SubjectUserName"),
            user_id: o("SubjectUserSid"),
            logon_id: o("SubjectLogonId"),
            target_logon_id: o("TargetLogonId"),
            event_id_column: o("EventID"),
            event_id_value: o("4688"),
            ..Self::new(
                "TimeGenerated",
                "NewProcessName",
                "NewProcessId",
                "ProcessId",
            )
        }
    }

    /// Sysmon event 1 (process create).
    pub fn sysmon_1() -> Self {
        ProcSchema {
            label: s("sysmon1"),
            parent_name: o("ParentImage"),
            cmd_line: o("CommandLine"),
            host: o("Computer"),
            user: o("User"),
            logon_id: o("LogonId"),
            event_id_column: o("EventID"),
            event_id_value: o("1"),
            ..Self::new("UtcTime", "Image", "ProcessId", "ParentProcessId")
        }
    }

    /// Linux auditd `SYSCALL_EXECVE` events (msticpy's auditd extraction columns).
    pub fn lx_auditd() -> Self {
        ProcSchema {
            label: s("lxauditd"),
            cmd_line: o("cmdline"),
            host: o("Computer"),
            user: o("acct"),
            user_id: o("uid"),
            logon_id: o("ses"),
            event_id_column: o("EventType"),
            event_id_value: o("SYSCALL_EXECVE"),
            path_separator: '/',
            ..Self::new("TimeGenerated", "exe", "pid", "ppid")
        }
    }

    /// Defender for Endpoint `DeviceProcessEvents` (Advanced Hunting and Sentinel).
    pub fn mde() -> Self {
        ProcSchema {
            label: s("mde"),
            parent_name: o("InitiatingProcessFileName"),
            cmd_line: o("ProcessCommandLine"),
            host: o("DeviceName"),
            user: o("AccountName"),
            user_id: o("AccountSid"),
            logon_id: o("InitiatingProcessLogonId"),
            target_logon_id: o("LogonId"),
            event_id_column: o("ActionType"),
            event_id_value: o("ProcessCreated"),
            parent_columns: Some(ParentColumns {
                parent_time: s("InitiatingProcessCreationTime"),
                parent_cmd_line: o("InitiatingProcessCommandLine"),
                grandparent_id: s("InitiatingProcessParentId"),
                grandparent_name: s("InitiatingProcessParentFileName"),
                grandparent_time: s("InitiatingProcessParentCreationTime"),
            }),
            ..Self::new("Timestamp", "FileName", "ProcessId", "InitiatingProcessId")
        }
    }

    /// Defender for Endpoint's older alert-style schema (`CreatedProcess*` columns).
    pub fn mde_internal() -> Self {
        ProcSchema {
            label: s("mdeinternal"),
            parent_name: o("InitiatingProcessName"),
            cmd_line: o("CreatedProcessCommandLine"),
            host: o("ComputerDnsName"),
            user: o("CreatedProcessAccountName"),
            user_id: o("CreatedProcessAccountSid"),
            logon_id: o("InitiatingProcessLogonId"),
            parent_columns: Some(ParentColumns {
                parent_time: s("InitiatingProcessCreationTime"),
                parent_cmd_line: o("Process_CommandLine"),
                grandparent_id: s("InitiatingProcessParentProcessId"),
                grandparent_name: s("InitiatingProcessParentProcessName"),
                grandparent_time: s("InitiatingProcessParentCreationTime"),
            }),
            ..Self::new(
                "CreatedProcessCreationTime",
                "CreatedProcessName",
                "CreatedProcessId",
                "InitiatingProcessId",
            )
        }
    }

    /// osquery process events.
    pub fn osquery() -> Self {
        ProcSchema {
            label: s("osquery"),
            parent_name: o("pcmdline"),
            cmd_line: o("cmdline"),
            user: o("username"),
            user_id: o("uid"),
            path_separator: '/',
            ..Self::new("calendarTime", "name", "pid", "parent")
        }
    }

    /// FireEye HX `processEvent` records.
    pub fn fireeye_hx() -> Self {
        ProcSchema {
            label: s("fireeyehx"),
            parent_name: o("parentprocess"),
            cmd_line: o("processcmdline"),
            host: o("hostname"),
            user: o("username"),
            event_id_column: o("eventtype"),
            event_id_value: o("start"),
            ..Self::new("starttime", "process", "pid", "parentpid")
        }
    }

    /// Every column the schema names.
    pub fn columns(&self) -> Vec<&str> {
        let mut cols = vec![
            self.time.as_str(),
            self.process_name.as_str(),
            self.process_id.as_str(),
            self.parent_id.as_str(),
        ];
        let optional = [
            &self.parent_name,
            &self.cmd_line,
            &self.host,
            &self.user,
            &self.user_id,
            &self.logon_id,
            &self.target_logon_id,
            &self.event_id_column,
        ];
        cols.extend(optional.into_iter().flatten().map(String::as_str));
        if let Some(p) = &self.parent_columns {
            cols.extend([
                p.parent_time.as_str(),
                p.grandparent_id.as_str(),
                p.grandparent_name.as_str(),
                p.grandparent_time.as_str(),
            ]);
            cols.extend(p.parent_cmd_line.as_deref());
        }
        cols
    }
}

/// The built-in schemas, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltinSchema {
    /// Windows Security 4688 (`win4688`).
    Win4688,
    /// Linux auditd (`lxauditd`).
    LxAuditd,
    /// Defender for Endpoint alert-style schema (`mdeinternal`).
    MdeInternal,
    /// Defender for Endpoint `DeviceProcessEvents` (`mde`).
    Mde,
    /// Sysmon event 1 (`sysmon1`).
    Sysmon1,
    /// osquery (`osquery`).
    Osquery,
    /// FireEye HX (`fireeyehx`).
    FireEyeHx,
}

impl BuiltinSchema {
    /// All built-ins, in inference order (a later schema wins a tie, as in msticpy).
    pub const ALL: [BuiltinSchema; 7] = [
        BuiltinSchema::Win4688,
        BuiltinSchema::LxAuditd,
        BuiltinSchema::MdeInternal,
        BuiltinSchema::Mde,
        BuiltinSchema::Sysmon1,
        BuiltinSchema::Osquery,
        BuiltinSchema::FireEyeHx,
    ];

    /// The schema's columns.
    pub fn schema(self) -> ProcSchema {
        match self {
            BuiltinSchema::Win4688 => ProcSchema::win_4688(),
            BuiltinSchema::LxAuditd => ProcSchema::lx_auditd(),
            BuiltinSchema::MdeInternal => ProcSchema::mde_internal(),
            BuiltinSchema::Mde => ProcSchema::mde(),
            BuiltinSchema::Sysmon1 => ProcSchema::sysmon_1(),
            BuiltinSchema::Osquery => ProcSchema::osquery(),
            BuiltinSchema::FireEyeHx => ProcSchema::fireeye_hx(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            BuiltinSchema::Win4688 => "win4688",
            BuiltinSchema::LxAuditd => "lxauditd",
            BuiltinSchema::MdeInternal => "mdeinternal",
            BuiltinSchema::Mde => "mde",
            BuiltinSchema::Sysmon1 => "sysmon1",
            BuiltinSchema::Osquery => "osquery",
            BuiltinSchema::FireEyeHx => "fireeyehx",
        }
    }
}

impl fmt::Display for BuiltinSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BuiltinSchema {
    type Err = ProcTreeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text
            .trim()
            .to_ascii_lowercase()
            .replace(['_', '-', ' '], "");
        BuiltinSchema::ALL
            .into_iter()
            .find(|b| b.name() == wanted)
            .ok_or_else(|| ProcTreeError::UnknownSchema {
                name: text.to_string(),
            })
    }
}

/// The built-in schema whose columns overlap `columns` most (at least four columns), or `None`.
///
/// Ties go to the later schema in [`BuiltinSchema::ALL`].
pub fn infer_schema<S: AsRef<str>>(columns: &[S]) -> Option<ProcSchema> {
    let names: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    let mut best: Option<(usize, ProcSchema)> = None;
    for builtin in BuiltinSchema::ALL {
        let schema = builtin.schema();
        let overlap = schema
            .columns()
            .iter()
            .filter(|c| names.contains(c))
            .count();
        if overlap >= 4 && best.as_ref().is_none_or(|(n, _)| overlap >= *n) {
            best = Some((overlap, schema));
        }
    }
    best.map(|(_, schema)| schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_builtin_names() {
        assert_eq!(
            "WIN_4688".parse::<BuiltinSchema>().ok(),
            Some(BuiltinSchema::Win4688)
        );
        assert_eq!(
            "lx-auditd".parse::<BuiltinSchema>().ok(),
            Some(BuiltinSchema::LxAuditd)
        );
        assert!("nope".parse::<BuiltinSchema>().is_err());
        assert_eq!(BuiltinSchema::Mde.to_string(), "mde");
    }

    #[test]
    fn infers_sysmon_and_4688() {
        let sysmon = [
            "EventID",
            "Computer",
            "UtcTime",
            "Image",
            "ProcessId",
            "ParentImage",
        ];
        assert_eq!(
            infer_schema(&sysmon).map(|s| s.label),
            Some("sysmon1".into())
        );
        let win = [
            "TimeGenerated",
            "NewProcessName",
            "NewProcessId",
            "ProcessId",
            "EventID",
        ];
        assert_eq!(infer_schema(&win).map(|s| s.label), Some("win4688".into()));
        assert!(infer_schema(&["a", "b"]).is_none());
    }
}
