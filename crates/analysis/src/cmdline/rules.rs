//! Rule sets: msticpy's command-line patterns and huntbook's ATT&CK-tagged rules.

use std::fmt;
use std::str::FromStr;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;

/// msticpy 3.0.2's `cmd_line_rules.json` (MIT; see `data/cmdline/README.md`).
const MSTICPY_RULES: &str = include_str!("../../data/cmdline/msticpy_cmd_line_rules.json");
/// huntbook's own rules.
const HUNTBOOK_RULES: &str = include_str!("../../data/cmdline/huntbook_rules.json");

/// A rule file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The file is not JSON in either accepted shape.
    #[error(
        "rule file {source_name}: {reason}; expected a list of rules or msticpy's {{\"Syslog\": [patterns]}}"
    )]
    Format {
        /// Where the rules came from.
        source_name: String,
        /// What the JSON parser said.
        reason: String,
    },
    /// A rule's pattern does not compile.
    #[error("rule {id} in {source_name}: pattern does not compile: {reason}")]
    Pattern {
        /// Where the rules came from.
        source_name: String,
        /// The rule's id.
        id: String,
        /// What the regex compiler said.
        reason: String,
    },
}

/// The operating system a rule is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Windows command lines.
    Windows,
    /// Linux and other Unix shells.
    Linux,
    /// Either.
    Any,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::Windows => "windows",
            Platform::Linux => "linux",
            Platform::Any => "any",
        })
    }
}

/// A name that is not a [`Platform`] or a [`Severity`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}: expected one of {expected}")]
pub struct UnknownName {
    /// What was being parsed.
    pub kind: &'static str,
    /// The text given.
    pub value: String,
    /// The accepted names.
    pub expected: &'static str,
}

impl FromStr for Platform {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "windows" | "win" => Ok(Platform::Windows),
            "linux" | "lx" | "unix" => Ok(Platform::Linux),
            "any" => Ok(Platform::Any),
            _ => Err(UnknownName {
                kind: "platform",
                value: s.to_string(),
                expected: "windows, linux, any",
            }),
        }
    }
}

/// How bad a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Suspicious.
    Medium,
    /// Rarely benign.
    High,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        })
    }
}

impl FromStr for Severity {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            _ => Err(UnknownName {
                kind: "severity",
                value: s.to_string(),
                expected: "low, medium, high",
            }),
        }
    }
}

/// One command-line rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Rule {
    /// Stable id, e.g. `HB-LNX-001` or `msticpy-syslog-2`.
    pub id: String,
    /// The OS the rule targets.
    pub platform: Platform,
    /// How bad a match is.
    pub severity: Severity,
    /// MITRE ATT&CK technique id, e.g. `T1105`.
    #[serde(default)]
    pub technique: Option<String>,
    /// ATT&CK tactic, e.g. `command-and-control`.
    #[serde(default)]
    pub tactic: Option<String>,
    /// What a match means.
    pub description: String,
    /// The regular expression (Rust `regex` syntax).
    pub pattern: String,
    /// Which file the rule came from (`msticpy`, `huntbook`, or a caller's name).
    #[serde(default)]
    pub source: String,
    /// Match case-insensitively (huntbook rules do; msticpy's, as in msticpy, do not).
    #[serde(default = "yes")]
    pub ignore_case: bool,
}

fn yes() -> bool {
    true
}

/// Compiled rules; [`RuleSet::matches`] tests every rule in one pass.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    set: RegexSet,
    each: Vec<Regex>,
}

impl RuleSet {
    /// msticpy's rules and huntbook's together.
    pub fn builtin() -> Self {
        // Both files are compiled in and covered by tests, so a failure here is a build bug;
        // an empty set is returned rather than a panic, and the reason is logged.
        Self::msticpy()
            .and_then(|m| m.with(Self::huntbook()?))
            .unwrap_or_else(|err| {
                tracing::error!(%err, "built-in command-line rules failed to load");
                Self::empty()
            })
    }

    /// msticpy's five Syslog patterns, matched from the start of the line as `re.match` does.
    pub fn msticpy() -> Result<Self, RuleError> {
        Self::from_json(MSTICPY_RULES, "msticpy")
    }

    /// huntbook's ATT&CK-tagged rules.
    pub fn huntbook() -> Result<Self, RuleError> {
        Self::from_json(HUNTBOOK_RULES, "huntbook")
    }

    /// No rules.
    pub fn empty() -> Self {
        Self::compile(Vec::new(), "empty").unwrap_or_else(|_| Self {
            rules: Vec::new(),
            set: RegexSet::empty(),
            each: Vec::new(),
        })
    }

    /// Rules from JSON: a list of [`Rule`] objects, or msticpy's `{"<log type>": [patterns]}`.
    pub fn from_json(text: &str, source_name: &str) -> Result<Self, RuleError> {
        let rules = match serde_json::from_str::<Vec<Rule>>(text) {
            Ok(rules) => rules,
            Err(list_err) => {
                match serde_json::from_str::<std::collections::BTreeMap<String, Vec<String>>>(text)
                {
                    Ok(by_type) => msticpy_rules(by_type, source_name),
                    Err(_) => {
                        return Err(RuleError::Format {
                            source_name: source_name.to_string(),
                            reason: list_err.to_string(),
                        });
                    }
                }
            }
        };
        Self::compile(rules, source_name)
    }

    /// This set plus `other`'s rules.
    pub fn with(self, other: RuleSet) -> Result<Self, RuleError> {
        let mut rules = self.rules;
        rules.extend(other.rules);
        Self::compile(rules, "combined")
    }

    /// Only the rules for `platform` (and those for any platform).
    pub fn for_platform(self, platform: Platform) -> Result<Self, RuleError> {
        let rules = self
            .rules
            .into_iter()
            .filter(|r| r.platform == platform || r.platform == Platform::Any)
            .collect();
        Self::compile(rules, "filtered")
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rules `command` matches, most severe first, then in file order.
    pub fn matches(&self, command: &str) -> Vec<&Rule> {
        let mut hits: Vec<&Rule> = self
            .set
            .matches(command)
            .into_iter()
            .map(|i| &self.rules[i])
            .collect();
        hits.sort_by_key(|r| std::cmp::Reverse(r.severity));
        hits
    }

    /// Where rule `index`'s pattern matches in `command`.
    pub fn find(&self, index: usize, command: &str) -> Option<std::ops::Range<usize>> {
        self.each.get(index)?.find(command).map(|m| m.range())
    }

    fn compile(mut rules: Vec<Rule>, source_name: &str) -> Result<Self, RuleError> {
        for rule in &mut rules {
            if rule.source.is_empty() {
                rule.source = source_name.to_string();
            }
        }
        let mut each = Vec::with_capacity(rules.len());
        for rule in &rules {
            let compiled = RegexBuilder::new(&rule.pattern)
                .case_insensitive(rule.ignore_case)
                .build();
            each.push(compiled.map_err(|err| RuleError::Pattern {
                source_name: rule.source.clone(),
                id: rule.id.clone(),
                reason: err.to_string(),
            })?);
        }
        let set = RegexSetBuilder::new(rules.iter().map(|r| {
            if r.ignore_case {
                format!("(?i:{})", r.pattern)
            } else {
                r.pattern.clone()
            }
        }))
        .build()
        .map_err(|err| RuleError::Pattern {
            source_name: source_name.to_string(),
            id: "(set)".into(),
            reason: err.to_string(),
        })?;
        Ok(Self { rules, set, each })
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        Self::builtin()
    }
}

/// msticpy's patterns as rules: anchored at the start (Python's `re.match`), Python-only
/// syntax rewritten for Rust's `regex`.
fn msticpy_rules(
    by_type: std::collections::BTreeMap<String, Vec<String>>,
    source: &str,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    for (log_type, patterns) in by_type {
        for (i, pattern) in patterns.into_iter().enumerate() {
            rules.push(Rule {
                id: format!("{source}-{}-{}", log_type.to_ascii_lowercase(), i + 1),
                platform: if log_type.eq_ignore_ascii_case("syslog") {
                    Platform::Linux
                } else {
                    Platform::Any
                },
                severity: Severity::Medium,
                technique: None,
                tactic: None,
                description: format!("{source} {log_type} rule: {pattern}"),
                pattern: format!("^(?:{})", python_to_rust_regex(&pattern)),
                source: source.to_string(),
                ignore_case: false,
            });
        }
    }
    rules
}

/// Escapes braces that Python treats as literals but Rust's `regex` reads as a repetition.
fn python_to_rust_regex(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '{' {
            if let Some(len) = repetition_len(&chars[i..]) {
                out.extend(&chars[i..i + len]);
                i += len;
                continue;
            }
            out.push_str("\\{");
        } else if c == '}' {
            out.push_str("\\}");
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Length of a `{n}`, `{n,}` or `{n,m}` quantifier at the start of `chars`.
fn repetition_len(chars: &[char]) -> Option<usize> {
    let close = chars.iter().position(|&c| c == '}')?;
    let inner: String = chars[1..close].iter().collect();
    let valid = !inner.is_empty()
        && inner.split(',').count() <= 2
        && inner
            .split(',')
            .next()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        && inner
            .split(',')
            .nth(1)
            .is_none_or(|m| m.chars().all(|c| c.is_ascii_digit()));
    valid.then_some(close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let m = RuleSet::msticpy().unwrap();
        assert_eq!(m.rules().len(), 5);
        let h = RuleSet::huntbook().unwrap();
        assert!(h.rules().len() >= 30);
        assert!(
            h.rules()
                .iter()
                .all(|r| r.technique.as_deref().is_some_and(|t| t.starts_with('T')))
        );
        assert_eq!(
            RuleSet::builtin().rules().len(),
            m.rules().len() + h.rules().len()
        );
    }

    #[test]
    fn msticpy_fork_bomb_pattern_compiles_and_matches() {
        let m = RuleSet::msticpy().unwrap();
        let hits = m.matches(":(){:|:&};:");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].id, "msticpy-syslog-3");
    }

    #[test]
    fn msticpy_rules_are_case_sensitive_and_anchored() {
        let m = RuleSet::msticpy().unwrap();
        assert_eq!(m.matches("cat ~/.ssh/authorized_keys").len(), 1);
        assert!(m.matches("cat ~/.ssh/AUTHORIZED_KEYS").is_empty());
    }

    #[test]
    fn rewrites_python_braces() {
        assert_eq!(python_to_rust_regex("a{2}b{:c}"), "a{2}b\\{:c\\}");
        assert_eq!(python_to_rust_regex("x{1,}"), "x{1,}");
    }

    #[test]
    fn bad_files_are_reported() {
        assert!(matches!(
            RuleSet::from_json("nope", "mine"),
            Err(RuleError::Format { .. })
        ));
        let bad =
            r#"[{"id":"X","platform":"any","severity":"low","description":"d","pattern":"("}]"#;
        assert!(matches!(
            RuleSet::from_json(bad, "mine"),
            Err(RuleError::Pattern { .. })
        ));
    }

    #[test]
    fn names_parse() {
        assert_eq!("Windows".parse::<Platform>(), Ok(Platform::Windows));
        assert_eq!(
            "high".parse::<Severity>().map(|s| s.to_string()),
            Ok("high".into())
        );
        assert!("x".parse::<Severity>().is_err());
    }
}
