//! Query templates in Python `str.format` syntax.
//!
//! msticpy's query files write parameters as `{name}` and literal braces as `{{` and `}}`.
//! A [`Template`] is parsed once; [`Template::render`] fills it and fails, naming every
//! placeholder it could not fill, rather than sending a half-filled query to a service.
//! `{name!r}` and `{name!s}` conversions are read (`!r` quotes the value as Python's `repr`
//! of a string would); format specs (`{name:>10}`) are rejected with a clear message because
//! no query file uses them.

use std::collections::HashMap;

/// What is wrong with a template or its values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    /// A lone `{` or `}`.
    #[error(
        "unmatched '{brace}' at line {line}, column {column}; write '{brace}{brace}' for a literal brace"
    )]
    Unmatched {
        /// The brace.
        brace: char,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
    },

    /// A placeholder that cannot be read.
    #[error("placeholder '{{{text}}}' at line {line}: {message}")]
    Field {
        /// The text between the braces.
        text: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },

    /// Placeholders with no value.
    #[error("no value for placeholder(s) {}; the query defines no such parameter or it was not set", .names.join(", "))]
    Unfilled {
        /// Each placeholder without a value, once, in order of appearance.
        names: Vec<String>,
    },
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Field { name: String, quote: bool },
}

/// A parsed query template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `{name}` placeholders and `{{`/`}}` escapes.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        let (mut line, mut column) = (1, 0);
        while let Some(c) = chars.next() {
            column += 1;
            match c {
                '\n' => {
                    literal.push(c);
                    line += 1;
                    column = 0;
                }
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    column += 1;
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    column += 1;
                    literal.push('}');
                }
                '}' => {
                    return Err(TemplateError::Unmatched {
                        brace: '}',
                        line,
                        column,
                    });
                }
                '{' => {
                    let start_column = column;
                    let mut field = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(TemplateError::Unmatched {
                                    brace: '{',
                                    line,
                                    column: start_column,
                                });
                            }
                            Some(other) => {
                                column += 1;
                                if other == '\n' {
                                    line += 1;
                                    column = 0;
                                }
                                field.push(other);
                            }
                        }
                    }
                    column += 1;
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(parse_field(&field, line)?);
                }
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template { pieces })
    }

    /// The placeholder names, once each, in order of appearance.
    pub fn fields(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for piece in &self.pieces {
            if let Piece::Field { name, .. } = piece
                && !names.contains(&name.as_str())
            {
                names.push(name);
            }
        }
        names
    }

    /// Fills every placeholder from `values`; every missing name is reported at once.
    pub fn render(&self, values: &HashMap<String, String>) -> Result<String, TemplateError> {
        let unfilled: Vec<String> = self
            .fields()
            .into_iter()
            .filter(|name| !values.contains_key(*name))
            .map(str::to_string)
            .collect();
        if !unfilled.is_empty() {
            return Err(TemplateError::Unfilled { names: unfilled });
        }
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Field { name, quote } => {
                    let value = values.get(name).map(String::as_str).unwrap_or_default();
                    if *quote {
                        out.push_str(&python_repr(value));
                    } else {
                        out.push_str(value);
                    }
                }
            }
        }
        Ok(out)
    }
}

fn parse_field(text: &str, line: usize) -> Result<Piece, TemplateError> {
    let error = |message: &str| TemplateError::Field {
        text: text.to_string(),
        line,
        message: message.to_string(),
    };
    if text.contains(':') {
        return Err(error(
            "format specs are not supported; format the value in the parameter",
        ));
    }
    let (name, conversion) = match text.split_once('!') {
        Some((name, conversion)) => (name.trim(), Some(conversion.trim())),
        None => (text.trim(), None),
    };
    let quote = match conversion {
        None | Some("s") => false,
        Some("r") | Some("a") => true,
        Some(_) => return Err(error("conversion must be !s, !r or !a")),
    };
    let is_identifier = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !is_identifier {
        return Err(error(
            "a placeholder must be a parameter name (no positional or indexed fields)",
        ));
    }
    Ok(Piece::Field {
        name: name.to_string(),
        quote,
    })
}

/// Quotes text as Python's `repr` of a string does (single quotes unless the text has one).
fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fills_placeholders_and_unescapes_braces() {
        let template = Template::parse("T | where x == {a} | extend d = dynamic({{\"k\": {b}}})")
            .unwrap_or_else(|e| panic!("{e}"));
        let text = template.render(&values(&[("a", "1"), ("b", "2")]));
        assert_eq!(
            text.as_deref(),
            Ok("T | where x == 1 | extend d = dynamic({\"k\": 2})")
        );
    }

    #[test]
    fn regex_quantifiers_written_doubled_survive() {
        let template =
            Template::parse(r"extract('[0-9]{{1,3}}', 1, x)").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            template.render(&HashMap::new()).as_deref(),
            Ok("extract('[0-9]{1,3}', 1, x)")
        );
    }

    #[test]
    fn every_unfilled_placeholder_is_named() {
        let template = Template::parse("{a} {b} {a} {c}").unwrap_or_else(|e| panic!("{e}"));
        let error = template.render(&values(&[("b", "x")])).unwrap_err();
        assert_eq!(
            error,
            TemplateError::Unfilled {
                names: vec!["a".into(), "c".into()]
            }
        );
        assert!(error.to_string().contains("a, c"));
    }

    #[test]
    fn lone_braces_are_located() {
        assert_eq!(
            Template::parse("ab\ncd }").unwrap_err(),
            TemplateError::Unmatched {
                brace: '}',
                line: 2,
                column: 4
            }
        );
        assert!(matches!(
            Template::parse("x {a").unwrap_err(),
            TemplateError::Unmatched { brace: '{', .. }
        ));
    }

    #[test]
    fn repr_conversion_quotes() {
        let template = Template::parse("{a!r}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            template.render(&values(&[("a", "it's")])).as_deref(),
            Ok("\"it's\"")
        );
    }

    #[test]
    fn positional_and_format_specs_are_rejected() {
        assert!(matches!(
            Template::parse("{}").unwrap_err(),
            TemplateError::Field { .. }
        ));
        assert!(matches!(
            Template::parse("{a:>4}").unwrap_err(),
            TemplateError::Field { .. }
        ));
    }
}
