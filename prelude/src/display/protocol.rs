//! The line format that carries display data from a notebook cell to the huntbook kernel.
//!
//! A cell's code runs in a child process whose stdout the kernel reads line by line. Ordinary
//! output passes through as the cell's stream output; a line that carries display data looks
//! like this (one line, compact JSON, ending in `\n`):
//!
//! ```text
//! \u{1e}HUNTBOOK\u{1e}{"kind":"display","data":{"text/plain":"42"},"metadata":{},"display_id":null}
//! ```
//!
//! - The line starts with [`MARKER`]: `HUNTBOOK` between two U+001E (record separator)
//!   characters, followed immediately by one JSON object.
//! - `kind` is `"display"` (a new `display_data` message), `"update"` (an
//!   `update_display_data` for an earlier display with the same `display_id`) or `"result"`
//!   (the value of the cell's final expression, an `execute_result`).
//! - `data` maps MIME types to strings, `text/plain` first; it always has `text/plain`.
//! - `metadata` is an empty object for now.
//! - `display_id` is a string for `display` with an id and for `update`, else `null`.
//! - `token` is the session's secret from `HUNTBOOK_DISPLAY_TOKEN` (empty outside a kernel);
//!   the kernel ignores display lines without it, so printed data cannot forge a display.
//! - Fields come in the order above. JSON escapes every control character, so neither a
//!   newline nor the marker can appear inside the object.
//!
//! The line is written in one piece and stdout is flushed right after it, so it never
//! interleaves with other output of the same process. If the cell printed text without a
//! trailing newline just before, that text comes first on the same line: a reader should look
//! for the marker anywhere in a line and treat what precedes it as ordinary output.
//!
//! The kernel keeps its own copy of [`MARKER`]; the two must stay equal.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use serde::Serialize;

use super::bundle::MimeBundle;

/// Starts every line that carries display data.
pub const MARKER: &str = "\u{1e}HUNTBOOK\u{1e}";

/// What a display line asks the kernel to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Show new output (`display_data`).
    Display,
    /// Replace the output shown under a display id (`update_display_data`).
    Update,
    /// Show the value of the cell's final expression (`execute_result`).
    Result,
}

impl Kind {
    /// The name used in the JSON `kind` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Display => "display",
            Kind::Update => "update",
            Kind::Result => "result",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `kind` name that is not one of `display`, `update` or `result`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown display kind {0:?}: expected \"display\", \"update\" or \"result\"")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "display" => Ok(Kind::Display),
            "update" => Ok(Kind::Update),
            "result" => Ok(Kind::Result),
            other => Err(UnknownKind(other.to_owned())),
        }
    }
}

/// The JSON object after the marker; field order is the documented order.
#[derive(Serialize)]
struct Message<'a> {
    kind: Kind,
    data: &'a MimeBundle,
    metadata: Metadata,
    display_id: Option<&'a str>,
    token: &'a str,
}

/// Environment variable through which the kernel hands each session a secret token.
pub const TOKEN_ENV: &str = "HUNTBOOK_DISPLAY_TOKEN";

/// The session's display token. The kernel accepts a display line only when it carries this
/// token, so text that merely looks like a display line — a log record printed by a cell, say —
/// is shown as the text it is and can never inject HTML into the notebook.
fn session_token() -> &'static str {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN.get_or_init(|| std::env::var(TOKEN_ENV).unwrap_or_default())
}

/// Serializes as `{}`.
#[derive(Serialize)]
struct Metadata {}

/// The complete line, marker to newline, for one message.
pub fn line(kind: Kind, bundle: &MimeBundle, display_id: Option<&str>) -> String {
    let message = Message {
        kind,
        data: bundle,
        metadata: Metadata {},
        display_id,
        token: session_token(),
    };
    match serde_json::to_string(&message) {
        Ok(json) => format!("{MARKER}{json}\n"),
        Err(error) => encoding_failure_line(kind, display_id, &error),
    }
}

/// Encoding a struct of strings does not fail in practice; should it ever, the cell shows why
/// instead of losing the output without a word.
fn encoding_failure_line(
    kind: Kind,
    display_id: Option<&str>,
    error: &serde_json::Error,
) -> String {
    let text = serde_json::Value::from(format!("huntbook could not encode display data: {error}"));
    let id = serde_json::Value::from(display_id);
    format!(
        "{MARKER}{{\"kind\":\"{kind}\",\"data\":{{\"text/plain\":{text}}},\
         \"metadata\":{{}},\"display_id\":{id},\"token\":{token}}}\n",
        token = serde_json::to_string(session_token()).unwrap_or_else(|_| "\"\"".to_owned())
    )
}

/// The line for a new display, optionally under a display id that later updates can target.
pub fn display_line(bundle: &MimeBundle, display_id: Option<&str>) -> String {
    line(Kind::Display, bundle, display_id)
}

/// The line that replaces what an earlier display under `display_id` shows.
pub fn update_line(bundle: &MimeBundle, display_id: &str) -> String {
    line(Kind::Update, bundle, Some(display_id))
}

/// The line for the value of a cell's final expression.
pub fn result_line(bundle: &MimeBundle) -> String {
    line(Kind::Result, bundle, None)
}

/// Writes one complete line to stdout and flushes it.
///
/// This is the one place where the prelude writes to stdout: in a notebook, stdout is how
/// display data reaches the kernel.
pub fn emit(line: &str) {
    let mut stdout = io::stdout().lock();
    let written = stdout
        .write_all(line.as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(error) = written {
        // With stdout gone, stderr is the only place left to say what happened; if that fails
        // too there is nobody left to tell.
        let _ = writeln!(
            io::stderr(),
            "huntbook: could not send display data: {error}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_line_has_the_documented_shape() {
        let line = display_line(&MimeBundle::new("42"), None);
        assert_eq!(
            line,
            "\u{1e}HUNTBOOK\u{1e}{\"kind\":\"display\",\"data\":{\"text/plain\":\"42\"},\
             \"metadata\":{},\"display_id\":null,\"token\":\"\"}\n"
        );
    }

    #[test]
    fn update_and_result_lines() {
        let bundle = MimeBundle::new("x");
        let update = update_line(&bundle, "progress");
        assert!(update.contains("\"kind\":\"update\""));
        assert!(update.contains("\"display_id\":\"progress\""));
        let result = result_line(&bundle);
        assert!(result.contains("\"kind\":\"result\""));
        assert!(result.contains("\"display_id\":null"));
        assert!(
            result.ends_with("\"token\":\"\"}\n"),
            "no token outside a kernel session"
        );
    }

    #[test]
    fn control_characters_stay_inside_the_json() {
        let planted = format!("a\nb{MARKER}c\r");
        let line = display_line(&MimeBundle::new(planted), Some("id\n1"));
        assert_eq!(line.matches('\n').count(), 1);
        assert_eq!(line.matches(MARKER).count(), 1);
        assert!(line.starts_with(MARKER));
    }

    #[test]
    fn line_round_trips_through_json() -> Result<(), serde_json::Error> {
        let bundle = MimeBundle::new("t").with("text/html", "<b>\"q\"</b>");
        let line = display_line(&bundle, Some("d1"));
        let json: serde_json::Value = serde_json::from_str(&line[MARKER.len()..])?;
        assert_eq!(json["data"]["text/html"], "<b>\"q\"</b>");
        assert_eq!(json["display_id"], "d1");
        assert_eq!(json["metadata"], serde_json::json!({}));
        Ok(())
    }

    #[test]
    fn failure_line_is_valid_json() -> Result<(), serde_json::Error> {
        let Err(error) = serde_json::from_str::<serde_json::Value>("{") else {
            panic!("an unclosed object must not parse");
        };
        let line = encoding_failure_line(Kind::Update, Some("d\"1"), &error);
        let json: serde_json::Value = serde_json::from_str(&line[MARKER.len()..])?;
        assert_eq!(json["kind"], "update");
        assert_eq!(json["display_id"], "d\"1");
        Ok(())
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in [Kind::Display, Kind::Update, Kind::Result] {
            assert_eq!(kind.to_string().parse::<Kind>(), Ok(kind));
        }
        assert!("execute".parse::<Kind>().is_err());
    }
}
