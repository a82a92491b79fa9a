//! Conformance of `timeseries` with msticpy 3.0.2 on msticpy's own time-series test data,
//! plus irregular and gappy input.
//!
//! Reference values were produced by running msticpy 3.0.2's `ts_anomalies_stl` (statsmodels
//! 0.15 STL) on `logs/msticpy/time_series.csv` with its defaults.

// Test helpers unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use huntbook_analysis::timeseries::{
    AnomalyRule, FillPolicy, Interval, MstlOptions, PeriodOptions, StlOptions, decompose_stl,
    extract_anomaly_periods, find_anomaly_periods, kql_time_filter, ts_anomalies_mstl,
    ts_anomalies_stl,
};
use huntbook_testkit::shared_data;
use polars::prelude::*;

/// Rows (0-based) msticpy flags, all with `anomalies == 1`, and their scores.
const MSTICPY_FLAGGED: [(usize, f64); 3] = [(299, 3.153751), (399, 3.569475), (599, 4.262376)];

/// statsmodels' STL residuals at a few rows (msticpy's defaults, before its int64 cast).
const STATSMODELS_RESIDUALS: [(usize, f64); 4] = [
    (0, -11_615_960.240_808_964),
    (299, 261_330_284.706_111_43),
    (399, 295_773_799.309_732_44),
    (599, 353_181_952.852_499_25),
];

/// statsmodels' MSTL (periods 24 and 168, its defaults): residual and weekly seasonal.
const STATSMODELS_MSTL: [(usize, f64, f64); 3] = [
    (0, 17_009_868.947_480_32, 127_022_311.907_132_74),
    (299, 245_587_474.249_483_23, -271_186_336.906_868_1),
    (599, 245_776_234.918_755_05, 253_345_645.536_151_17),
];

fn load() -> Option<DataFrame> {
    let Some(path) = shared_data("logs/msticpy/time_series.csv") else {
        eprintln!("skipping: shared data logs/msticpy/time_series.csv is not available");
        return None;
    };
    Some(read_series(&path))
}

fn read_series(path: &Path) -> DataFrame {
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .unwrap()
        .finish()
        .unwrap();
    // The file starts with a byte-order mark that may stick to the first header.
    let first = df.get_column_names()[0].to_string();
    if first != "TimeGenerated" {
        df.rename(&first, "TimeGenerated".into()).unwrap();
    }
    df.select(["TimeGenerated", "TotalBytesSent"]).unwrap()
}

fn ints(df: &DataFrame, column: &str) -> Vec<i64> {
    df.column(column)
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .flatten()
        .collect()
}

fn floats(df: &DataFrame, column: &str) -> Vec<f64> {
    df.column(column)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect()
}

fn flagged(df: &DataFrame) -> Vec<(usize, i64)> {
    ints(df, "anomalies")
        .into_iter()
        .enumerate()
        .filter(|(_, a)| *a != 0)
        .collect()
}

#[test]
fn flags_the_same_rows_as_msticpy() {
    let Some(df) = load() else { return };
    let opts = StlOptions::default().with_data_column("TotalBytesSent");
    let out = ts_anomalies_stl(&df, &opts).unwrap();
    assert_eq!(out.height(), 840);

    let expected: Vec<(usize, i64)> = MSTICPY_FLAGGED.iter().map(|(row, _)| (*row, 1)).collect();
    assert_eq!(flagged(&out), expected);
    let scores = floats(&out, "score");
    for (row, score) in MSTICPY_FLAGGED {
        assert!(
            (scores[row] - score).abs() < 1e-3,
            "row {row}: {} vs {score}",
            scores[row]
        );
    }
}

#[test]
fn residuals_match_statsmodels() {
    let Some(df) = load() else { return };
    let out = ts_anomalies_stl(&df, &StlOptions::default()).unwrap();
    let residuals = floats(&out, "residual");
    let values = floats(&out, "TotalBytesSent");
    let scale = values.iter().cloned().fold(0.0, f64::max);
    for (row, expected) in STATSMODELS_RESIDUALS {
        let error = (residuals[row] - expected).abs() / scale;
        assert!(
            error < 1e-9,
            "row {row}: {} vs {expected} (relative {error:e})",
            residuals[row]
        );
    }
    let weights = floats(&out, "weights");
    assert!(
        weights.iter().all(|w| *w == 1.0),
        "non-robust STL gives unit weights"
    );
}

#[test]
fn truncation_reproduces_msticpy_integer_columns() {
    let Some(df) = load() else { return };
    let out = ts_anomalies_stl(&df, &StlOptions::default().with_truncate(true)).unwrap();
    assert_eq!(out.column("baseline").unwrap().dtype(), &DataType::Int64);
    assert_eq!(flagged(&out).len(), 3);
    let scores = floats(&out, "score");
    assert!((scores[599] - 4.262376).abs() < 1e-3);
}

#[test]
fn anomaly_periods_match_msticpy() {
    let Some(df) = load() else { return };
    let out = ts_anomalies_stl(&df, &StlOptions::default()).unwrap();
    let periods = find_anomaly_periods(&out, &PeriodOptions::default()).unwrap();
    let shown: Vec<String> = periods
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p.start.format("%m-%d %H"),
                p.end.format("%m-%d %H")
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            "05-13 16/05-13 18",
            "05-17 20/05-17 22",
            "05-26 04/05-26 06"
        ]
    );

    let frame = extract_anomaly_periods(&out, &PeriodOptions::default()).unwrap();
    assert_eq!(frame.get_column_names(), ["start", "end"]);
    let kql = kql_time_filter(&periods, "TimeGenerated");
    assert_eq!(kql.matches(" or ").count(), 2);
}

#[test]
fn shuffled_rows_give_the_same_decomposition() {
    let Some(df) = load() else { return };
    let reversed = df.reverse();
    let a = ts_anomalies_stl(&df, &StlOptions::default()).unwrap();
    let b = ts_anomalies_stl(&reversed, &StlOptions::default()).unwrap();
    assert_eq!(floats(&a, "residual"), floats(&b, "residual"));
}

#[test]
fn missing_rows_are_zero_filled_and_reported() {
    let Some(df) = load() else { return };
    let keep: Vec<bool> = (0..df.height()).map(|i| !(100..103).contains(&i)).collect();
    let gappy = df
        .filter(&BooleanChunked::from_slice("keep".into(), &keep))
        .unwrap();

    let result = decompose_stl(&gappy, &StlOptions::default()).unwrap();
    assert_eq!(result.frame.height(), 840);
    assert_eq!(result.filled_buckets, 3);
    assert_eq!(result.interval, Interval::from_secs(3600));
    assert_eq!(floats(&result.frame, "TotalBytesSent")[101], 0.0);

    let refused = decompose_stl(&gappy, &StlOptions::default().with_fill(FillPolicy::Error));
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("3 missing bucket(s)")
    );
    let linear =
        decompose_stl(&gappy, &StlOptions::default().with_fill(FillPolicy::Linear)).unwrap();
    assert!(floats(&linear.frame, "TotalBytesSent")[101] > 1e8);
}

#[test]
fn irregular_stamps_are_bucketed() {
    let Some(df) = load() else { return };
    // Split every hourly total into two events at :10 and :40.
    let times = df.column("TimeGenerated").unwrap().str().unwrap();
    let totals = ints(&df, "TotalBytesSent");
    let mut stamps = Vec::new();
    let mut values = Vec::new();
    for (time, total) in times.iter().flatten().zip(&totals) {
        let hour = &time[..13];
        stamps.push(format!("{hour}:10:00Z"));
        stamps.push(format!("{hour}:40:00Z"));
        values.push(total / 2);
        values.push(total - total / 2);
    }
    let events = df!("TimeGenerated" => stamps, "TotalBytesSent" => values).unwrap();
    let opts = StlOptions::default().with_interval("1h".parse().unwrap());
    let out = ts_anomalies_stl(&events, &opts).unwrap();
    assert_eq!(out.height(), 840);
    assert_eq!(ints(&out, "TotalBytesSent"), totals);
    assert_eq!(
        flagged(&out).iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        [299, 399, 599]
    );
}

#[test]
fn short_series_is_refused_clearly() {
    let Some(df) = load() else { return };
    let short = df.head(Some(40));
    let err = ts_anomalies_stl(&short, &StlOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "series has 40 points, STL needs at least 2 periods (48 points for period 24); use a \
         smaller period or a longer time range"
    );
}

#[test]
fn two_sided_rule_also_flags_dips() {
    let Some(df) = load() else { return };
    let opts = StlOptions::default()
        .with_rule(AnomalyRule::TwoSided)
        .with_score_threshold(2.5);
    let out = ts_anomalies_stl(&df, &opts).unwrap();
    let scores = floats(&out, "score");
    for (row, flag) in flagged(&out) {
        assert_eq!(flag, if scores[row] > 0.0 { 1 } else { -1 });
        assert!(scores[row].abs() > 2.5);
    }
}

#[test]
fn mstl_matches_statsmodels() {
    let Some(df) = load() else { return };
    let out = ts_anomalies_mstl(&df, &MstlOptions::default().with_periods(&[24, 168])).unwrap();
    let residuals = floats(&out, "residual");
    let weekly = floats(&out, "seasonal_168");
    let scale = floats(&out, "TotalBytesSent")
        .into_iter()
        .fold(0.0, f64::max);
    for (row, residual, season) in STATSMODELS_MSTL {
        assert!(
            (residuals[row] - residual).abs() / scale < 1e-9,
            "row {row} residual"
        );
        assert!(
            (weekly[row] - season).abs() / scale < 1e-9,
            "row {row} weekly seasonal"
        );
    }
}
