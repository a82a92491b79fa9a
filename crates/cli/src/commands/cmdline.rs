//! `huntbook cmdline`: command lines that match risky-command rules, and typing-speed bursts.

use std::time::Duration;

use anyhow::{Context, Result};
use clap::Subcommand;
use huntbook_analysis::cmdline::{RiskyOptions, RuleSet, cmd_speed, risky_cmd_line};

use super::TableSource;
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook cmdline …`
#[derive(Debug, Subcommand)]
pub enum CmdlineCommand {
    /// The rows whose command line matches a rule, with rule_id, rule_description, technique,
    /// tactic, severity, matched_rules, match_count and decoded_cmd added.
    Risky {
        #[command(flatten)]
        source: TableSource,

        /// The column holding command lines.
        #[arg(long, short = 'c', default_value = "CommandLine")]
        column: String,

        /// Keep rows that match nothing (their rule columns are empty).
        #[arg(long)]
        all: bool,

        /// Do not decode base64 inside commands before matching.
        #[arg(long)]
        no_base64: bool,

        /// Extra rules from a JSON file (msticpy's cmd_line_rules.json layout), added to the
        /// built-in ones.
        #[arg(long)]
        rules: Option<String>,

        /// Use only the rules from --rules, not the built-in ones.
        #[arg(long, requires = "rules")]
        only_rules: bool,
    },

    /// Commands run closer together than a person types: burst_id, burst_start, burst_end,
    /// burst_size, burst_seconds added to each command of a burst.
    Speed {
        #[command(flatten)]
        source: TableSource,

        /// The column holding command lines.
        #[arg(long, short = 'c', default_value = "CommandLine")]
        column: String,

        /// The column holding the event time.
        #[arg(long, default_value = "TimeGenerated")]
        time_column: String,

        /// Commands in a burst.
        #[arg(long, default_value_t = 10)]
        events: usize,

        /// Longest span of a burst, in seconds.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
}

/// Runs `huntbook cmdline …`.
pub fn run(command: CmdlineCommand, global: &Global) -> Result<()> {
    match command {
        CmdlineCommand::Risky {
            source,
            column,
            all,
            no_base64,
            rules,
            only_rules,
        } => {
            let options = RiskyOptions::default()
                .with_rules(rule_set(rules.as_deref(), only_rules)?)
                .with_keep_all_rows(all)
                .with_decode_base64(!no_base64);
            risky(&source, &column, &options, global)
        }
        CmdlineCommand::Speed {
            source,
            column,
            time_column,
            events,
            seconds,
        } => speed(&source, &column, &time_column, events, seconds, global),
    }
}

fn rule_set(path: Option<&str>, only: bool) -> Result<RuleSet> {
    let Some(path) = path else {
        return Ok(RuleSet::builtin());
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let extra = RuleSet::from_json(&text, path)
        .with_context(|| format!("{path} is not a rules file; see docs/cli.md for the layout"))?;
    if only {
        return Ok(extra);
    }
    Ok(RuleSet::builtin().with(extra)?)
}

fn risky(
    source: &TableSource,
    column: &str,
    options: &RiskyOptions,
    global: &Global,
) -> Result<()> {
    let frame = source.load_with(&[column], "--column")?;

    let timer = Timer::start(global);
    let mut found = risky_cmd_line(&frame, column, options)?;
    timer.report(found.height());

    write_frame(&mut found, global.output_format, global.output.as_deref())
}

fn speed(
    source: &TableSource,
    column: &str,
    time_column: &str,
    events: usize,
    seconds: f64,
    global: &Global,
) -> Result<()> {
    let window = Duration::try_from_secs_f64(seconds)
        .with_context(|| format!("--seconds {seconds} is not a usable duration; give e.g. 5"))?;
    let frame = source.load_with(&[column], "--column")?;
    super::require_columns(&frame, &source.file, &[time_column], "--time-column")?;

    let timer = Timer::start(global);
    let mut found = cmd_speed(&frame, time_column, column, events, window)?;
    timer.report(found.height());

    write_frame(&mut found, global.output_format, global.output.as_deref())
}
