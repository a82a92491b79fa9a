//! `huntbook ts`: time-series anomalies by seasonal decomposition (STL).

use anyhow::Result;
use clap::Subcommand;
use huntbook_analysis::timeseries::{StlOptions, decompose_stl};
use polars::prelude::*;

use super::{TableSource, report_problems};
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook ts …`
#[derive(Debug, Subcommand)]
pub enum TsCommand {
    /// One row per time bucket: the time, value, residual, trend, seasonal, weights,
    /// baseline, score (z-score of the residual) and anomalies (1 above, -1 below, 0).
    Anomalies {
        #[command(flatten)]
        source: TableSource,

        /// The time column (default: the first date-time column).
        #[arg(long)]
        time_column: Option<String>,

        /// The value column (default: the first numeric column).
        #[arg(long)]
        value_column: Option<String>,

        /// Points in one season (24 for hourly data with a daily cycle).
        #[arg(long, default_value_t = 24)]
        period: usize,

        /// Length of the seasonal smoother (odd, at least 3).
        #[arg(long, default_value_t = 7)]
        seasonal: usize,

        /// The z-score above which a residual is an anomaly.
        #[arg(long, default_value_t = 3.0)]
        threshold: f64,

        /// Down-weight outliers with robustness iterations.
        #[arg(long)]
        robust: bool,

        /// Only the rows flagged as anomalies.
        #[arg(long)]
        only_anomalies: bool,

        /// Also write the rows whose time could not be read here, as CSV.
        #[arg(long)]
        errors: Option<String>,
    },
}

/// Runs `huntbook ts …`.
pub fn run(command: TsCommand, global: &Global) -> Result<()> {
    let TsCommand::Anomalies {
        source,
        time_column,
        value_column,
        period,
        seasonal,
        threshold,
        robust,
        only_anomalies,
        errors,
    } = command;

    let mut frame = source.load()?;
    if let Some(time) = &time_column {
        super::require_columns(&frame, &source.file, &[time], "--time-column")?;
        frame = text_times(frame, time);
    }
    if let Some(value) = &value_column {
        super::require_columns(&frame, &source.file, &[value], "--value-column")?;
    }
    let mut options = StlOptions::default()
        .with_period(period)
        .with_seasonal(seasonal)
        .with_score_threshold(threshold)
        .with_robust(robust);
    if let Some(time) = time_column {
        options = options.with_time_column(time);
    }
    if let Some(value) = value_column {
        options = options.with_data_column(value);
    }

    let timer = Timer::start(global);
    let decomposition = decompose_stl(&frame, &options)?;
    timer.report(decomposition.frame.height());

    let mut skipped = skipped_frame(&decomposition.skipped_rows)?;
    report_problems("rows", &mut skipped, errors.as_deref())?;

    let mut out = decomposition.frame;
    if only_anomalies {
        out = out.lazy().filter(col("anomalies").neq(lit(0))).collect()?;
    }
    write_frame(&mut out, global.output_format, global.output.as_deref())
}

/// Log Analytics' month-first text layouts, tried in turn on a text time column (ISO 8601 text
/// is already a date-time when the input is read).
const TEXT_TIME_LAYOUTS: [&str; 4] = [
    "%m/%d/%Y %H:%M:%S%.f",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
];

/// The frame with a text time column parsed by the first layout that reads every value; as it
/// was when none does (the tool then reports the rows it cannot read).
fn text_times(frame: DataFrame, column: &str) -> DataFrame {
    if frame
        .column(column)
        .map_or(true, |c| c.dtype() != &DataType::String)
    {
        return frame;
    }
    for layout in TEXT_TIME_LAYOUTS {
        let options = StrptimeOptions {
            format: Some(layout.into()),
            strict: true,
            exact: true,
            cache: true,
        };
        let parsed = frame
            .clone()
            .lazy()
            .with_column(col(column).str().to_datetime(
                Some(TimeUnit::Milliseconds),
                None,
                options,
                lit("raise"),
            ))
            .collect();
        if let Ok(parsed) = parsed {
            return parsed;
        }
    }
    frame
}

fn skipped_frame(rows: &[huntbook_analysis::timeseries::SkippedRow]) -> Result<DataFrame> {
    let row: Vec<u64> = rows.iter().map(|r| r.row as u64).collect();
    let reason: Vec<&str> = rows.iter().map(|r| r.reason.as_str()).collect();
    Ok(df!("row" => row, "reason" => reason)?)
}
