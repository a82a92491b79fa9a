//! Residual z-scores and the anomaly flags drawn from them, plus re-flagging a scored frame
//! with a new threshold.

use polars::prelude::*;

use super::error::{TimeSeriesError, column_list};
use super::options::AnomalyRule;

/// Standard scores of `values` (population standard deviation, as scipy's `zscore`); all
/// zero when the values do not vary.
pub(crate) fn zscores(values: &[f64]) -> Vec<f64> {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let std = variance.sqrt();
    if !(std.is_finite() && std > 0.0) {
        tracing::debug!("residuals do not vary: every score is 0");
        return vec![0.0; values.len()];
    }
    values.iter().map(|v| (v - mean) / std).collect()
}

/// Flags each point `1`, `-1` or `0` by the rule.
pub(crate) fn flags(
    scores: &[f64],
    seasonal: &[f64],
    threshold: f64,
    rule: AnomalyRule,
) -> Vec<i64> {
    scores
        .iter()
        .zip(seasonal)
        .map(|(&score, &season)| match rule {
            AnomalyRule::Msticpy if score > threshold && season > 0.0 => 1,
            AnomalyRule::Msticpy if score > threshold && season < 0.0 => -1,
            AnomalyRule::TwoSided if score > threshold => 1,
            AnomalyRule::TwoSided if score < -threshold => -1,
            _ => 0,
        })
        .collect()
}

/// Re-flags a scored frame (msticpy's `set_new_anomaly_threshold`): `score >= threshold`
/// gives `1`, `score <= -threshold_low` gives `-1` (`threshold_low` defaults to
/// `threshold`), anything else `0`. The `anomalies_column` is replaced in place or added.
///
/// ```
/// use polars::prelude::*;
/// use huntbook_analysis::timeseries::apply_threshold;
/// let df = df!("score" => [0.5, 2.5, -2.5], "anomalies" => [0i64, 0, 0]).unwrap();
/// let out = apply_threshold(&df, 2.0, None, "anomalies").unwrap();
/// let flags: Vec<Option<i64>> = out.column("anomalies").unwrap().i64().unwrap().iter().collect();
/// assert_eq!(flags, [Some(0), Some(1), Some(-1)]);
/// ```
pub fn apply_threshold(
    df: &DataFrame,
    threshold: f64,
    threshold_low: Option<f64>,
    anomalies_column: &str,
) -> Result<DataFrame, TimeSeriesError> {
    let low = threshold_low.unwrap_or(threshold);
    let score = df
        .column("score")
        .map_err(|_| TimeSeriesError::MissingColumn {
            column: "score".into(),
            available: column_list(df),
        })?;
    let score = score.cast(&DataType::Float64)?;

    let flags: Vec<i64> = score
        .f64()?
        .iter()
        .map(|s| match s {
            Some(s) if s >= threshold => 1,
            Some(s) if s <= -low => -1,
            _ => 0,
        })
        .collect();

    let mut out = df.clone();
    out.with_column(Column::new(anomalies_column.into(), flags))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zscore_matches_population_formula() {
        let scores = zscores(&[1.0, 2.0, 3.0, 4.0]);
        let expected = [-1.3416407864998738, -0.4472135954999579, 0.4472135954999579];
        for (got, want) in scores.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12);
        }
        assert_eq!(zscores(&[5.0, 5.0]), vec![0.0, 0.0]);
    }

    #[test]
    fn msticpy_rule_uses_seasonal_sign() {
        let scores = [4.0, 4.0, 4.0, -4.0, 1.0];
        let seasonal = [1.0, -1.0, 0.0, 1.0, 1.0];
        assert_eq!(
            flags(&scores, &seasonal, 3.0, AnomalyRule::Msticpy),
            vec![1, -1, 0, 0, 0]
        );
        assert_eq!(
            flags(&scores, &seasonal, 3.0, AnomalyRule::TwoSided),
            vec![1, 1, 1, -1, 0]
        );
    }

    #[test]
    fn threshold_needs_a_score_column() {
        let df = df!("x" => [1.0]).unwrap();
        let err = apply_threshold(&df, 1.0, None, "anomalies").unwrap_err();
        assert!(err.to_string().contains("`score`"));
    }
}
