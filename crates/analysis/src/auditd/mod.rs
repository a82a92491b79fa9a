//! Linux audit (auditd) logs: records parsed, records of one event collapsed into one row,
//! hex fields decoded and process command lines rebuilt.
//!
//! - `record`: one line — `type=… msg=audit(SECONDS.MS:SERIAL): key=value …`, also with
//!   `node=` or a syslog prefix in front, and auoms' `type=AUOMS_EXECVE audit(…):` form.
//! - `pyrepr`: Log Analytics' `AuditdMessage` column (`[{'SYSCALL': ['k=v', …]}, …]`).
//! - `event`: records grouped by (time, serial) and merged into an [`AuditEvent`].
//! - [`read_audit_log`] / [`read_audit_file`] / [`extract_events_to_df`] /
//!   [`extract_records_to_df`]: the frames.
//!
//! # Output columns ([`COLUMNS`])
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `TimeGenerated` | datetime[ms, UTC] | event time from the audit header (not the ingest time) |
//! | `EventSerial` | u64 | the event serial number |
//! | `mssg_id` | str | `"SECONDS.MS:SERIAL"` (msticpy's key) |
//! | `EventType` | str | `SYSCALL_EXECVE` for process starts, else the first record's type |
//! | `RecordTypes` | str | every record type merged, comma-separated |
//! | `Computer` | str | `node=`, the syslog prefix's host, the input's `Computer`, or the option |
//! | `line` / `src_row` | u32 | first input line (text input) / input row (frame input) |
//! | `pid` `ppid` `uid` `auid` `euid` `gid` `egid` `suid` `fsuid` `ses` `exit` `argc` `old-ses` | i64 | 4294967295 (unset) is -1 |
//! | `syscall` `success` `tty` `comm` `exe` `cwd` `proctitle` `key` | str | SYSCALL/CWD/PROCTITLE fields, hex decoded |
//! | `cmdline` | str | EXECVE `a0…a{argc-1}` joined by spaces (auoms: its `cmdline`) |
//! | `acct` `op` `res` `hostname` `addr` `terminal` `cmd` `subj` | str | user-space message fields (`msg='…'` lifted) |
//! | `fields` | str (JSON) | every record's fields: `{"TYPE": {…}}`, arrays for repeated types |
//! | `error` | str | why a line/row could not be read, or a field that did not parse, with line/row |
//!
//! The process tree builder reads this with msticpy's Linux schema: `TimeGenerated`, `pid`,
//! `ppid`, `exe`, `cmdline`, `ses`, `acct`, `uid`, `Computer`, `EventType == "SYSCALL_EXECVE"`.
//!
//! ```
//! use huntbook_analysis::auditd::{AuditOptions, read_audit_log};
//!
//! let log = "type=SYSCALL msg=audit(1600000000.123:42): syscall=59 success=yes ppid=1 pid=99 exe=\"/usr/bin/id\"\n\
//!            type=EXECVE msg=audit(1600000000.123:42): argc=2 a0=\"id\" a1=\"-u\"\n";
//! let df = read_audit_log(log, &AuditOptions::default()).unwrap();
//! assert_eq!(df.height(), 1);
//! assert_eq!(df.column("cmdline").unwrap().str().unwrap().get(0), Some("id -u"));
//! ```

mod event;
mod frame;
mod pyrepr;
mod record;

pub use event::AuditEvent;
pub use frame::{
    AuditError, AuditOptions, COLUMNS, event_subset, events_to_frame, extract_events_to_df,
    extract_records_to_df, parse_events, read_audit_file, read_audit_log,
};
pub use pyrepr::PyReprError;
pub use record::{Record, RecordError, parse_line};
