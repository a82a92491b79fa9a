//! One audit record: the `type=… msg=audit(sec.ms:serial):` header and its `key=value` body.
//!
//! Values may be bare, `"quoted"`, or (for user-space messages) a nested `msg='k=v …'`
//! whose fields are lifted beside the outer ones. Fields the kernel hex-encodes when they
//! hold spaces or control characters (EXECVE arguments, proctitle, cwd, exe, path names, …)
//! are decoded when they are bare, even-length hex that decodes to text.

use std::sync::LazyLock;

use regex::Regex;

/// `[node=N ]type=T [msg=]audit(SECONDS.FRACTION:SERIAL):` anywhere in a line.
static HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?:node=(\S+)\s+)?type=([A-Za-z0-9_]+)\s+(?:msg=)?audit\((\d+)(?:\.(\d+))?:(\d+)\):?\s?",
    )
    .ok()
});

/// A parsed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The record type, e.g. `SYSCALL`, `EXECVE`, `USER_LOGIN`.
    pub record_type: String,
    /// Event time, UTC milliseconds since the epoch.
    pub time_ms: i64,
    /// The event serial number shared by every record of one event.
    pub serial: u64,
    /// `node=` of the record, when the log has one.
    pub node: Option<String>,
    /// Text before the header (a syslog prefix when audit lines were forwarded).
    pub prefix: Option<String>,
    /// Fields in order, values decoded.
    pub fields: Vec<(String, String)>,
}

/// Why a line is not an audit record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// No `type=… audit(…):` header.
    #[error("no audit header (expected `type=TYPE msg=audit(SECONDS.MS:SERIAL):`)")]
    NoHeader,
    /// The header's numbers are out of range.
    #[error("audit header numbers out of range in {0:?}")]
    BadHeader(String),
}

/// Parses one line of audit text (raw `audit.log`, or forwarded through syslog).
pub fn parse_line(line: &str) -> Result<Record, RecordError> {
    let line = line.trim_end_matches(['\r', '\n']);
    let header = HEADER.as_ref().ok_or(RecordError::NoHeader)?;
    let caps = header.captures(line).ok_or(RecordError::NoHeader)?;
    let whole = caps.get(0).ok_or(RecordError::NoHeader)?;

    let bad = || RecordError::BadHeader(whole.as_str().to_string());
    let seconds: i64 = caps
        .get(3)
        .map_or("", |m| m.as_str())
        .parse()
        .map_err(|_| bad())?;
    let millis = caps.get(4).map_or(0, |m| fraction_ms(m.as_str()));
    let serial: u64 = caps
        .get(5)
        .map_or("", |m| m.as_str())
        .parse()
        .map_err(|_| bad())?;
    let time_ms = seconds
        .checked_mul(1000)
        .and_then(|s| s.checked_add(millis))
        .ok_or_else(bad)?;

    let record_type = caps.get(2).map_or("", |m| m.as_str()).to_string();
    let prefix = line[..whole.start()].trim();
    let body = &line[whole.end()..];
    Ok(Record {
        fields: parse_body(&record_type, body),
        record_type,
        time_ms,
        serial,
        node: caps.get(1).map(|m| m.as_str().to_string()),
        prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
    })
}

/// Milliseconds in a fractional-seconds string of any length ("123" → 123, "5" → 500).
fn fraction_ms(digits: &str) -> i64 {
    let padded: String = digits.chars().chain("000".chars()).take(3).collect();
    padded.parse().unwrap_or(0)
}

/// The fields of a record body; enrichment after a `\x1d` separator is kept as well.
pub fn parse_body(record_type: &str, body: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for part in body.split('\x1d') {
        for (key, raw) in tokenize(part) {
            let value = decode_value(record_type, &key, raw);
            fields.push((key, value));
        }
    }
    fields
}

/// A value as it appeared: bare, or quoted (never hex-decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Raw {
    Bare(String),
    Quoted(String),
}

/// Splits `key=value` pairs; a nested `msg='…'` contributes its own pairs.
fn tokenize(text: &str) -> Vec<(String, Raw)> {
    let bytes = text.as_bytes();
    let mut out: Vec<(String, Raw)> = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= bytes.len() {
            break;
        }
        let token_end = next_space(bytes, pos);
        let Some(eq) = text[pos..token_end].find('=').map(|e| pos + e) else {
            append_bare(&mut out, &text[pos..token_end]);
            pos = token_end;
            continue;
        };
        let key = &text[pos..eq];
        if !is_key(key) {
            append_bare(&mut out, &text[pos..token_end]);
            pos = token_end;
            continue;
        }

        let start = eq + 1;
        match bytes.get(start) {
            Some(b'"') => {
                let end = closing_quote(text, start + 1, '"');
                out.push((
                    key.to_string(),
                    Raw::Quoted(text[start + 1..end].to_string()),
                ));
                pos = (end + 1).min(bytes.len());
            }
            Some(b'\'') => {
                let end = closing_quote(text, start + 1, '\'');
                let inner = &text[start + 1..end];
                if inner.contains('=') {
                    out.extend(tokenize(inner));
                } else {
                    out.push((key.to_string(), Raw::Quoted(inner.to_string())));
                }
                pos = (end + 1).min(bytes.len());
            }
            _ => {
                let end = next_space(bytes, start);
                out.push((key.to_string(), Raw::Bare(text[start..end].to_string())));
                pos = end;
            }
        }
    }
    out
}

fn next_space(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(u8::is_ascii_whitespace)
        .map_or(bytes.len(), |p| from + p)
}

/// A token without `key=`: part of the previous bare value that held spaces (auoms writes
/// `proctitle=` unquoted), else dropped.
fn append_bare(out: &mut [(String, Raw)], token: &str) {
    if let Some((_, Raw::Bare(value))) = out.last_mut() {
        value.push(' ');
        value.push_str(token);
    }
}

fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '[' | ']' | '.'))
}

/// The end of a quoted value: the first `quote` followed by the end or by whitespace and
/// another `key=` (values such as auoms' `cmdline="bash -c "…""` hold unescaped quotes).
fn closing_quote(text: &str, from: usize, quote: char) -> usize {
    let mut fallback = None;
    for (offset, c) in text[from..].char_indices() {
        if c != quote {
            continue;
        }
        let at = from + offset;
        let rest = &text[at + 1..];
        if rest.trim().is_empty() {
            return at;
        }
        if rest.starts_with(char::is_whitespace) {
            fallback.get_or_insert(at);
            if next_is_key(rest.trim_start()) {
                return at;
            }
        }
    }
    fallback.unwrap_or(text.len())
}

fn next_is_key(rest: &str) -> bool {
    let token = rest.split_whitespace().next().unwrap_or("");
    token.find('=').is_some_and(|eq| is_key(&token[..eq]))
}

/// The value with hex decoding applied where the kernel hex-encodes that field.
fn decode_value(record_type: &str, key: &str, raw: Raw) -> String {
    match raw {
        Raw::Quoted(v) => v,
        Raw::Bare(v) if may_be_hex(record_type, key) => hex_text(&v).unwrap_or(v),
        Raw::Bare(v) => v,
    }
}

fn may_be_hex(record_type: &str, key: &str) -> bool {
    let is_arg = key.starts_with('a')
        && key[1..].chars().next().is_some_and(|c| c.is_ascii_digit())
        && !key.ends_with("_len");
    match record_type {
        "EXECVE" => is_arg,
        "SYSCALL" => matches!(key, "exe" | "comm" | "key"),
        _ => matches!(
            key,
            "proctitle"
                | "cmd"
                | "cwd"
                | "exe"
                | "comm"
                | "name"
                | "path"
                | "data"
                | "key"
                | "key_r"
        ),
    }
}

/// Hex that decodes to UTF-8 text; NUL and other control bytes become spaces.
pub(crate) fn hex_text(value: &str) -> Option<String> {
    if value.len() < 2
        || !value.len().is_multiple_of(2)
        || !value.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    let bytes: Vec<u8> = (0..value.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&value[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    Some(cleaned.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(r: &'a Record, key: &str) -> Option<&'a str> {
        r.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn parses_syscall_header_and_fields() {
        let r = parse_line("type=SYSCALL msg=audit(1600000000.123:4567): arch=c000003e syscall=59 success=yes pid=10 comm=\"sh\" exe=\"/bin/dash\" key=(null)").unwrap();
        assert_eq!(
            (r.record_type.as_str(), r.time_ms, r.serial),
            ("SYSCALL", 1_600_000_000_123, 4567)
        );
        assert_eq!(field(&r, "exe"), Some("/bin/dash"));
        assert_eq!(field(&r, "pid"), Some("10"));
        assert_eq!(field(&r, "key"), Some("(null)"));
    }

    #[test]
    fn decodes_hex_arguments_and_proctitle() {
        let r = parse_line("type=EXECVE msg=audit(1.5:9): argc=3 a0=\"/bin/sh\" a1=\"-c\" a2=69707461626C6573202D2D76657273696F6E").unwrap();
        assert_eq!(field(&r, "a2"), Some("iptables --version"));
        assert_eq!(r.time_ms, 1500);
        let p =
            parse_line("type=PROCTITLE msg=audit(1.5:9): proctitle=2F62696E2F7368002D63").unwrap();
        assert_eq!(field(&p, "proctitle"), Some("/bin/sh -c"));
    }

    #[test]
    fn lifts_nested_msg_fields() {
        let r = parse_line("type=USER_LOGIN msg=audit(1551485408.371:23): pid=15745 uid=0 auid=4294967295 ses=4294967295 subj==unconfined msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=36.156.24.99 terminal=sshd res=failed'").unwrap();
        assert_eq!(field(&r, "acct"), Some("root"));
        assert_eq!(field(&r, "addr"), Some("36.156.24.99"));
        assert_eq!(field(&r, "res"), Some("failed"));
        assert_eq!(field(&r, "op"), Some("login"));
    }

    #[test]
    fn handles_forwarded_and_auoms_forms() {
        let r = parse_line("Feb 18 16:00:00 web1 audispd: node=web1 type=CWD msg=audit(1550505632.285:77): cwd=\"/root\"").unwrap();
        assert_eq!(r.node.as_deref(), Some("web1"));
        assert_eq!(r.prefix.as_deref(), Some("Feb 18 16:00:00 web1 audispd:"));
        let a = parse_line("type=AUOMS_EXECVE audit(1652292621.990:84143): pid=5 proctitle=/usr/bin/java -Dx=1 -jar a.jar argc=3 cmdline=\"bash -c \"{echo,YQ==}|{base64,-d}|{bash,-i}\"\" redactors= containerid=").unwrap();
        assert_eq!(
            field(&a, "proctitle"),
            Some("/usr/bin/java -Dx=1 -jar a.jar")
        );
        assert_eq!(
            field(&a, "cmdline"),
            Some("bash -c \"{echo,YQ==}|{base64,-d}|{bash,-i}\"")
        );
        assert_eq!(field(&a, "containerid"), Some(""));
    }

    #[test]
    fn rejects_lines_without_header() {
        assert_eq!(parse_line("hello"), Err(RecordError::NoHeader));
        assert!(parse_line("type=X msg=audit(99999999999999999999.1:1): a=b").is_err());
    }
}
