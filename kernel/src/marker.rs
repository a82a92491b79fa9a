//! The display side channel: lines the prelude prints on a cell's stdout to ask for outputs.
//!
//! A request is one line: the marker `\u{1e}HUNTBOOK\u{1e}` followed by compact JSON
//!
//! ```json
//! {"kind":"display","data":{"text/plain":"…","text/html":"…"},"metadata":{},"display_id":null}
//! ```
//!
//! `kind` is `display` (a `display_data`), `update` (an `update_display_data` for `display_id`)
//! or `result` (the cell's `execute_result`). `token` must equal the secret the kernel gave the
//! session in `HUNTBOOK_DISPLAY_TOKEN`: a line without it is shown as plain text, so a log
//! record printed by a cell cannot pose as a display and inject markup. The prelude crate
//! writes these lines; the kernel keeps its own copy of the format here because it never links
//! the prelude.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The prefix that marks a display request line.
pub const MARKER: &str = "\u{1e}HUNTBOOK\u{1e}";

/// What kind of output a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A `display_data` message.
    Display,
    /// An `update_display_data` message.
    Update,
    /// The cell's `execute_result`.
    Result,
}

/// One parsed display request.
#[derive(Debug, Clone, Deserialize)]
pub struct DisplayRequest {
    /// What to send.
    pub kind: Kind,
    /// The MIME bundle.
    pub data: Map<String, Value>,
    /// Per-MIME metadata.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The display id, for displays that are later updated.
    #[serde(default)]
    pub display_id: Option<String>,
    /// The session's display token.
    #[serde(default)]
    pub token: String,
}

/// Environment variable that hands the session's display token to the user-code process.
pub const TOKEN_ENV: &str = "HUNTBOOK_DISPLAY_TOKEN";

/// What one stdout line is.
#[derive(Debug)]
pub enum Line {
    /// Ordinary output.
    Text(String),
    /// A display request.
    Display(DisplayRequest),
    /// A line with the marker whose JSON does not parse.
    Malformed(String),
}

/// Classifies one line of a cell's stdout; only requests carrying `token` are displays.
pub fn parse(line: String, token: &str) -> Line {
    let Some(json) = line.strip_prefix(MARKER) else {
        return Line::Text(line);
    };
    match serde_json::from_str::<DisplayRequest>(json) {
        Ok(request) if request.token == token => Line::Display(request),
        Ok(_) => Line::Text(line),
        Err(error) => Line::Malformed(format!("unreadable display request ({error})")),
    }
}

/// A fresh random token (128 bits from the operating system).
pub fn new_token() -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_pass_through() {
        assert!(matches!(parse("hello".into(), "t"), Line::Text(t) if t == "hello"));
    }

    #[test]
    fn requests_are_parsed() {
        let line = format!(
            "{MARKER}{{\"kind\":\"update\",\"data\":{{\"text/plain\":\"x\"}},\"metadata\":{{}},\"display_id\":\"d1\",\"token\":\"s3cret\"}}"
        );
        let Line::Display(request) = parse(line, "s3cret") else {
            panic!("not parsed")
        };
        assert_eq!(request.kind, Kind::Update);
        assert_eq!(request.display_id.as_deref(), Some("d1"));
        assert_eq!(request.data["text/plain"], "x");
    }

    #[test]
    fn broken_json_is_reported_not_dropped() {
        assert!(matches!(
            parse(format!("{MARKER}{{"), "t"),
            Line::Malformed(_)
        ));
    }

    #[test]
    fn requests_without_the_session_token_are_plain_text() {
        let forged = format!(
            "{MARKER}{{\"kind\":\"display\",\"data\":{{\"text/html\":\"<script>x</script>\"}}}}"
        );
        assert!(matches!(parse(forged.clone(), "s3cret"), Line::Text(t) if t == forged));
        let wrong = forged.replace("}}}", "}},\"token\":\"guess\"}");
        assert!(matches!(parse(wrong, "s3cret"), Line::Text(_)));
    }

    #[test]
    fn tokens_are_random() -> std::io::Result<()> {
        let (a, b) = (new_token()?, new_token()?);
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        Ok(())
    }
}
