//! STL and MSTL decompositions of a frame's series through `stlrs` (Cleveland et al.'s STL,
//! the algorithm statsmodels also ports), scored and flagged like msticpy's
//! `timeseries_anomalies_stl`.

use polars::prelude::*;

use super::error::TimeSeriesError;
use super::interval::Interval;
use super::options::{CommonOptions, MstlOptions, StlOptions};
use super::score::{flags, zscores};
use super::series::{RegularSeries, SkippedRow, regular_series};

/// A decomposed series: the frame plus what was done to the input to make it regular.
#[derive(Debug, Clone)]
pub struct Decomposition {
    /// One row per bucket: time, value, residual, trend, seasonal (one column per period for
    /// MSTL, then their sum), weights (STL only), baseline, score, anomalies.
    pub frame: DataFrame,
    /// The bucket width used.
    pub interval: Interval,
    /// Buckets that had no value and were filled by the fill policy.
    pub filled_buckets: usize,
    /// Input rows left out because their time stamp was missing or unreadable.
    pub skipped_rows: Vec<SkippedRow>,
}

/// The components of one decomposition, before framing.
struct Components {
    trend: Vec<f64>,
    seasonal: Vec<Vec<f64>>,
    residual: Vec<f64>,
    weights: Option<Vec<f64>>,
}

/// Decomposes the series with STL and flags anomalies (msticpy's
/// `ts_anomalies_stl` / `timeseries_anomalies_stl`).
///
/// Returns the frame described at [`Decomposition::frame`]; rows whose time stamp could not
/// be read are left out with a warning (use [`decompose_stl`] to see them).
pub fn ts_anomalies_stl(
    df: &DataFrame,
    options: &StlOptions,
) -> Result<DataFrame, TimeSeriesError> {
    decompose_stl(df, options).map(warn_and_take_frame)
}

/// Decomposes the series with MSTL (several seasonalities) and flags anomalies.
pub fn ts_anomalies_mstl(
    df: &DataFrame,
    options: &MstlOptions,
) -> Result<DataFrame, TimeSeriesError> {
    decompose_mstl(df, options).map(warn_and_take_frame)
}

/// STL with everything that was done to the input reported.
pub fn decompose_stl(
    df: &DataFrame,
    options: &StlOptions,
) -> Result<Decomposition, TimeSeriesError> {
    options.validate()?;
    let series = regular_series(df, &options.common)?;
    ensure_length(&series, options.period)?;

    let result = stl_params(options)
        .fit(&series.values, options.period)
        .map_err(|e| TimeSeriesError::Stl(e.to_string()))?;
    let (seasonal, trend, residual, weights) = result.into_parts();
    let components = Components {
        trend,
        seasonal: vec![seasonal],
        residual,
        weights: Some(weights),
    };
    finish(series, components, &[], &options.common)
}

/// MSTL with everything that was done to the input reported.
pub fn decompose_mstl(
    df: &DataFrame,
    options: &MstlOptions,
) -> Result<Decomposition, TimeSeriesError> {
    options.validate()?;
    let series = regular_series(df, &options.common)?;
    let longest = options.periods.iter().copied().max().unwrap_or(2);
    ensure_length(&series, longest)?;

    let mut params = stlrs::Mstl::params();
    params
        .iterations(options.iterations)
        .stl_params(mstl_stl_params(options));
    if let Some(lengths) = &options.seasonal_lengths {
        params.seasonal_lengths(lengths);
    }
    if let Some(lambda) = options.lambda {
        params.lambda(lambda);
    }
    let result = params
        .fit(&series.values, &options.periods)
        .map_err(|e| TimeSeriesError::Stl(e.to_string()))?;
    let (seasonal, trend, residual) = result.into_parts();
    let components = Components {
        trend,
        seasonal,
        residual,
        weights: None,
    };
    finish(series, components, &options.periods, &options.common)
}

fn warn_and_take_frame(decomposition: Decomposition) -> DataFrame {
    if let Some(first) = decomposition.skipped_rows.first() {
        tracing::warn!(
            skipped = decomposition.skipped_rows.len(),
            first_row = first.row,
            reason = %first.reason,
            "rows left out of the time series"
        );
    }
    decomposition.frame
}

fn ensure_length(series: &RegularSeries, period: usize) -> Result<(), TimeSeriesError> {
    let needed = period.saturating_mul(2);
    if series.values.len() < needed {
        return Err(TimeSeriesError::TooShort {
            points: series.values.len(),
            period,
            needed,
        });
    }
    Ok(())
}

/// stlrs parameters set to statsmodels' values for these options.
fn stl_params(options: &StlOptions) -> stlrs::StlParams {
    let mut params = stlrs::params();
    params
        .seasonal_length(options.seasonal)
        .trend_length(options.trend_length())
        .low_pass_length(options.low_pass_length())
        .seasonal_degree(options.degrees[0])
        .trend_degree(options.degrees[1])
        .low_pass_degree(options.degrees[2])
        .seasonal_jump(options.jumps[0])
        .trend_jump(options.jumps[1])
        .low_pass_jump(options.jumps[2])
        .inner_loops(options.inner_passes())
        .outer_loops(options.outer_passes())
        .robust(options.robust);
    params
}

/// The STL settings inside MSTL: smoother lengths are left to follow each period.
fn mstl_stl_params(options: &MstlOptions) -> stlrs::StlParams {
    let mut params = stlrs::params();
    params
        .seasonal_degree(options.degrees[0])
        .trend_degree(options.degrees[1])
        .low_pass_degree(options.degrees[2])
        .seasonal_jump(1)
        .trend_jump(1)
        .low_pass_jump(1)
        .inner_loops(if options.robust { 2 } else { 5 })
        .outer_loops(if options.robust { 15 } else { 0 })
        .robust(options.robust);
    params
}

/// Scores, flags and frames the components.
fn finish(
    series: RegularSeries,
    components: Components,
    periods: &[usize],
    common: &CommonOptions,
) -> Result<Decomposition, TimeSeriesError> {
    let seasonal_total: Vec<f64> = (0..series.values.len())
        .map(|i| components.seasonal.iter().map(|s| s[i]).sum())
        .collect();
    let baseline: Vec<f64> = seasonal_total
        .iter()
        .zip(&components.trend)
        .map(|(s, t)| s + t)
        .collect();

    // msticpy casts everything to int64 before scoring; `truncate` reproduces that.
    let shape = |v: &[f64]| -> Vec<f64> {
        if common.truncate {
            v.iter().map(|x| x.trunc()).collect()
        } else {
            v.to_vec()
        }
    };
    let residual = shape(&components.residual);
    let seasonal_shaped = shape(&seasonal_total);
    let scores = zscores(&residual);
    let anomalies = flags(
        &scores,
        &seasonal_shaped,
        common.score_threshold,
        common.rule,
    );

    let number = |name: &str, values: &[f64]| -> Column {
        if common.truncate {
            let ints: Vec<i64> = values.iter().map(|v| v.trunc() as i64).collect();
            Column::new(name.into(), ints)
        } else {
            Column::new(name.into(), values.to_vec())
        }
    };

    let times = Int64Chunked::from_vec(series.time_name.as_str().into(), series.times())
        .into_datetime(TimeUnit::Microseconds, series.time_zone.clone())
        .into_series();
    let mut columns = vec![
        times.into_column(),
        number(&series.value_name, &series.values),
        number("residual", &components.residual),
        number("trend", &components.trend),
    ];
    if periods.len() > 1 || components.weights.is_none() {
        for (period, seasonal) in periods.iter().zip(&components.seasonal) {
            columns.push(number(&format!("seasonal_{period}"), seasonal));
        }
    }
    columns.push(number("seasonal", &seasonal_total));
    if let Some(weights) = &components.weights {
        columns.push(number("weights", weights));
    }
    columns.push(number("baseline", &baseline));
    columns.push(Column::new("score".into(), scores));
    columns.push(Column::new("anomalies".into(), anomalies));

    let frame = DataFrame::new(series.values.len(), columns)?;
    Ok(Decomposition {
        frame,
        interval: series.interval,
        filled_buckets: series.filled,
        skipped_rows: series.skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeseries::options::AnomalyRule;

    const HOUR: i64 = 3_600_000_000;

    /// A daily cycle with one spike at hour 100.
    fn hourly(points: usize) -> DataFrame {
        let times: Vec<i64> = (0..points as i64).map(|i| i * HOUR).collect();
        let values: Vec<f64> = (0..points)
            .map(|i| {
                let day = (i as f64 / 24.0 * std::f64::consts::TAU).sin() * 50.0;
                100.0 + day + if i == 100 { 400.0 } else { (i % 7) as f64 }
            })
            .collect();
        let time = Int64Chunked::from_vec("TimeGenerated".into(), times)
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_series();
        DataFrame::new(
            points,
            vec![time.into(), Column::new("Total".into(), values)],
        )
        .unwrap()
    }

    #[test]
    fn stl_flags_the_spike_and_keeps_msticpy_columns() {
        let out = ts_anomalies_stl(&hourly(240), &StlOptions::default()).unwrap();
        let names: Vec<&str> = out.get_column_names().iter().map(|n| n.as_str()).collect();
        let expected = [
            "TimeGenerated",
            "Total",
            "residual",
            "trend",
            "seasonal",
            "weights",
            "baseline",
            "score",
            "anomalies",
        ];
        assert_eq!(names, expected);
        let flagged: Vec<usize> = out
            .column("anomalies")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, f)| *f != Some(0))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(flagged, vec![100]);
    }

    #[test]
    fn parts_add_up_to_the_value() {
        let out = ts_anomalies_stl(&hourly(240), &StlOptions::default()).unwrap();
        let col = |n: &str| -> Vec<f64> {
            out.column(n)
                .unwrap()
                .f64()
                .unwrap()
                .iter()
                .flatten()
                .collect()
        };
        let (total, resid, base) = (col("Total"), col("residual"), col("baseline"));
        for i in 0..total.len() {
            assert!((total[i] - resid[i] - base[i]).abs() < 1e-6);
        }
    }

    #[test]
    fn short_series_gets_a_clear_error() {
        let err = ts_anomalies_stl(&hourly(30), &StlOptions::default()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("series has 30 points, STL needs at least 2 periods"),
            "{text}"
        );
        assert!(text.contains("48 points"), "{text}");
    }

    #[test]
    fn empty_frame_is_too_short() {
        let err = ts_anomalies_stl(&hourly(0), &StlOptions::default()).unwrap_err();
        assert!(err.to_string().starts_with("series has 0 points"), "{err}");
    }

    #[test]
    fn mstl_names_a_seasonal_column_per_period() {
        let opts = MstlOptions::default()
            .with_periods(&[24, 48])
            .with_rule(AnomalyRule::TwoSided);
        let out = ts_anomalies_mstl(&hourly(240), &opts).unwrap();
        for name in [
            "seasonal_24",
            "seasonal_48",
            "seasonal",
            "baseline",
            "score",
            "anomalies",
        ] {
            assert!(out.column(name).is_ok(), "{name}");
        }
        assert!(out.column("weights").is_err());
    }

    #[test]
    fn truncate_gives_integer_columns() {
        let out =
            ts_anomalies_stl(&hourly(240), &StlOptions::default().with_truncate(true)).unwrap();
        assert_eq!(out.column("residual").unwrap().dtype(), &DataType::Int64);
        assert_eq!(out.column("score").unwrap().dtype(), &DataType::Float64);
    }
}
