//! Risky command lines: every rule that matches a command (or the base64 it carries).

use polars::prelude::*;

use super::columns::{self, ColumnError};
use super::rules::{Rule, RuleSet};
use crate::b64::{B64Unpacker, UnpackOptions};

/// Why a frame could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum CmdLineError {
    /// A column is missing or of the wrong type.
    #[error("{0}; pass the name of the column holding command lines (or times)")]
    Column(#[from] ColumnError),
    /// An argument is out of range.
    #[error("{0}")]
    Argument(String),
    /// polars refused to build the output frame.
    #[error("building the command-line output frame failed: {0}")]
    Frame(#[from] PolarsError),
}

/// Settings for [`risky_cmd_line`].
#[derive(Debug, Clone)]
pub struct RiskyOptions {
    /// The rules to apply (default: msticpy's and huntbook's).
    pub rules: RuleSet,
    /// Also match rules against text decoded from base64 in the command.
    pub decode_base64: bool,
    /// Keep rows that match nothing (their rule columns are null).
    pub keep_all_rows: bool,
}

impl Default for RiskyOptions {
    fn default() -> Self {
        Self {
            rules: RuleSet::builtin(),
            decode_base64: true,
            keep_all_rows: false,
        }
    }
}

impl RiskyOptions {
    /// Sets [`rules`](Self::rules).
    pub fn with_rules(mut self, rules: RuleSet) -> Self {
        self.rules = rules;
        self
    }

    /// Sets [`decode_base64`](Self::decode_base64).
    pub fn with_decode_base64(mut self, on: bool) -> Self {
        self.decode_base64 = on;
        self
    }

    /// Sets [`keep_all_rows`](Self::keep_all_rows).
    pub fn with_keep_all_rows(mut self, on: bool) -> Self {
        self.keep_all_rows = on;
        self
    }
}

/// What one command matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CmdMatch {
    /// Matching rule ids, most severe first.
    pub rule_ids: Vec<String>,
    /// The most severe rule's description.
    pub description: Option<String>,
    /// The most severe rule's ATT&CK technique.
    pub technique: Option<String>,
    /// The most severe rule's tactic.
    pub tactic: Option<String>,
    /// The most severe rule's severity.
    pub severity: Option<String>,
    /// Text decoded from base64 in the command, `" | "`-joined, when there was any.
    pub decoded: Option<String>,
}

impl CmdMatch {
    /// Whether any rule matched.
    pub fn is_match(&self) -> bool {
        !self.rule_ids.is_empty()
    }
}

/// Checks one command line against `opts.rules`.
pub fn check_command(command: &str, opts: &RiskyOptions) -> CmdMatch {
    let decoded = if opts.decode_base64 {
        decoded_text(command)
    } else {
        None
    };

    let mut hits: Vec<&Rule> = opts.rules.matches(command);
    if let Some(text) = &decoded {
        for rule in opts.rules.matches(text) {
            if !hits.iter().any(|h| h.id == rule.id) {
                hits.push(rule);
            }
        }
        hits.sort_by_key(|r| std::cmp::Reverse(r.severity));
    }

    let top = hits.first();
    CmdMatch {
        rule_ids: hits.iter().map(|r| r.id.clone()).collect(),
        description: top.map(|r| r.description.clone()),
        technique: top.and_then(|r| r.technique.clone()),
        tactic: top.and_then(|r| r.tactic.clone()),
        severity: top.map(|r| r.severity.to_string()),
        decoded,
    }
}

/// Text decoded from base64 runs of 16 or more characters in `command`.
fn decoded_text(command: &str) -> Option<String> {
    let unpacker = B64Unpacker::new(
        UnpackOptions::default()
            .with_min_length(16)
            .with_max_depth(4),
    );
    let texts: Vec<String> = unpacker
        .unpack(command)
        .into_iter()
        .filter_map(|d| d.decoded_string)
        .collect();
    (!texts.is_empty()).then(|| texts.join(" | "))
}

/// The rows of `df` whose `cmd_column` matches a risky rule, with the match added.
///
/// Added columns: `rule_id` (most severe match), `rule_description`, `technique`, `tactic`,
/// `severity`, `matched_rules` (every matching id, comma-separated), `match_count` (u32),
/// `decoded_cmd` (text decoded from base64 in the command, or null). With
/// `keep_all_rows`, rows that match nothing are kept with null rule columns.
pub fn risky_cmd_line(
    df: &DataFrame,
    cmd_column: &str,
    opts: &RiskyOptions,
) -> Result<DataFrame, CmdLineError> {
    let commands = columns::strings(df, cmd_column)?;

    let mut keep: Vec<IdxSize> = Vec::new();
    let mut found: Vec<CmdMatch> = Vec::new();
    for (row, command) in commands.iter().enumerate() {
        let result = match command.as_deref().map(str::trim) {
            Some(cmd) if !cmd.is_empty() => check_command(cmd, opts),
            _ => CmdMatch::default(),
        };
        if result.is_match() || opts.keep_all_rows {
            keep.push(row as IdxSize);
            found.push(result);
        }
    }

    let picked = df.take(&IdxCa::from_vec("idx".into(), keep))?;
    let n = found.len();
    let text = |f: &dyn Fn(&CmdMatch) -> Option<String>| -> Vec<Option<String>> {
        found.iter().map(f).collect()
    };
    let added = vec![
        Column::new("rule_id".into(), text(&|m| m.rule_ids.first().cloned())),
        Column::new("rule_description".into(), text(&|m| m.description.clone())),
        Column::new("technique".into(), text(&|m| m.technique.clone())),
        Column::new("tactic".into(), text(&|m| m.tactic.clone())),
        Column::new("severity".into(), text(&|m| m.severity.clone())),
        Column::new(
            "matched_rules".into(),
            text(&|m| m.is_match().then(|| m.rule_ids.join(","))),
        ),
        Column::new(
            "match_count".into(),
            found
                .iter()
                .map(|m| m.rule_ids.len() as u32)
                .collect::<Vec<_>>(),
        ),
        Column::new("decoded_cmd".into(), text(&|m| m.decoded.clone())),
    ];
    debug_assert!(added.iter().all(|c| c.len() == n));
    Ok(picked.hstack(&added)?)
}
