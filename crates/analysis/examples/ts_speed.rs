//! Times STL and MSTL on a seeded synthetic series (hourly, daily and weekly cycles, noise,
//! a few spikes).
//!
//! `cargo run -p huntbook-analysis --example ts_speed -- [points]` (default 100000); add
//! `--config "profile.dev.package.huntbook-analysis.opt-level=2"` to optimise huntbook itself.
//! `… --example ts_speed -- --csv FILE [time_column] [value_column]` decomposes a CSV file
//! with msticpy's defaults and prints the result as CSV (for comparing with msticpy); a
//! fourth argument such as `24,168` runs MSTL with those periods instead.

// An example reports its timings on stdout.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::Instant;

use huntbook_analysis::timeseries::{MstlOptions, StlOptions, ts_anomalies_mstl, ts_anomalies_stl};
use polars::prelude::*;

/// A small seeded generator (SplitMix64), so runs are repeatable without extra crates.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn synthetic(points: usize, seed: u64) -> Result<DataFrame, PolarsError> {
    let mut rng = SplitMix(seed);
    let hour = 3_600_000_000i64;
    let times: Vec<i64> = (0..points as i64)
        .map(|i| 1_556_668_800_000_000 + i * hour)
        .collect();
    let values: Vec<f64> = (0..points)
        .map(|i| {
            let t = i as f64;
            let daily = 300.0 * (t / 24.0 * std::f64::consts::TAU).sin();
            let weekly = 150.0 * (t / 168.0 * std::f64::consts::TAU).cos();
            let spike = if rng.next_f64() < 0.001 { 2_000.0 } else { 0.0 };
            (1_000.0 + daily + weekly + 80.0 * rng.next_f64() + spike).round()
        })
        .collect();
    let time = Int64Chunked::from_vec("TimeGenerated".into(), times)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column();
    DataFrame::new(points, vec![time, Column::new("Total".into(), values)])
}

fn dump_csv(args: &[String]) -> Result<(), Box<dyn Error>> {
    let path = args.first().ok_or("--csv needs a file")?;
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.into()))?
        .finish()?;
    let first = df.get_column_names()[0].to_string();
    df.rename(&first, first.trim_start_matches('\u{feff}').into())?;
    let mut opts = StlOptions::default();
    if let Some(time) = args.get(1) {
        opts = opts.with_time_column(time);
    }
    if let Some(value) = args.get(2) {
        opts = opts.with_data_column(value);
    }
    // A fourth argument of periods ("24,168") runs MSTL instead.
    let mut out = match args.get(3) {
        Some(periods) => {
            let periods: Vec<usize> = periods
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()?;
            let mut mstl = MstlOptions::default().with_periods(&periods);
            mstl.common = opts.common;
            ts_anomalies_mstl(&df, &mstl)?
        }
        None => ts_anomalies_stl(&df, &opts)?,
    };
    CsvWriter::new(std::io::stdout()).finish(&mut out)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--csv") {
        return dump_csv(&args[1..]);
    }
    let points: usize = args
        .first()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let df = synthetic(points, 42)?;

    let started = Instant::now();
    let stl = ts_anomalies_stl(&df, &StlOptions::default())?;
    let stl_time = started.elapsed();
    let flagged = stl
        .column("anomalies")?
        .i64()?
        .iter()
        .filter(|a| *a != Some(0))
        .count();
    println!("STL  period 24, {points} points: {stl_time:.2?} ({flagged} flagged)");

    let started = Instant::now();
    let robust = ts_anomalies_stl(&df, &StlOptions::default().with_robust(true))?;
    println!(
        "STL  robust, {points} points: {:.2?} ({} rows)",
        started.elapsed(),
        robust.height()
    );

    let started = Instant::now();
    let mstl = ts_anomalies_mstl(&df, &MstlOptions::default().with_periods(&[24, 168]))?;
    println!(
        "MSTL periods 24+168, {points} points: {:.2?} ({} rows)",
        started.elapsed(),
        mstl.height()
    );
    Ok(())
}
