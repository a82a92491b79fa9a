//! One syslog line: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`), RFC 3164
//! (`[<PRI>]Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, as in `/var/log/auth.log`), or 3164 with an
//! RFC 3339 timestamp (rsyslog's high-precision file format).

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Which layout a line was read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 3164 / BSD syslog.
    Rfc3164,
    /// RFC 5424.
    Rfc5424,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Rfc3164 => "rfc3164",
            Format::Rfc5424 => "rfc5424",
        })
    }
}

/// A parsed line. When `error` is set the other fields hold what could be read and
/// `message` holds the rest of the line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyslogLine {
    /// The layout, when one matched.
    pub format: Option<Format>,
    /// UTC milliseconds (3164 times without a zone are taken as UTC).
    pub time_ms: Option<i64>,
    /// Facility name from PRI (`auth`, `authpriv`, `local0`, …).
    pub facility: Option<&'static str>,
    /// Severity name from PRI (`err`, `info`, …), Log Analytics' SeverityLevel names.
    pub severity: Option<&'static str>,
    /// The host field.
    pub host: Option<String>,
    /// The program (3164 tag, 5424 APP-NAME).
    pub app: Option<String>,
    /// The process id, when numeric.
    pub pid: Option<i64>,
    /// RFC 5424 MSGID.
    pub msg_id: Option<String>,
    /// RFC 5424 structured data, as written.
    pub structured_data: Option<String>,
    /// The message text.
    pub message: String,
    /// What was wrong with the line.
    pub error: Option<String>,
}

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];
const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses one line; `year` is used for RFC 3164 timestamps, which carry none.
pub fn parse_line(line: &str, year: i32) -> SyslogLine {
    let line = line.trim_end_matches(['\r', '\n']);
    let mut out = SyslogLine::default();

    let rest = match take_pri(line) {
        Ok(Some((pri, rest))) => {
            out.facility = FACILITIES.get(usize::from(pri / 8)).copied();
            out.severity = SEVERITIES.get(usize::from(pri % 8)).copied();
            rest
        }
        Ok(None) => line,
        Err(why) => {
            out.error = Some(why);
            out.message = line.to_string();
            return out;
        }
    };

    if let Some(body) = rest.strip_prefix("1 ") {
        parse_5424(body, &mut out);
    } else {
        parse_3164(rest, year, &mut out);
    }
    out
}

/// `<PRI>` (0–191) at the start, if present.
fn take_pri(line: &str) -> Result<Option<(u8, &str)>, String> {
    let Some(rest) = line.strip_prefix('<') else {
        return Ok(None);
    };
    let Some((digits, after)) = rest.split_once('>') else {
        return Err("'<' without a closing '>' for PRI".into());
    };
    match digits.parse::<u8>() {
        Ok(pri) if pri <= 191 && !digits.is_empty() && digits.len() <= 3 => Ok(Some((pri, after))),
        _ => Err(format!("PRI <{digits}> is not a number from 0 to 191")),
    }
}

fn nil(field: &str) -> Option<String> {
    (field != "-" && !field.is_empty()).then(|| field.to_string())
}

fn parse_5424(body: &str, out: &mut SyslogLine) {
    out.format = Some(Format::Rfc5424);
    let mut parts = body.splitn(5, ' ');
    let (ts, host, app, procid, rest) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    );
    let (Some(ts), Some(host), Some(app), Some(procid), Some(rest)) = (ts, host, app, procid, rest)
    else {
        out.error =
            Some("RFC 5424 line has fewer than TIMESTAMP HOST APP PROCID MSGID fields".into());
        out.message = body.to_string();
        return;
    };
    out.time_ms = if ts == "-" {
        None
    } else {
        DateTime::parse_from_rfc3339(ts)
            .ok()
            .map(|t| t.timestamp_millis())
    };
    if out.time_ms.is_none() && ts != "-" {
        out.error = Some(format!("RFC 5424 timestamp {ts:?} is not RFC 3339"));
    }
    out.host = nil(host);
    out.app = nil(app);
    out.pid = procid.parse().ok();

    let (msg_id, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    out.msg_id = nil(msg_id);
    let (sd, msg) = split_structured_data(rest);
    out.structured_data = nil(sd);
    out.message = msg.trim_start_matches('\u{feff}').to_string();
}

/// `-` or `[id k="v" …][…]`, then the message.
fn split_structured_data(rest: &str) -> (&str, &str) {
    if let Some(after) = rest.strip_prefix("- ") {
        return ("-", after);
    }
    if rest == "-" || !rest.starts_with('[') {
        return ("-", if rest == "-" { "" } else { rest });
    }
    let bytes = rest.as_bytes();
    let (mut i, mut in_quotes, mut depth) = (0usize, false, 0i32);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'[' if !in_quotes => depth += 1,
            b']' if !in_quotes => {
                depth -= 1;
                if depth == 0 && bytes.get(i + 1) != Some(&b'[') {
                    let end = i + 1;
                    return (&rest[..end], rest[end..].trim_start_matches(' '));
                }
            }
            _ => {}
        }
        i += 1;
    }
    (rest, "")
}

fn parse_3164(rest: &str, year: i32, out: &mut SyslogLine) {
    let Some((time_ms, after)) = take_3164_time(rest, year).or_else(|| take_iso_time(rest)) else {
        out.error = Some("no RFC 3164 (Mmm dd hh:mm:ss) or RFC 3339 timestamp at the start".into());
        out.message = rest.to_string();
        return;
    };
    out.format = Some(Format::Rfc3164);
    out.time_ms = time_ms;

    let after = after.trim_start();
    let (first, rest) = after.split_once(' ').unwrap_or((after, ""));
    // Local files can omit the host: the first word is then already the `tag:`.
    let after = if first.ends_with(':') {
        after
    } else {
        out.host = Some(first.to_string());
        rest
    };
    let (tag, message) = split_tag(after);
    if let Some(tag) = tag {
        let (app, pid) = match tag.split_once('[') {
            Some((app, pid)) => (app, pid.trim_end_matches(']').parse().ok()),
            None => (tag, None),
        };
        out.app = Some(app.to_string());
        out.pid = pid;
    }
    out.message = message.to_string();
}

/// `TAG[PID]: message` → (tag, message); no tag when the first word does not end in `:`.
fn split_tag(text: &str) -> (Option<&str>, &str) {
    let word_end = text.find(' ').unwrap_or(text.len());
    let word = &text[..word_end];
    match word.strip_suffix(':') {
        Some(tag) if !tag.is_empty() && tag.len() <= 64 => {
            (Some(tag), text[word_end..].trim_start())
        }
        _ => (None, text),
    }
}

/// `Mmm dd hh:mm:ss` (day may be space-padded).
fn take_3164_time(text: &str, year: i32) -> Option<(Option<i64>, &str)> {
    let month = MONTHS.iter().position(|m| text.starts_with(m))? as u32 + 1;
    let rest = text.get(3..)?.trim_start();
    let (day, rest) = rest.split_once(' ')?;
    let day: u32 = day.parse().ok()?;
    let clock = rest.get(..8)?;
    let time = chrono::NaiveTime::parse_from_str(clock, "%H:%M:%S").ok()?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let millis = NaiveDateTime::new(date, time).and_utc().timestamp_millis();
    Some((Some(millis), rest.get(8..)?))
}

/// An RFC 3339 timestamp followed by a space.
fn take_iso_time(text: &str) -> Option<(Option<i64>, &str)> {
    let (ts, rest) = text.split_once(' ')?;
    let t = DateTime::parse_from_rfc3339(ts).ok()?;
    Some((Some(t.timestamp_millis()), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_auth_log_line() {
        let l = parse_line(
            "Mar  3 10:15:02 web1 sshd[1234]: Accepted password for bob from 203.0.113.5 port 52211 ssh2",
            2026,
        );
        assert_eq!(l.format, Some(Format::Rfc3164));
        assert_eq!(l.host.as_deref(), Some("web1"));
        assert_eq!(l.app.as_deref(), Some("sshd"));
        assert_eq!(l.pid, Some(1234));
        assert!(l.message.starts_with("Accepted password"));
        assert_eq!(l.error, None);
    }

    #[test]
    fn host_may_be_missing() {
        let l = parse_line("Mar  3 10:15:02 sshd[9]: Connection closed", 2026);
        assert_eq!(
            (l.host, l.app.as_deref(), l.pid),
            (None, Some("sshd"), Some(9))
        );
        assert_eq!(l.message, "Connection closed");
    }

    #[test]
    fn parses_pri_and_5424() {
        let l = parse_line(
            "<38>1 2026-12-03T10:00:00.5Z host2 sudo 77 ID47 [exampleSDID@32473 iut=\"3\" x=\"a\\]b\"] hello there",
            2026,
        );
        assert_eq!(l.format, Some(Format::Rfc5424));
        assert_eq!((l.facility, l.severity), (Some("auth"), Some("info")));
        assert_eq!(l.time_ms, Some(1_796_292_000_500));
        assert_eq!(l.msg_id.as_deref(), Some("ID47"));
        assert_eq!(
            l.structured_data.as_deref(),
            Some("[exampleSDID@32473 iut=\"3\" x=\"a\\]b\"]")
        );
        assert_eq!(l.message, "hello there");
    }

    #[test]
    fn parses_rsyslog_iso_form_and_flags_garbage() {
        let l = parse_line(
            "2026-01-02T03:04:05.123+00:00 db2 su[9]: (to root) bob on pts/0",
            2026,
        );
        assert_eq!(l.time_ms, Some(1_767_323_045_123));
        assert_eq!(l.app.as_deref(), Some("su"));
        let bad = parse_line("\u{0}\u{1}garbage", 2026);
        assert!(bad.error.is_some());
        assert_eq!(bad.message, "\u{0}\u{1}garbage");
        assert!(parse_line("<999>x", 2026).error.is_some());
        assert!(parse_line("<14", 2026).error.is_some());
    }
}
