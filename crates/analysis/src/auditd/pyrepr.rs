//! Log Analytics' `AuditdMessage` column: a Python literal (or JSON) list of
//! `{RECORD_TYPE: ["key=value", …]}` dictionaries, as msticpy's test data stores it.

/// One record of a message: its type and its items (split on spaces by the exporter).
pub type PyRecord = (String, Vec<String>);

/// Why a message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "AuditdMessage is not a list of {{TYPE: [items]}} dictionaries: {reason} at character {at}"
)]
pub struct PyReprError {
    /// What was wrong.
    pub reason: &'static str,
    /// Character offset where it went wrong.
    pub at: usize,
}

/// Parses `[{'SYSCALL': ['arch=c000003e', …]}, {'EXECVE': […]}]`.
pub fn parse_message(text: &str) -> Result<Vec<PyRecord>, PyReprError> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    let records = p.list_of_dicts()?;
    p.skip_ws();
    if p.pos != p.chars.len() {
        return Err(p.err("text after the closing bracket"));
    }
    Ok(records)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn err(&self, reason: &'static str) -> PyReprError {
        PyReprError {
            reason,
            at: self.pos,
        }
    }

    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, want: char, reason: &'static str) -> Result<(), PyReprError> {
        self.skip_ws();
        if self.chars.get(self.pos) == Some(&want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(reason))
        }
    }

    /// `true` and consumes `close` when the sequence ends here; consumes a comma otherwise.
    fn end_or_comma(&mut self, close: char) -> Result<bool, PyReprError> {
        self.skip_ws();
        match self.chars.get(self.pos) {
            Some(&c) if c == close => {
                self.pos += 1;
                Ok(true)
            }
            Some(',') => {
                self.pos += 1;
                self.skip_ws();
                if self.chars.get(self.pos) == Some(&close) {
                    self.pos += 1;
                    return Ok(true);
                }
                Ok(false)
            }
            _ => Err(self.err("expected a comma or a closing bracket")),
        }
    }

    fn list_of_dicts(&mut self) -> Result<Vec<PyRecord>, PyReprError> {
        self.expect('[', "expected '['")?;
        let mut out = Vec::new();
        self.skip_ws();
        if self.chars.get(self.pos) == Some(&']') {
            self.pos += 1;
            return Ok(out);
        }
        loop {
            out.extend(self.dict()?);
            if self.end_or_comma(']')? {
                return Ok(out);
            }
        }
    }

    fn dict(&mut self) -> Result<Vec<PyRecord>, PyReprError> {
        self.expect('{', "expected '{'")?;
        let mut out = Vec::new();
        self.skip_ws();
        if self.chars.get(self.pos) == Some(&'}') {
            self.pos += 1;
            return Ok(out);
        }
        loop {
            let key = self.string()?;
            self.expect(':', "expected ':' after a record type")?;
            let items = self.string_list()?;
            out.push((key, items));
            if self.end_or_comma('}')? {
                return Ok(out);
            }
        }
    }

    fn string_list(&mut self) -> Result<Vec<String>, PyReprError> {
        self.expect('[', "expected '[' before record items")?;
        let mut out = Vec::new();
        self.skip_ws();
        if self.chars.get(self.pos) == Some(&']') {
            self.pos += 1;
            return Ok(out);
        }
        loop {
            out.push(self.string()?);
            if self.end_or_comma(']')? {
                return Ok(out);
            }
        }
    }

    fn string(&mut self) -> Result<String, PyReprError> {
        self.skip_ws();
        let quote = match self.chars.get(self.pos) {
            Some(&q @ ('\'' | '"')) => q,
            _ => return Err(self.err("expected a quoted string")),
        };
        self.pos += 1;
        let mut out = String::new();
        while let Some(&c) = self.chars.get(self.pos) {
            self.pos += 1;
            if c == quote {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let escaped = self
                .chars
                .get(self.pos)
                .copied()
                .ok_or_else(|| self.err("unfinished escape"))?;
            self.pos += 1;
            match escaped {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'x' => out.push(self.hex_escape(2)?),
                'u' => out.push(self.hex_escape(4)?),
                other => out.push(other),
            }
        }
        Err(self.err("unterminated string"))
    }

    fn hex_escape(&mut self, digits: usize) -> Result<char, PyReprError> {
        let end = self.pos + digits;
        let hex: String = self
            .chars
            .get(self.pos..end)
            .ok_or_else(|| self.err("short hex escape"))?
            .iter()
            .collect();
        self.pos = end;
        u32::from_str_radix(&hex, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.err("bad hex escape"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_la_message() {
        let text = r#"[{'USER_END': ['pid=28056', "msg='op=PAM:session_close", 'acct="root"', "res=success'"]}, {'CWD': ['cwd="/"']}]"#;
        let records = parse_message(text).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].0, "USER_END");
        assert_eq!(records[0].1[1], "msg='op=PAM:session_close");
        assert_eq!(records[1].1, vec![r#"cwd="/""#.to_string()]);
    }

    #[test]
    fn parses_json_too_and_reports_errors() {
        assert_eq!(
            parse_message(r#"[{"X": ["a=1"]}]"#).unwrap()[0].1,
            vec!["a=1"]
        );
        assert!(parse_message("[{'X': ['a=1']").is_err());
        assert!(parse_message("not a list").is_err());
        assert_eq!(parse_message("[]").unwrap(), vec![]);
    }
}
