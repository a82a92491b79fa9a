//! The subcommands, a module per tool.

mod anomseq;
mod auditd;
mod b64;
mod cluster;
mod cmdline;
mod geoip;
mod ioc;
mod proctree;
mod syslog;
mod ti;
mod ts;

use anyhow::{Context, Result};
use clap::Subcommand;
use polars::prelude::DataFrame;

use crate::Global;

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Indicators of compromise.
    #[command(subcommand)]
    Ioc(ioc::IocCommand),

    /// Base64 runs and the archives inside them.
    #[command(subcommand)]
    B64(b64::B64Command),

    /// Risky command lines.
    #[command(subcommand)]
    Cmdline(cmdline::CmdlineCommand),

    /// Linux audit logs.
    #[command(subcommand)]
    Auditd(auditd::AuditdCommand),

    /// Syslog logon sessions and sudo commands.
    #[command(subcommand)]
    Syslog(syslog::SyslogCommand),

    /// Process trees from process-creation events.
    #[command(subcommand)]
    Proctree(proctree::ProctreeCommand),

    /// Sessions scored by how rare their command sequences are.
    #[command(subcommand)]
    Anomseq(anomseq::AnomseqCommand),

    /// Time-series anomalies.
    #[command(subcommand)]
    Ts(ts::TsCommand),

    /// DBSCAN clustering of events (one row per cluster, or `--labels` for every row).
    Cluster(cluster::ClusterArgs),

    /// GeoIP locations of IP addresses.
    #[command(subcommand)]
    Geoip(geoip::GeoipCommand),

    /// Threat-intelligence lookups.
    #[command(subcommand)]
    Ti(ti::TiCommand),
}

/// Runs one subcommand.
pub fn run(command: Command, global: &Global) -> Result<()> {
    match command {
        Command::Ioc(command) => ioc::run(command, global),
        Command::B64(command) => b64::run(command, global),
        Command::Cmdline(command) => cmdline::run(command, global),
        Command::Auditd(command) => auditd::run(command, global),
        Command::Syslog(command) => syslog::run(command, global),
        Command::Proctree(command) => proctree::run(command, global),
        Command::Anomseq(command) => anomseq::run(command, global),
        Command::Ts(command) => ts::run(command, global),
        Command::Cluster(args) => cluster::run(args, global),
        Command::Geoip(command) => geoip::run(command, global),
        Command::Ti(command) => ti::run(command, global),
    }
}

/// Where a table tool reads from.
#[derive(Debug, clap::Args)]
pub struct TableSource {
    /// The file to read, or `-` for standard input.
    pub file: String,

    /// The table's format.
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: crate::input::InputFormat,
}

impl TableSource {
    /// The input as a frame. Input that does not look like JSON or Parquet is read as CSV
    /// (these tools need a table, and piped CSV has no file name to go by).
    pub fn load(&self) -> Result<DataFrame> {
        use crate::input::{InputFormat, detect, parse, read_bytes};

        let bytes = read_bytes(&self.file)?;
        let format = match self.input_format {
            InputFormat::Auto => match detect(&self.file, &bytes) {
                InputFormat::Text => InputFormat::Csv,
                found => found,
            },
            given => given,
        };
        parse(bytes, format)
            .with_context(|| format!("cannot read {} as {format:?}", display_file(&self.file)))
    }

    /// The input as a frame that has every column in `names`; `flag` is the option naming
    /// them, for the message when one is missing.
    pub fn load_with(&self, names: &[&str], flag: &str) -> Result<DataFrame> {
        let frame = self.load()?;
        require_columns(&frame, &self.file, names, flag)?;
        Ok(frame)
    }
}

/// Fails with a message naming the columns there are when one of `names` is missing.
pub fn require_columns(frame: &DataFrame, file: &str, names: &[&str], flag: &str) -> Result<()> {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| frame.column(name).is_err())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{} has no column {}; its columns are [{}]; name the right one with {flag}",
        display_file(file),
        missing
            .iter()
            .map(|m| format!("'{m}'"))
            .collect::<Vec<_>>()
            .join(", "),
        column_names(frame).join(", ")
    )
}

/// The frame's column names.
pub fn column_names(frame: &DataFrame) -> Vec<&str> {
    frame
        .get_column_names()
        .into_iter()
        .map(|n| n.as_str())
        .collect()
}

/// `stdin` for `-`, else the path.
pub fn display_file(file: &str) -> &str {
    if file == "-" { "standard input" } else { file }
}

/// How many problem rows are described on stderr before the rest are only counted.
const SHOWN_PROBLEMS: usize = 5;

/// Reports a tool's per-row problems on stderr (they never stop the run) and, when asked,
/// writes them all to `errors_path` as CSV.
pub fn report_problems(
    what: &str,
    problems: &mut DataFrame,
    errors_path: Option<&str>,
) -> Result<()> {
    if problems.height() == 0 {
        return Ok(());
    }
    let hint = match errors_path {
        Some(path) => format!("all of them are in {path}"),
        None => "pass --errors FILE to get all of them as CSV".to_string(),
    };
    eprintln!(
        "huntbook: warning: {} {what} could not be used fully and were kept or skipped as \
         described; {hint}",
        problems.height()
    );
    for row in 0..problems.height().min(SHOWN_PROBLEMS) {
        eprintln!("huntbook:   {}", describe_row(problems, row));
    }
    if let Some(path) = errors_path {
        crate::output::write_frame(problems, crate::output::OutputFormat::Csv, Some(path))?;
    }
    Ok(())
}

fn describe_row(frame: &DataFrame, row: usize) -> String {
    frame
        .columns()
        .iter()
        .filter_map(|c| {
            let value = c.get(row).ok()?;
            if value.is_null() {
                return None;
            }
            let text = match value.get_str() {
                Some(s) => s.to_string(),
                None => value.to_string(),
            };
            Some(format!("{}={text}", c.name()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where a text tool reads from: the named columns of a table, or plain text line by line.
#[derive(Debug, clap::Args)]
pub struct TextSource {
    /// The file to read, or `-` for standard input.
    pub file: String,

    /// Columns to search (repeat or comma-separate); the input is then a table.
    #[arg(long, short = 'c', value_delimiter = ',')]
    pub column: Vec<String>,

    /// Read the input as plain text, one row per line (the default for .txt/.log and
    /// input that does not look like a table).
    #[arg(long, conflicts_with = "column")]
    pub text: bool,

    /// The table's format.
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: crate::input::InputFormat,
}

/// What a [`TextSource`] holds.
pub enum TextInput {
    /// Plain text, searched line by line.
    Lines(String),
    /// A table and the columns to search.
    Table(DataFrame, Vec<String>),
}

impl TextSource {
    /// The input as a frame and the columns to search (plain text becomes a `line` column).
    pub fn load(&self) -> Result<(DataFrame, Vec<String>)> {
        match self.read()? {
            TextInput::Lines(text) => {
                Ok((crate::input::text_frame(&text)?, vec!["line".to_string()]))
            }
            TextInput::Table(frame, columns) => Ok((frame, columns)),
        }
    }

    /// The input as plain text, or as a table and the columns to search.
    pub fn read(&self) -> Result<TextInput> {
        use crate::input::{InputFormat, decode_text, parse_named, read_bytes, read_text, resolve};

        if self.text || (self.column.is_empty() && self.input_format == InputFormat::Text) {
            return Ok(TextInput::Lines(read_text(&self.file)?));
        }
        if !self.column.is_empty() {
            let frame = TableSource {
                file: self.file.clone(),
                input_format: self.input_format,
            }
            .load()?;
            return Ok(TextInput::Table(frame, self.column.clone()));
        }

        let bytes = read_bytes(&self.file)?;
        let format = resolve(&self.file, &bytes, self.input_format);
        if format == InputFormat::Text {
            return Ok(TextInput::Lines(decode_text(&self.file, bytes)));
        }
        let frame = parse_named(&self.file, bytes, format)?;
        if frame.width() == 1
            && frame
                .get_column_names()
                .iter()
                .any(|n| n.as_str() == "line")
        {
            return Ok(TextInput::Table(frame, vec!["line".to_string()]));
        }
        anyhow::bail!(
            "{} is a table with columns [{}]; say which to search with --column, or use --text",
            self.file,
            frame
                .get_column_names()
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
