//! `huntbook anomseq`: sessions scored by how rare their command sequences are.

use anyhow::{Result, bail};
use clap::Subcommand;
use huntbook_analysis::anomseq::{
    SessionizeOptions, Sessionized, WindowOptions, score_sessions_with, sessionize,
};
use polars::prelude::*;

use super::TableSource;
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook anomseq …`
#[derive(Debug, Subcommand)]
pub enum AnomseqCommand {
    /// Trains a model on every session and adds rarest_window{N}_likelihood and
    /// rarest_window{N} (the rarest N consecutive commands) to each row.
    Score {
        #[command(flatten)]
        source: TableSource,

        /// The column holding each session's commands: a list (JSON lines, Parquet) or text
        /// with the commands separated by --separator (or a JSON array as text).
        #[arg(long)]
        session_column: String,

        /// Commands in the window whose likelihood is scored.
        #[arg(long, default_value_t = 3)]
        window: usize,

        /// How commands are separated in a text session column.
        #[arg(long, default_value = ";")]
        separator: String,

        /// Score sessions without the start and end tokens.
        #[arg(long)]
        no_start_end: bool,

        /// Use the geometric mean of the window's likelihood (columns get a _geo suffix).
        #[arg(long)]
        geo_mean: bool,
    },

    /// Events into sessions per user (msticpy's sessionize_data): one row per session with
    /// the user columns, session_ind, {time}_min, {time}_max, {event}_list, duration and
    /// number_events. Write JSON lines (--output-format jsonl) to pipe into `anomseq score
    /// --session-column {event}_list`.
    Sessionize {
        #[command(flatten)]
        source: TableSource,

        /// Columns identifying whose session an event is (comma-separated).
        #[arg(long, value_delimiter = ',', required = true)]
        user_columns: Vec<String>,

        /// The event time column.
        #[arg(long, default_value = "TimeGenerated")]
        time_column: String,

        /// The column whose values make the session's list (commands, event ids, …).
        #[arg(long)]
        event_column: String,

        /// Longest session, in minutes.
        #[arg(long, default_value_t = 20)]
        max_session_minutes: i64,

        /// Longest gap between two events of one session, in minutes.
        #[arg(long, default_value_t = 2)]
        max_gap_minutes: i64,

        /// Also write the events without a usable time here, as CSV.
        #[arg(long)]
        errors: Option<String>,
    },
}

/// Runs `huntbook anomseq …`.
pub fn run(command: AnomseqCommand, global: &Global) -> Result<()> {
    match command {
        AnomseqCommand::Score {
            source,
            session_column,
            window,
            separator,
            no_start_end,
            geo_mean,
        } => {
            let options = WindowOptions::default()
                .with_window_length(window)
                .with_start_end_tokens(!no_start_end)
                .with_geo_mean(geo_mean);
            score(&source, &session_column, &separator, &options, global)
        }
        AnomseqCommand::Sessionize {
            source,
            user_columns,
            time_column,
            event_column,
            max_session_minutes,
            max_gap_minutes,
            errors,
        } => {
            let users: Vec<&str> = user_columns.iter().map(String::as_str).collect();
            let options = SessionizeOptions::new(&users, &time_column, &event_column)
                .with_max_session_duration(chrono_minutes(max_session_minutes)?)
                .with_max_event_gap(chrono_minutes(max_gap_minutes)?);
            split(&source, &options, errors.as_deref(), global)
        }
    }
}

fn chrono_minutes(minutes: i64) -> Result<chrono::Duration> {
    if minutes <= 0 {
        bail!("durations must be whole minutes above zero (got {minutes})");
    }
    chrono::Duration::try_minutes(minutes)
        .ok_or_else(|| anyhow::anyhow!("{minutes} minutes is too long a duration"))
}

fn split(
    source: &TableSource,
    options: &SessionizeOptions,
    errors: Option<&str>,
    global: &Global,
) -> Result<()> {
    let mut needed: Vec<&str> = options.user_columns.iter().map(String::as_str).collect();
    needed.push(&options.time_column);
    needed.push(&options.event_column);
    let frame = source.load_with(&needed, "--user-columns / --time-column / --event-column")?;

    let timer = Timer::start(global);
    let Sessionized {
        mut sessions,
        errors: mut problems,
    } = sessionize(&frame, options)?;
    timer.report(sessions.height());

    super::report_problems("events", &mut problems, errors)?;
    write_frame(
        &mut sessions,
        global.output_format,
        global.output.as_deref(),
    )
}

fn score(
    source: &TableSource,
    session_column: &str,
    separator: &str,
    options: &WindowOptions,
    global: &Global,
) -> Result<()> {
    if separator.is_empty() {
        bail!("--separator cannot be empty; give the text between commands, e.g. ';'");
    }

    let mut frame = source.load_with(&[session_column], "--session-column")?;
    let sessions = frame.column(session_column)?;
    if sessions.dtype() == &DataType::String {
        let lists = split_sessions(sessions.str()?, separator)?;
        frame.with_column(lists)?;
    }

    let timer = Timer::start(global);
    let mut scored = score_sessions_with(&frame, session_column, options)?;
    timer.report(scored.height());

    write_frame(&mut scored, global.output_format, global.output.as_deref())
}

/// Text sessions as lists of commands: a JSON array of strings, or text split on `separator`.
fn split_sessions(texts: &StringChunked, separator: &str) -> Result<Column> {
    let mut bad_rows = 0_usize;
    let lists: Vec<Option<Series>> = texts
        .iter()
        .map(|text| {
            let text = text?.trim();
            let commands = match json_commands(text) {
                Some(commands) => commands,
                None => {
                    bad_rows += usize::from(text.starts_with('['));
                    text.split(separator)
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect()
                }
            };
            Some(Series::new(PlSmallStr::EMPTY, commands))
        })
        .collect();
    if bad_rows > 0 {
        tracing::warn!(
            rows = bad_rows,
            "session values start with '[' but are not JSON arrays of strings; they were split \
             on the separator instead"
        );
    }
    let mut list = ListChunked::from_iter(lists);
    list.rename(texts.name().clone());
    let list = list.cast(&DataType::List(Box::new(DataType::String)))?;
    Ok(list.into_series().into_column())
}

fn json_commands(text: &str) -> Option<Vec<String>> {
    if !text.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(text).ok()
}
