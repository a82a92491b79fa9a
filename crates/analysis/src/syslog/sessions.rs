//! Logon sessions paired from PAM open/close messages, failed logons, and the sudo commands
//! run inside each session, checked against the command-line rules.

use std::collections::HashMap;
use std::time::Duration;

use polars::prelude::*;

use super::SyslogError;
use super::auth::{AuthAction, AuthEvent, classify};
use crate::cmdline::columns;
use crate::cmdline::{RiskyOptions, check_command};

/// Settings for session building.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Column with the message text (Log Analytics: `SyslogMessage`).
    pub message_column: String,
    /// Column with the event time.
    pub time_column: String,
    /// How far a sudo command may precede the session sudo opens for it (sudo logs the
    /// command first).
    pub command_slack: Duration,
    /// How far before a PAM sshd session the `Accepted …` line may be to lend it its
    /// source address and method.
    pub accept_window: Duration,
    /// Rules for the commands.
    pub risky: RiskyOptions,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            message_column: "SyslogMessage".into(),
            time_column: "TimeGenerated".into(),
            command_slack: Duration::from_secs(5),
            accept_window: Duration::from_secs(30),
            risky: RiskyOptions::default(),
        }
    }
}

impl SessionOptions {
    /// Sets [`message_column`](Self::message_column).
    pub fn with_message_column(mut self, column: impl Into<String>) -> Self {
        self.message_column = column.into();
        self
    }

    /// Sets [`time_column`](Self::time_column).
    pub fn with_time_column(mut self, column: impl Into<String>) -> Self {
        self.time_column = column.into();
        self
    }

    /// Sets [`command_slack`](Self::command_slack).
    pub fn with_command_slack(mut self, slack: Duration) -> Self {
        self.command_slack = slack;
        self
    }

    /// Sets [`accept_window`](Self::accept_window).
    pub fn with_accept_window(mut self, window: Duration) -> Self {
        self.accept_window = window;
        self
    }

    /// Sets [`risky`](Self::risky).
    pub fn with_risky(mut self, risky: RiskyOptions) -> Self {
        self.risky = risky;
        self
    }
}

/// An auth event with where it came from.
#[derive(Debug, Clone)]
struct Located {
    row: usize,
    time: Option<i64>,
    computer: Option<String>,
    pid: Option<i64>,
    message: String,
    auth: AuthEvent,
}

/// A session (or a failed logon, with `success` false and `end` = `start`).
#[derive(Debug, Clone)]
struct Session {
    id: u32,
    computer: Option<String>,
    service: String,
    user: Option<String>,
    by_user: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    source_ip: Option<String>,
    source_port: Option<u16>,
    method: Option<String>,
    success: bool,
    pid: Option<i64>,
    commands: u32,
    risky: u32,
}

/// A sudo command with its session.
#[derive(Debug, Clone)]
struct Command {
    event: Located,
    session: Option<u32>,
}

fn read_events(df: &DataFrame, opts: &SessionOptions) -> Result<Vec<Located>, SyslogError> {
    let messages = columns::strings(df, &opts.message_column)?;
    let times = columns::times_ms(df, &opts.time_column)?;
    let processes = columns::strings_or_null(df, "ProcessName");
    let computers = {
        let c = columns::strings_or_null(df, "Computer");
        let h = columns::strings_or_null(df, "HostName");
        c.into_iter()
            .zip(h)
            .map(|(c, h)| c.or(h))
            .collect::<Vec<_>>()
    };
    let pids = columns::strings_or_null(df, "ProcessID");
    let commands = columns::strings_or_null(df, "Command");

    let mut out = Vec::new();
    for (row, message) in messages.iter().enumerate() {
        let Some(message) = message else { continue };
        let Some(mut auth) = classify(processes[row].as_deref(), message) else {
            continue;
        };
        if auth.action == AuthAction::Command && auth.command.is_none() {
            auth.command = commands[row].clone().filter(|c| !c.trim().is_empty());
        }
        out.push(Located {
            row,
            time: times[row],
            computer: computers[row].clone(),
            pid: pids[row].as_deref().and_then(|p| p.trim().parse().ok()),
            message: message.clone(),
            auth,
        });
    }
    out.sort_by_key(|e| (e.time.unwrap_or(i64::MIN), e.row));
    Ok(out)
}

/// One row per authentication fact found (columns: `src_row`, `TimeGenerated`, `Computer`,
/// `service`, `action`, `User`, `by_user`, `source_ip`, `source_port`, `method`, `pid`,
/// `tty`, `pwd`, `command`, `SyslogMessage`), in time order. Rows that say nothing about
/// authentication are left out.
pub fn logon_events(df: &DataFrame, opts: &SessionOptions) -> Result<DataFrame, SyslogError> {
    let events = read_events(df, opts)?;
    let e = &events;
    let text = |f: &dyn Fn(&Located) -> Option<String>| -> Vec<Option<String>> {
        e.iter().map(f).collect()
    };
    let cols = vec![
        Column::new(
            "src_row".into(),
            e.iter().map(|x| x.row as u32).collect::<Vec<_>>(),
        ),
        columns::datetime_column("TimeGenerated", e.iter().map(|x| x.time).collect()),
        Column::new("Computer".into(), text(&|x| x.computer.clone())),
        Column::new(
            "service".into(),
            e.iter()
                .map(|x| x.auth.service.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "action".into(),
            e.iter().map(|x| x.auth.action.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("User".into(), text(&|x| x.auth.user.clone())),
        Column::new("by_user".into(), text(&|x| x.auth.by_user.clone())),
        Column::new("source_ip".into(), text(&|x| x.auth.source_ip.clone())),
        Column::new(
            "source_port".into(),
            e.iter()
                .map(|x| x.auth.source_port.map(u32::from))
                .collect::<Vec<_>>(),
        ),
        Column::new("method".into(), text(&|x| x.auth.method.clone())),
        Column::new("pid".into(), e.iter().map(|x| x.pid).collect::<Vec<_>>()),
        Column::new("tty".into(), text(&|x| x.auth.tty.clone())),
        Column::new("pwd".into(), text(&|x| x.auth.pwd.clone())),
        Column::new("command".into(), text(&|x| x.auth.command.clone())),
        Column::new("SyslogMessage".into(), text(&|x| Some(x.message.clone()))),
    ];
    Ok(DataFrame::new(e.len(), cols)?)
}

/// Pairs session opens with closes (same host, service and user; same pid when the log has
/// pids), adds failed logons as unsuccessful one-instant sessions, and lends sshd sessions
/// the address and method of the `Accepted` line before them.
fn build_sessions(events: &[Located], opts: &SessionOptions) -> Vec<Session> {
    type Key = (Option<String>, String, Option<String>, Option<i64>);
    let mut open: HashMap<Key, Vec<usize>> = HashMap::new();
    // Closes with no open session yet; exports that log minutes only can list a close
    // before the open it belongs to when both carry the same time.
    let mut orphans: HashMap<Key, Vec<Option<i64>>> = HashMap::new();
    let mut sessions: Vec<Session> = Vec::new();
    let accept_ms = opts.accept_window.as_millis() as i64;

    for event in events {
        let a = &event.auth;
        match a.action {
            AuthAction::SessionOpen => {
                let mut session = new_session(sessions.len(), event, true);
                if a.service == "sshd" {
                    lend_accept(&mut session, events, event, accept_ms);
                }
                let key = session_key(event);
                let waiting = orphans.get_mut(&key);
                if let Some(at) = waiting
                    .and_then(|w| w.iter().position(|t| *t == event.time).map(|i| w.remove(i)))
                {
                    session.end = at;
                } else {
                    open.entry(key).or_default().push(sessions.len());
                }
                sessions.push(session);
            }
            AuthAction::SessionClose => {
                let key = session_key(event);
                let index = open.get_mut(&key).and_then(Vec::pop).or_else(|| {
                    // Without pids on the close line, fall back to the same host/service/user.
                    let loose = (key.0.clone(), key.1.clone(), key.2.clone(), None);
                    open.get_mut(&loose).and_then(Vec::pop)
                });
                match index {
                    Some(i) => sessions[i].end = event.time,
                    None => orphans.entry(key).or_default().push(event.time),
                }
            }
            AuthAction::LogonFailure => {
                let mut failed = new_session(sessions.len(), event, false);
                failed.end = event.time;
                sessions.push(failed);
            }
            _ => {}
        }
    }
    sessions
}

fn session_key(event: &Located) -> (Option<String>, String, Option<String>, Option<i64>) {
    (
        event.computer.clone(),
        event.auth.service.clone(),
        event.auth.user.clone(),
        event.pid,
    )
}

fn new_session(index: usize, event: &Located, success: bool) -> Session {
    let a = &event.auth;
    Session {
        id: index as u32 + 1,
        computer: event.computer.clone(),
        service: a.service.clone(),
        user: a.user.clone(),
        by_user: a.by_user.clone(),
        start: event.time,
        end: None,
        source_ip: a.source_ip.clone(),
        source_port: a.source_port,
        method: a.method.clone(),
        success,
        pid: event.pid,
        commands: 0,
        risky: 0,
    }
}

/// The latest `Accepted` for the same user and host shortly before `open`.
fn lend_accept(session: &mut Session, events: &[Located], open: &Located, window_ms: i64) {
    let Some(at) = open.time else { return };
    let accepted = events.iter().rev().find(|e| {
        e.auth.action == AuthAction::LogonSuccess
            && e.auth.service == "sshd"
            && e.auth.user == open.auth.user
            && e.computer == open.computer
            && e.time.is_some_and(|t| t <= at && at - t <= window_ms)
            && (open.pid.is_none() || e.pid.is_none() || e.pid == open.pid)
    });
    if let Some(e) = accepted {
        session.source_ip = e.auth.source_ip.clone();
        session.source_port = e.auth.source_port;
        session.method = e.auth.method.clone();
    }
}

/// The session a sudo command belongs to: the sudo session its user opened right after it,
/// else any open session of that user on the host covering its time.
fn assign(command: &Located, sessions: &[Session], slack_ms: i64) -> Option<u32> {
    let t = command.time?;
    let who = command.auth.by_user.as_ref();
    let sudo = sessions.iter().find(|s| {
        s.success
            && s.service == "sudo"
            && s.by_user.as_ref() == who
            && s.computer == command.computer
            && s.start
                .is_some_and(|start| start >= t - 1000 && start - t <= slack_ms)
    });
    let covering = || {
        sessions.iter().rev().find(|s| {
            s.success
                && s.user.as_ref() == who
                && s.computer == command.computer
                && s.start.is_some_and(|start| start <= t)
                && s.end.is_none_or(|end| end >= t)
        })
    };
    sudo.or_else(covering).map(|s| s.id)
}

struct Analysis {
    sessions: Vec<Session>,
    commands: Vec<Command>,
}

fn analyse(df: &DataFrame, opts: &SessionOptions) -> Result<Analysis, SyslogError> {
    let events = read_events(df, opts)?;
    let mut sessions = build_sessions(&events, opts);
    let slack = opts.command_slack.as_millis() as i64;

    let mut commands = Vec::new();
    for event in events
        .iter()
        .filter(|e| e.auth.action == AuthAction::Command)
    {
        let session = assign(event, &sessions, slack);
        commands.push(Command {
            event: event.clone(),
            session,
        });
    }
    for command in &commands {
        let Some(id) = command.session else { continue };
        let risky = command
            .event
            .auth
            .command
            .as_deref()
            .is_some_and(|c| check_command(c, &opts.risky).is_match());
        if let Some(s) = sessions.iter_mut().find(|s| s.id == id) {
            s.commands += 1;
            s.risky += u32::from(risky);
        }
    }
    Ok(Analysis { sessions, commands })
}

/// Logon sessions from syslog rows.
///
/// Columns: `session_id` (u32), `Computer`, `service`, `User` (account logged on to),
/// `by_user` (who asked: sudo/su invoker), `Start`, `End` (UTC; End null while open),
/// `duration_seconds` (f64), `source_ip`, `source_port` (u32), `method`, `success` (bool;
/// failed logons are rows with Start = End), `pid`, `commands`, `risky_commands` (u32).
/// msticpy's `cluster_syslog_logons_df` gives `User`, `Start`, `End` for opened/closed pairs.
pub fn logon_sessions(df: &DataFrame, opts: &SessionOptions) -> Result<DataFrame, SyslogError> {
    let s = analyse(df, opts)?.sessions;
    let text = |f: &dyn Fn(&Session) -> Option<String>| -> Vec<Option<String>> {
        s.iter().map(f).collect()
    };
    let cols = vec![
        Column::new(
            "session_id".into(),
            s.iter().map(|x| x.id).collect::<Vec<_>>(),
        ),
        Column::new("Computer".into(), text(&|x| x.computer.clone())),
        Column::new(
            "service".into(),
            s.iter().map(|x| x.service.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("User".into(), text(&|x| x.user.clone())),
        Column::new("by_user".into(), text(&|x| x.by_user.clone())),
        columns::datetime_column("Start", s.iter().map(|x| x.start).collect()),
        columns::datetime_column("End", s.iter().map(|x| x.end).collect()),
        Column::new(
            "duration_seconds".into(),
            s.iter()
                .map(|x| Some((x.end? - x.start?) as f64 / 1000.0))
                .collect::<Vec<_>>(),
        ),
        Column::new("source_ip".into(), text(&|x| x.source_ip.clone())),
        Column::new(
            "source_port".into(),
            s.iter()
                .map(|x| x.source_port.map(u32::from))
                .collect::<Vec<_>>(),
        ),
        Column::new("method".into(), text(&|x| x.method.clone())),
        Column::new(
            "success".into(),
            s.iter().map(|x| x.success).collect::<Vec<_>>(),
        ),
        Column::new("pid".into(), s.iter().map(|x| x.pid).collect::<Vec<_>>()),
        Column::new(
            "commands".into(),
            s.iter().map(|x| x.commands).collect::<Vec<_>>(),
        ),
        Column::new(
            "risky_commands".into(),
            s.iter().map(|x| x.risky).collect::<Vec<_>>(),
        ),
    ];
    Ok(DataFrame::new(s.len(), cols)?)
}

/// The sudo commands in syslog rows, each with its session and the command-line rules it
/// matches.
///
/// Columns: `session_id` (u32, null when no session covers it), `src_row`, `TimeGenerated`,
/// `Computer`, `User` (who ran sudo), `RunAs` (sudo's USER=), `tty`, `pwd`, `command`,
/// `risky` (bool), `rule_id`, `rule_description`, `technique`, `severity`, `matched_rules`,
/// `decoded_cmd`.
pub fn session_commands(df: &DataFrame, opts: &SessionOptions) -> Result<DataFrame, SyslogError> {
    let c = analyse(df, opts)?.commands;
    let checks: Vec<_> = c
        .iter()
        .map(|x| {
            x.event
                .auth
                .command
                .as_deref()
                .map(|cmd| check_command(cmd, &opts.risky))
                .unwrap_or_default()
        })
        .collect();
    let text = |f: &dyn Fn(&Command) -> Option<String>| -> Vec<Option<String>> {
        c.iter().map(f).collect()
    };
    let rule = |f: &dyn Fn(&crate::cmdline::CmdMatch) -> Option<String>| -> Vec<Option<String>> {
        checks.iter().map(f).collect()
    };
    let cols = vec![
        Column::new(
            "session_id".into(),
            c.iter().map(|x| x.session).collect::<Vec<_>>(),
        ),
        Column::new(
            "src_row".into(),
            c.iter().map(|x| x.event.row as u32).collect::<Vec<_>>(),
        ),
        columns::datetime_column("TimeGenerated", c.iter().map(|x| x.event.time).collect()),
        Column::new("Computer".into(), text(&|x| x.event.computer.clone())),
        Column::new("User".into(), text(&|x| x.event.auth.by_user.clone())),
        Column::new("RunAs".into(), text(&|x| x.event.auth.user.clone())),
        Column::new("tty".into(), text(&|x| x.event.auth.tty.clone())),
        Column::new("pwd".into(), text(&|x| x.event.auth.pwd.clone())),
        Column::new("command".into(), text(&|x| x.event.auth.command.clone())),
        Column::new(
            "risky".into(),
            checks.iter().map(|m| m.is_match()).collect::<Vec<_>>(),
        ),
        Column::new("rule_id".into(), rule(&|m| m.rule_ids.first().cloned())),
        Column::new("rule_description".into(), rule(&|m| m.description.clone())),
        Column::new("technique".into(), rule(&|m| m.technique.clone())),
        Column::new("severity".into(), rule(&|m| m.severity.clone())),
        Column::new(
            "matched_rules".into(),
            rule(&|m| m.is_match().then(|| m.rule_ids.join(","))),
        ),
        Column::new("decoded_cmd".into(), rule(&|m| m.decoded.clone())),
    ];
    Ok(DataFrame::new(c.len(), cols)?)
}
