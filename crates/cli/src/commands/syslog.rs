//! `huntbook syslog`: logon sessions and the sudo commands run in them, from raw syslog text
//! or Log Analytics Syslog rows.

use anyhow::Result;
use clap::{Args, Subcommand};
use huntbook_analysis::syslog::{
    ReadOptions, SessionOptions, logon_events, logon_sessions, read_syslog, session_commands,
};
use polars::prelude::*;

use super::report_problems;
use crate::input::{InputFormat, read_bytes};
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook syslog …`
#[derive(Debug, Subcommand)]
pub enum SyslogCommand {
    /// Logon sessions (sshd, su, sudo): session_id, Computer, service, User, by_user, Start,
    /// End, duration_seconds, source_ip, source_port, method, success, pid, commands,
    /// risky_commands.
    Sessions(SyslogArgs),

    /// The sudo commands, each with its session and the risky-command rules it matches.
    Commands(SyslogArgs),

    /// Every authentication fact (accepted, failed, session opened/closed, sudo, su).
    Logons(SyslogArgs),

    /// The raw lines parsed into Log Analytics Syslog columns, with an error for bad lines.
    Parse(SyslogArgs),
}

/// The input of every `huntbook syslog` subcommand.
#[derive(Debug, Args)]
pub struct SyslogArgs {
    /// Raw syslog (auth.log, RFC 3164 or 5424) or a table with SyslogMessage and
    /// TimeGenerated; `-` for standard input.
    file: String,

    /// The input's format; `auto` reads .csv/.json/.jsonl/.parquet as tables, else text.
    #[arg(long, value_enum, default_value = "auto")]
    input_format: InputFormat,

    /// Year of RFC 3164 time stamps, which carry none (default: this year).
    #[arg(long)]
    year: Option<i32>,

    /// The message column of a table.
    #[arg(long, default_value = "SyslogMessage")]
    message_column: String,

    /// The time column of a table.
    #[arg(long, default_value = "TimeGenerated")]
    time_column: String,

    /// Also write the lines that could not be parsed here, as CSV.
    #[arg(long)]
    errors: Option<String>,
}

/// Runs `huntbook syslog …`.
pub fn run(command: SyslogCommand, global: &Global) -> Result<()> {
    let (args, tool): (SyslogArgs, Tool) = match command {
        SyslogCommand::Sessions(args) => (args, logon_sessions),
        SyslogCommand::Commands(args) => (args, session_commands),
        SyslogCommand::Logons(args) => (args, logon_events),
        SyslogCommand::Parse(args) => (args, |rows, _| Ok(rows.clone())),
    };

    let rows = read_rows(&args)?;
    let mut problems = rows
        .clone()
        .lazy()
        .filter(col("error").is_not_null())
        .select([col("line"), col("error")])
        .collect()
        .unwrap_or_default();
    report_problems("syslog lines", &mut problems, args.errors.as_deref())?;

    let options = SessionOptions::default()
        .with_message_column(args.message_column.as_str())
        .with_time_column(args.time_column.as_str());
    let timer = Timer::start(global);
    let mut out = tool(&rows, &options)?;
    timer.report(out.height());

    write_frame(&mut out, global.output_format, global.output.as_deref())
}

type Tool =
    fn(&DataFrame, &SessionOptions) -> Result<DataFrame, huntbook_analysis::syslog::SyslogError>;

/// Raw text through the syslog parser; tables as they are, checked for the needed columns.
fn read_rows(args: &SyslogArgs) -> Result<DataFrame> {
    let bytes = read_bytes(&args.file)?;
    let format = match args.input_format {
        InputFormat::Auto => match crate::input::detect(&args.file, &bytes) {
            InputFormat::Text if csv_header(&bytes, &args.message_column) => InputFormat::Csv,
            found => found,
        },
        other => other,
    };
    if format == InputFormat::Text {
        let text = String::from_utf8_lossy(&bytes);
        let mut options = ReadOptions::default();
        if let Some(year) = args.year {
            options = options.with_year(year);
        }
        return Ok(read_syslog(&text, &options)?);
    }

    let frame = crate::input::parse(bytes, format)?;
    super::require_columns(
        &frame,
        &args.file,
        &[&args.message_column, &args.time_column],
        "--message-column / --time-column",
    )?;
    Ok(frame)
}

/// Whether the first line is a CSV header naming the message column (piped CSV has no file
/// name to tell it from raw syslog).
fn csv_header(bytes: &[u8], message_column: &str) -> bool {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    first
        .trim_start_matches('\u{feff}')
        .split(',')
        .any(|field| field.trim().trim_matches('"') == message_column)
}
