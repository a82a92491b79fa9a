//! `huntbook auditd`: Linux audit logs into one row per event.

use anyhow::Result;
use clap::Subcommand;
use huntbook_analysis::auditd::{AuditOptions, extract_events_to_df, read_audit_log};
use polars::prelude::{IntoLazy, col};

use super::report_problems;
use crate::input::{InputFormat, read_frame, read_text};
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook auditd …`
#[derive(Debug, Subcommand)]
pub enum AuditdCommand {
    /// One row per audit event (records of one event merged): TimeGenerated, EventSerial,
    /// EventType (SYSCALL_EXECVE for process starts), pid, ppid, uid, exe, cmdline, …, error.
    Parse {
        /// A raw audit.log (or `-` for standard input); with --column, a table.
        file: String,

        /// The input is a table (CSV, JSON lines, …) whose column holds the audit messages
        /// (Log Analytics: AuditdMessage); without it the input is raw audit.log text.
        #[arg(long, short = 'c')]
        column: Option<String>,

        /// The table's format (with --column).
        #[arg(long, value_enum, default_value = "auto")]
        input_format: InputFormat,

        /// The host to report when a record names none.
        #[arg(long)]
        computer: Option<String>,

        /// Keep only events of this type (e.g. SYSCALL_EXECVE); unreadable lines are kept.
        #[arg(long)]
        event_type: Option<String>,

        /// Also write the lines that could not be read here, as CSV.
        #[arg(long)]
        errors: Option<String>,
    },
}

/// Runs `huntbook auditd …`.
pub fn run(command: AuditdCommand, global: &Global) -> Result<()> {
    let AuditdCommand::Parse {
        file,
        column,
        input_format,
        computer,
        event_type,
        errors,
    } = command;

    let mut options = AuditOptions::default();
    if let Some(computer) = computer {
        options = options.with_computer(computer);
    }
    if let Some(event_type) = event_type {
        options = options.with_event_type(event_type);
    }

    let mut events = match column {
        Some(column) => {
            let frame = read_frame(&file, input_format)?;
            super::require_columns(&frame, &file, &[&column], "--column")?;
            let timer = Timer::start(global);
            let events = extract_events_to_df(&frame, &column, &options)?;
            timer.report(events.height());
            events
        }
        None => {
            let text = read_text(&file)?;
            let timer = Timer::start(global);
            let events = read_audit_log(&text, &options)?;
            timer.report(events.height());
            events
        }
    };

    let mut problems = events
        .clone()
        .lazy()
        .filter(col("error").is_not_null())
        .select([col("line"), col("src_row"), col("error")])
        .collect()?;
    report_problems("audit events", &mut problems, errors.as_deref())?;

    write_frame(&mut events, global.output_format, global.output.as_deref())
}
