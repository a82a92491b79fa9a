//! Authentication messages from sshd, sudo, su and PAM, read into [`AuthEvent`]s.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;

/// What an authentication message says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthAction {
    /// A PAM session opened (`pam_unix(svc:session): session opened for user …`).
    SessionOpen,
    /// A PAM session closed.
    SessionClose,
    /// A logon succeeded (`Accepted … for`, `Successful su`, `(to root) bob on pts/0`).
    LogonSuccess,
    /// A logon failed (`Failed password`, PAM `authentication failure`, `FAILED su`,
    /// `Invalid user`, sudo `incorrect password attempts` / `NOT in sudoers`).
    LogonFailure,
    /// An sshd client disconnected.
    Disconnect,
    /// sudo ran a command (`user : TTY=… ; PWD=… ; USER=… ; COMMAND=…`).
    Command,
}

impl AuthAction {
    /// The name used in frames.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthAction::SessionOpen => "session_open",
            AuthAction::SessionClose => "session_close",
            AuthAction::LogonSuccess => "logon_success",
            AuthAction::LogonFailure => "logon_failure",
            AuthAction::Disconnect => "disconnect",
            AuthAction::Command => "command",
        }
    }
}

impl fmt::Display for AuthAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not an [`AuthAction`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown auth action {0:?}: expected session_open, session_close, logon_success, logon_failure, disconnect or command"
)]
pub struct UnknownAction(pub String);

impl FromStr for AuthAction {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            AuthAction::SessionOpen,
            AuthAction::SessionClose,
            AuthAction::LogonSuccess,
            AuthAction::LogonFailure,
            AuthAction::Disconnect,
            AuthAction::Command,
        ]
        .into_iter()
        .find(|a| a.as_str() == s.trim())
        .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

/// One authentication fact read from a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEvent {
    /// What happened.
    pub action: AuthAction,
    /// The service: `sshd`, `sudo`, `su`, `cron`, `login`, `systemd-user`, …
    pub service: String,
    /// The account logged on to (sudo/su: the target, e.g. root).
    pub user: Option<String>,
    /// Who asked (sudo: the invoking user; su: the user switching).
    pub by_user: Option<String>,
    /// Remote address (sshd, PAM `rhost=`).
    pub source_ip: Option<String>,
    /// Remote port (sshd).
    pub source_port: Option<u16>,
    /// sshd method (`password`, `publickey`, `keyboard-interactive/pam`, …).
    pub method: Option<String>,
    /// sudo's command.
    pub command: Option<String>,
    /// sudo's or su's terminal.
    pub tty: Option<String>,
    /// sudo's working directory.
    pub pwd: Option<String>,
}

impl AuthEvent {
    fn new(action: AuthAction, service: &str) -> Self {
        Self {
            action,
            service: service.to_string(),
            user: None,
            by_user: None,
            source_ip: None,
            source_port: None,
            method: None,
            command: None,
            tty: None,
            pwd: None,
        }
    }
}

struct Patterns {
    session: Regex,
    sshd_result: Regex,
    invalid_user: Regex,
    disconnect: Regex,
    pam_failure: Regex,
    su_result: Regex,
    su_to: Regex,
    sudo: Regex,
}

static PATTERNS: LazyLock<Option<Patterns>> = LazyLock::new(|| {
    Some(Patterns {
        session: Regex::new(r"pam_unix\(([\w.\-]+):session\): session (opened|closed) for user ([^\s(]+)(?:\(uid=\d+\))?(?: by ([^\s(]*)(?:\(uid=\d+\))?)?").ok()?,
        sshd_result: Regex::new(r"(Accepted|Failed) (\S+) for (?:invalid user )?(\S*) from (\S+) port (\d+)").ok()?,
        invalid_user: Regex::new(r"^Invalid user (\S*) from (\S+)(?: port (\d+))?").ok()?,
        disconnect: Regex::new(r"^Disconnected from (?:authenticating |invalid )?user (\S+) (\S+) port (\d+)").ok()?,
        pam_failure: Regex::new(r"pam_unix\(([\w.\-]+):auth\): authentication failure;(.*)").ok()?,
        su_result: Regex::new(r"^(Successful|FAILED) su for (\S+) by (\S+)").ok()?,
        su_to: Regex::new(r"^(?:FAILED SU )?\(to (\S+)\) (\S+) on (\S+)").ok()?,
        sudo: Regex::new(r"^\s*(\S+) : (.*)$").ok()?,
    })
});

/// The authentication fact in `message` from `process` (the syslog tag), if there is one.
pub fn classify(process: Option<&str>, message: &str) -> Option<AuthEvent> {
    let p = PATTERNS.as_ref()?;
    let process = process.unwrap_or("");
    session(p, message)
        .or_else(|| sshd(p, message))
        .or_else(|| pam_failure(p, message))
        .or_else(|| su(p, process, message))
        .or_else(|| sudo(p, process, message))
}

fn session(p: &Patterns, message: &str) -> Option<AuthEvent> {
    let c = p.session.captures(message)?;
    let action = if &c[2] == "opened" {
        AuthAction::SessionOpen
    } else {
        AuthAction::SessionClose
    };
    let mut event = AuthEvent::new(action, &c[1]);
    event.user = Some(c[3].to_string());
    event.by_user = c
        .get(4)
        .map(|m| m.as_str().to_string())
        .filter(|b| !b.is_empty());
    Some(event)
}

fn sshd(p: &Patterns, message: &str) -> Option<AuthEvent> {
    if let Some(c) = p.sshd_result.captures(message) {
        let action = if &c[1] == "Accepted" {
            AuthAction::LogonSuccess
        } else {
            AuthAction::LogonFailure
        };
        let mut event = AuthEvent::new(action, "sshd");
        event.method = Some(c[2].to_string());
        event.user = Some(c[3].to_string()).filter(|u| !u.is_empty());
        event.source_ip = Some(c[4].to_string());
        event.source_port = c[5].parse().ok();
        return Some(event);
    }
    if let Some(c) = p.invalid_user.captures(message) {
        let mut event = AuthEvent::new(AuthAction::LogonFailure, "sshd");
        event.method = Some("invalid user".into());
        event.user = Some(c[1].to_string()).filter(|u| !u.is_empty());
        event.source_ip = Some(c[2].to_string());
        event.source_port = c.get(3).and_then(|m| m.as_str().parse().ok());
        return Some(event);
    }
    let c = p.disconnect.captures(message)?;
    let mut event = AuthEvent::new(AuthAction::Disconnect, "sshd");
    event.user = Some(c[1].to_string());
    event.source_ip = Some(c[2].to_string());
    event.source_port = c[3].parse().ok();
    Some(event)
}

fn pam_failure(p: &Patterns, message: &str) -> Option<AuthEvent> {
    let c = p.pam_failure.captures(message)?;
    let mut event = AuthEvent::new(AuthAction::LogonFailure, &c[1]);
    let pairs = key_values(&c[2]);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.to_string())
            .filter(|v| !v.is_empty())
    };
    event.user = get("user");
    event.by_user = get("ruser").or_else(|| get("logname"));
    event.source_ip = get("rhost");
    event.tty = get("tty");
    event.method = Some("password".into());
    Some(event)
}

/// `k=v k2= k3=v3` pairs (values without spaces, possibly empty).
fn key_values(text: &str) -> Vec<(&str, &str)> {
    text.split_whitespace()
        .filter_map(|t| t.split_once('='))
        .collect()
}

fn su(p: &Patterns, process: &str, message: &str) -> Option<AuthEvent> {
    if let Some(c) = p.su_result.captures(message) {
        let action = if &c[1] == "Successful" {
            AuthAction::LogonSuccess
        } else {
            AuthAction::LogonFailure
        };
        let mut event = AuthEvent::new(action, "su");
        event.user = Some(c[2].to_string());
        event.by_user = Some(c[3].to_string());
        return Some(event);
    }
    if !process.starts_with("su") {
        return None;
    }
    let c = p.su_to.captures(message)?;
    let action = if message.starts_with("FAILED") {
        AuthAction::LogonFailure
    } else {
        AuthAction::LogonSuccess
    };
    let mut event = AuthEvent::new(action, "su");
    event.user = Some(c[1].to_string());
    event.by_user = Some(c[2].to_string());
    event.tty = Some(c[3].to_string());
    Some(event)
}

/// `bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/ls -la` (Log Analytics
/// exports use runs of spaces instead of ` ; `).
fn sudo(p: &Patterns, process: &str, message: &str) -> Option<AuthEvent> {
    if process != "sudo" && !message.contains("COMMAND=") {
        return None;
    }
    let c = p.sudo.captures(message)?;
    let rest = &c[2];
    let failed = [
        "incorrect password attempt",
        "NOT in sudoers",
        "command not allowed",
        "user NOT authorized",
    ]
    .iter()
    .any(|f| rest.contains(f));
    if !rest.contains("COMMAND=") && !failed {
        return None;
    }

    let action = if failed {
        AuthAction::LogonFailure
    } else {
        AuthAction::Command
    };
    let mut event = AuthEvent::new(action, "sudo");
    event.by_user = Some(c[1].to_string());
    event.tty = sudo_field(rest, "TTY=");
    event.pwd = sudo_field(rest, "PWD=");
    event.user = sudo_field(rest, "USER=");
    event.command = rest
        .find("COMMAND=")
        .map(|at| rest[at + 8..].trim().to_string())
        .filter(|c| !c.is_empty());
    if failed {
        event.method = Some("password".into());
    }
    Some(event)
}

fn sudo_field(rest: &str, key: &str) -> Option<String> {
    let at = rest.find(key)? + key.len();
    let value = rest[at..].split([';', ' ']).next()?.trim();
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pam_sessions() {
        let e = classify(
            Some("sudo"),
            "pam_unix(sudo:session): session opened for user root by peteb(uid=0)",
        )
        .unwrap();
        assert_eq!(
            (e.action, e.service.as_str()),
            (AuthAction::SessionOpen, "sudo")
        );
        assert_eq!(
            (e.user.as_deref(), e.by_user.as_deref()),
            (Some("root"), Some("peteb"))
        );
        let e = classify(
            Some("CRON"),
            "pam_unix(cron:session): session opened for user root by (uid=0)",
        )
        .unwrap();
        assert_eq!(e.by_user, None);
        let e = classify(
            Some("sshd"),
            "pam_unix(sshd:session): session opened for user bob(uid=1000) by bob(uid=0)",
        )
        .unwrap();
        assert_eq!(e.user.as_deref(), Some("bob"));
        let e = classify(
            Some("sudo"),
            "pam_unix(sudo:session): session closed for user root",
        )
        .unwrap();
        assert_eq!(e.action, AuthAction::SessionClose);
    }

    #[test]
    fn reads_sshd_results() {
        let e = classify(
            Some("sshd"),
            "Failed password for invalid user admin from 36.156.24.99 port 4242 ssh2",
        )
        .unwrap();
        assert_eq!(e.action, AuthAction::LogonFailure);
        assert_eq!(
            (e.user.as_deref(), e.source_ip.as_deref(), e.source_port),
            (Some("admin"), Some("36.156.24.99"), Some(4242))
        );
        let e = classify(
            Some("sshd"),
            "Accepted publickey for bob from 10.0.0.9 port 50000 ssh2: RSA SHA256:abc",
        )
        .unwrap();
        assert_eq!(
            (e.action, e.method.as_deref()),
            (AuthAction::LogonSuccess, Some("publickey"))
        );
        let e = classify(Some("sshd"), "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root").unwrap();
        assert_eq!(
            (e.user.as_deref(), e.source_ip.as_deref()),
            (Some("root"), Some("1.2.3.4"))
        );
        assert_eq!(
            classify(Some("sshd"), "Server listening on 0.0.0.0 port 22."),
            None
        );
    }

    #[test]
    fn reads_sudo_and_su() {
        let e = classify(
            Some("sudo"),
            "peteb : TTY=pts/0   PWD=/home/peteb   USER=root   COMMAND=/usr/sbin/squid -NCd1",
        )
        .unwrap();
        assert_eq!(e.action, AuthAction::Command);
        assert_eq!(e.command.as_deref(), Some("/usr/sbin/squid -NCd1"));
        assert_eq!(
            (e.user.as_deref(), e.by_user.as_deref(), e.pwd.as_deref()),
            (Some("root"), Some("peteb"), Some("/home/peteb"))
        );
        let e = classify(Some("sudo"), "bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh").unwrap();
        assert_eq!(e.action, AuthAction::LogonFailure);
        let e = classify(Some("su"), "(to root) bob on pts/0").unwrap();
        assert_eq!(
            (e.action, e.user.as_deref(), e.by_user.as_deref()),
            (AuthAction::LogonSuccess, Some("root"), Some("bob"))
        );
        let e = classify(Some("su"), "FAILED su for root by bob").unwrap();
        assert_eq!(e.action, AuthAction::LogonFailure);
        assert_eq!("command".parse::<AuthAction>(), Ok(AuthAction::Command));
    }
}
