//! Whether a cell's code is complete: bracket and string balance, for `is_complete_request`.
//!
//! A console front end asks this before running what the user typed, so the answer must be
//! right for the shapes Rust code takes: nested brackets, string and raw-string literals,
//! character literals (as opposed to lifetimes), and line and nested block comments.

/// The answer to an `is_complete_request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// Ready to run.
    Complete,
    /// More input is needed (an open bracket, string or comment).
    Incomplete,
    /// A closing bracket without a matching opening one, or a mismatched pair.
    Invalid,
}

impl Completeness {
    /// The protocol's status string.
    pub fn as_str(self) -> &'static str {
        match self {
            Completeness::Complete => "complete",
            Completeness::Incomplete => "incomplete",
            Completeness::Invalid => "invalid",
        }
    }
}

/// Scans `code` and says whether it is complete.
pub fn check(code: &str) -> Completeness {
    let chars: Vec<char> = code.chars().collect();
    let mut stack: Vec<char> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        i = match (c, next) {
            ('/', Some('/')) => skip_line(&chars, i),
            ('/', Some('*')) => match skip_block_comment(&chars, i) {
                Some(end) => end,
                None => return Completeness::Incomplete,
            },
            ('"', _) => match skip_string(&chars, i + 1) {
                Some(end) => end,
                None => return Completeness::Incomplete,
            },
            ('r', Some('"' | '#')) if starts_raw_string(&chars, i) => {
                match skip_raw_string(&chars, i) {
                    Some(end) => end,
                    None => return Completeness::Incomplete,
                }
            }
            ('\'', _) => skip_char_literal(&chars, i),
            ('(' | '[' | '{', _) => {
                stack.push(c);
                i + 1
            }
            (')' | ']' | '}', _) => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(open) {
                    return Completeness::Invalid;
                }
                i + 1
            }
            _ => i + 1,
        };
    }
    if stack.is_empty() {
        Completeness::Complete
    } else {
        Completeness::Incomplete
    }
}

fn skip_line(chars: &[char], start: usize) -> usize {
    chars[start..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |p| start + p + 1)
}

/// Block comments nest in Rust.
fn skip_block_comment(chars: &[char], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// From just after the opening quote; returns the index after the closing quote.
fn skip_string(chars: &[char], mut i: usize) -> Option<usize> {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn starts_raw_string(chars: &[char], i: usize) -> bool {
    // `r"…"` or `r#…#"…"#…#`, but not an identifier ending in r (`bar"` cannot occur; `for#` no).
    let previous_is_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    if previous_is_ident && chars[i - 1] != 'b' {
        return false;
    }
    let mut j = i + 1;
    while j < chars.len() && chars[j] == '#' {
        j += 1;
    }
    chars.get(j) == Some(&'"')
}

fn skip_raw_string(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    i += 1;
    while i < chars.len() {
        if chars[i] == '"'
            && chars[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    None
}

/// `'a'`, `'\n'`, `'\u{1F600}'` are literals; `'a` (a lifetime or label) is not.
fn skip_char_literal(chars: &[char], start: usize) -> usize {
    match chars.get(start + 1) {
        Some('\\') => chars[start + 2..]
            .iter()
            .position(|&c| c == '\'')
            .map_or(start + 1, |p| start + 2 + p + 1),
        Some(_) if chars.get(start + 2) == Some(&'\'') => start + 3,
        _ => start + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::{Completeness::*, check};

    #[test]
    fn balanced_code_is_complete() {
        assert_eq!(check("let x = 1;"), Complete);
        assert_eq!(check("fn f() { if x { y() } }"), Complete);
        assert_eq!(check("let v = vec![(1, 2)];"), Complete);
        assert_eq!(check(""), Complete);
    }

    #[test]
    fn open_brackets_strings_and_comments_are_incomplete() {
        assert_eq!(check("fn f() {"), Incomplete);
        assert_eq!(check("let s = \"abc"), Incomplete);
        assert_eq!(check("let s = r#\"a \" b"), Incomplete);
        assert_eq!(check("/* outer /* inner */ still open"), Incomplete);
        assert_eq!(check("foo(1,\n 2"), Incomplete);
    }

    #[test]
    fn brackets_inside_literals_and_comments_do_not_count() {
        assert_eq!(check("let s = \"{ not a block\";"), Complete);
        assert_eq!(check("let s = r#\"}\"#;"), Complete);
        assert_eq!(check("let c = '{';"), Complete);
        assert_eq!(check("let c = '\\'';"), Complete);
        assert_eq!(check("// {\nlet x = 1;"), Complete);
        assert_eq!(check("fn f<'a>(x: &'a str) -> &'a str { x }"), Complete);
        assert_eq!(check("let s = \"escaped \\\" quote\";"), Complete);
    }

    #[test]
    fn stray_closers_are_invalid() {
        assert_eq!(check("let x = 1; }"), Invalid);
        assert_eq!(check("foo(]"), Invalid);
    }
}
