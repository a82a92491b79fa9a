//! Syslog analysis: raw syslog lines parsed, host facts, logon sessions from sshd/su/sudo,
//! and the suspicious commands run inside each session.
//!
//! - `line`: one line in RFC 3164 (`/var/log/auth.log`) or RFC 5424 form → [`SyslogLine`].
//! - [`read_syslog`]: text → rows with Log Analytics' Syslog column names; bad lines kept
//!   with an `error`.
//! - `auth`: sshd, sudo, su and PAM messages → [`AuthEvent`].
//! - [`logon_events`], [`logon_sessions`], [`session_commands`]: auth facts, paired
//!   sessions (msticpy's `cluster_syslog_logons_df`), and sudo commands checked against
//!   the [`cmdline`](crate::cmdline) rules (msticpy's `risky_sudo_sessions`).
//! - [`host_record`]: host facts (msticpy's `create_host_record`).
//!
//! ```
//! use huntbook_analysis::syslog::{ReadOptions, SessionOptions, logon_sessions, read_syslog};
//!
//! let log = "Mar  3 10:15:02 web1 sshd[7]: Accepted password for bob from 203.0.113.5 port 5222 ssh2\n\
//!            Mar  3 10:15:02 web1 sshd[7]: pam_unix(sshd:session): session opened for user bob(uid=1000) by (uid=0)\n\
//!            Mar  3 10:20:00 web1 sshd[7]: pam_unix(sshd:session): session closed for user bob\n";
//! let rows = read_syslog(log, &ReadOptions::default().with_year(2026)).unwrap();
//! let sessions = logon_sessions(&rows, &SessionOptions::default()).unwrap();
//! assert_eq!(sessions.height(), 1);
//! assert_eq!(sessions.column("source_ip").unwrap().str().unwrap().get(0), Some("203.0.113.5"));
//! ```

mod auth;
mod frame;
mod host;
mod line;
mod sessions;

pub use auth::{AuthAction, AuthEvent, UnknownAction, classify};
pub use frame::{COLUMNS, ReadOptions, read_syslog, read_syslog_file};
pub use host::host_record;
pub use line::{Format, SyslogLine, parse_line};
pub use sessions::{SessionOptions, logon_events, logon_sessions, session_commands};

use polars::prelude::PolarsError;

use crate::cmdline::ColumnError;

/// Why syslog data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SyslogError {
    /// The file could not be read.
    #[error("cannot read syslog file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A column is missing or of the wrong type.
    #[error("{0}; syslog rows need SyslogMessage and TimeGenerated (Log Analytics names)")]
    Column(#[from] ColumnError),
    /// polars refused to build the output frame.
    #[error("building the syslog output frame failed: {0}")]
    Frame(#[from] PolarsError),
}
