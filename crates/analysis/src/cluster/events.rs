//! `dbcluster_events`: feature columns → matrix → (row-wise L2 normalisation) → DBSCAN →
//! one summary row per cluster plus every outlier, and the label of every input row.

use ndarray::Array2;
use polars::prelude::*;

use super::dbscan::{Engine, NOISE, dbscan};
use super::error::{ClusterError, column_list, missing};

/// Settings of [`dbcluster_events`]; the defaults are msticpy's.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterOptions {
    /// Feature columns (numeric or boolean); empty takes every numeric and boolean column.
    pub columns: Vec<String>,
    /// Scale each row to unit length first, as msticpy does with scikit-learn's `Normalizer`
    /// (rows, not columns: only the direction of a feature vector counts).
    pub normalize: bool,
    /// The time column for `FirstEventTime` / `LastEventTime` (msticpy: `TimeCreatedUtc`).
    pub time_column: String,
    /// DBSCAN's `eps`: the largest distance between neighbours (msticpy: 0.01).
    pub max_cluster_distance: f64,
    /// DBSCAN's `min_samples`, the row itself included (msticpy: 2).
    pub min_cluster_samples: usize,
    /// Which DBSCAN implementation runs.
    pub engine: Engine,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            columns: Vec::new(),
            normalize: true,
            time_column: "TimeCreatedUtc".into(),
            max_cluster_distance: 0.01,
            min_cluster_samples: 2,
            engine: Engine::default(),
        }
    }
}

impl ClusterOptions {
    /// Names the feature columns.
    pub fn with_columns<S: AsRef<str>>(mut self, columns: &[S]) -> Self {
        self.columns = columns.iter().map(|c| c.as_ref().to_string()).collect();
        self
    }

    /// Turns row normalisation on or off.
    pub fn with_normalize(mut self, normalize: bool) -> Self {
        self.normalize = normalize;
        self
    }

    /// Names the time column.
    pub fn with_time_column(mut self, column: impl Into<String>) -> Self {
        self.time_column = column.into();
        self
    }

    /// Sets DBSCAN's `eps`.
    pub fn with_max_cluster_distance(mut self, eps: f64) -> Self {
        self.max_cluster_distance = eps;
        self
    }

    /// Sets DBSCAN's `min_samples`.
    pub fn with_min_cluster_samples(mut self, samples: usize) -> Self {
        self.min_cluster_samples = samples;
        self
    }

    /// Chooses the DBSCAN implementation.
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    fn validate(&self) -> Result<(), ClusterError> {
        if !(self.max_cluster_distance.is_finite() && self.max_cluster_distance > 0.0) {
            return Err(ClusterError::Setting {
                setting: "max_cluster_distance",
                value: self.max_cluster_distance.to_string(),
                reason: "must be a number above zero",
            });
        }
        if self.min_cluster_samples == 0 {
            return Err(ClusterError::Setting {
                setting: "min_cluster_samples",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        Ok(())
    }
}

/// The outcome of [`dbcluster_events`].
#[derive(Debug, Clone)]
pub struct Clustering {
    /// msticpy's output frame: every outlier row first (input order), then the first row of
    /// each cluster (cluster order), each with the input columns and `Clustered` (bool),
    /// `ClusterId` (Int64: -1 outlier, null when the row's features were unusable),
    /// `ClusterSize` (Int64) and, when the time column exists, `FirstEventTime` and
    /// `LastEventTime` (the cluster's earliest and latest time; an outlier's own time).
    pub clusters: DataFrame,
    /// The input frame with `ClusterId` and `ClusterSize` for every row.
    pub labelled: DataFrame,
    /// Per input row: the cluster (from 0), -1 for an outlier, `None` when a feature was
    /// null or not finite.
    pub labels: Vec<Option<i64>>,
    /// The feature matrix as clustered (normalised if asked; NaN rows were unusable).
    pub features: Array2<f64>,
    /// Number of clusters.
    pub cluster_count: usize,
}

/// Clusters rows by their feature columns with DBSCAN (msticpy's `dbcluster_events`).
///
/// ```
/// use polars::prelude::*;
/// use huntbook_analysis::cluster::{ClusterOptions, dbcluster_events};
/// let df = df!("a" => [1.0, 1.0, 1.0, 5.0], "b" => [2.0, 2.0, 2.0, 0.0]).unwrap();
/// let out = dbcluster_events(&df, &ClusterOptions::default()).unwrap();
/// assert_eq!(out.labels, [Some(0), Some(0), Some(0), Some(-1)]);
/// assert_eq!(out.clusters.height(), 2);
/// ```
pub fn dbcluster_events(
    df: &DataFrame,
    options: &ClusterOptions,
) -> Result<Clustering, ClusterError> {
    options.validate()?;
    let columns = feature_columns(df, &options.columns)?;
    let mut features = feature_matrix(df, &columns)?;
    if options.normalize {
        normalize_rows(&mut features);
    }

    let usable: Vec<usize> = (0..features.nrows())
        .filter(|&r| features.row(r).iter().all(|v| v.is_finite()))
        .collect();
    if usable.len() < features.nrows() {
        tracing::warn!(
            unusable = features.nrows() - usable.len(),
            "rows with a null or non-finite feature are left unclustered (ClusterId null)"
        );
    }
    let matrix = features.select(ndarray::Axis(0), &usable);
    let found = dbscan(
        matrix.view(),
        options.max_cluster_distance,
        options.min_cluster_samples,
        options.engine,
    )?;

    let mut labels = vec![None; features.nrows()];
    for (&row, &label) in usable.iter().zip(&found) {
        labels[row] = Some(label);
    }
    let cluster_count = found
        .iter()
        .copied()
        .max()
        .map_or(0, |m| (m + 1).max(0) as usize);
    tracing::debug!(
        rows = labels.len(),
        clusters = cluster_count,
        "clustered events"
    );

    let sizes = cluster_sizes(&labels, cluster_count);
    let labelled = labelled_frame(df, &labels, &sizes)?;
    let clusters = summary_frame(df, &labels, &sizes, &options.time_column)?;
    Ok(Clustering {
        clusters,
        labelled,
        labels,
        features,
        cluster_count,
    })
}

fn feature_columns(df: &DataFrame, named: &[String]) -> Result<Vec<String>, ClusterError> {
    if !named.is_empty() {
        for name in named {
            df.column(name).map_err(|_| missing(df, name))?;
        }
        return Ok(named.to_vec());
    }
    let found: Vec<String> = df
        .columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric() || c.dtype() == &DataType::Boolean)
        .map(|c| c.name().to_string())
        .collect();
    if found.is_empty() {
        return Err(ClusterError::NoFeatures {
            available: column_list(df),
        });
    }
    Ok(found)
}

/// The feature columns as a row-major matrix; a null becomes NaN.
fn feature_matrix(df: &DataFrame, columns: &[String]) -> Result<Array2<f64>, ClusterError> {
    let mut matrix = Array2::from_elem((df.height(), columns.len()), f64::NAN);
    for (c, name) in columns.iter().enumerate() {
        let column = df.column(name).map_err(|_| missing(df, name))?;
        let dtype = column.dtype();
        if !(dtype.is_primitive_numeric() || dtype == &DataType::Boolean) {
            return Err(ClusterError::ColumnType {
                column: name.clone(),
                dtype: dtype.to_string(),
                expected: "a numeric or boolean column (derive one with add_process_features \
                           or feature_column)",
            });
        }
        let floats = column.cast(&DataType::Float64)?;
        for (r, value) in floats.f64()?.iter().enumerate() {
            matrix[[r, c]] = value.unwrap_or(f64::NAN);
        }
    }
    Ok(matrix)
}

/// Scales each row to unit Euclidean length; an all-zero row stays as it is.
fn normalize_rows(matrix: &mut Array2<f64>) {
    for mut row in matrix.rows_mut() {
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 && norm.is_finite() {
            row.mapv_inplace(|v| v / norm);
        }
    }
}

fn cluster_sizes(labels: &[Option<i64>], clusters: usize) -> Vec<i64> {
    let mut sizes = vec![0i64; clusters];
    for label in labels.iter().flatten() {
        if let Ok(index) = usize::try_from(*label) {
            sizes[index] += 1;
        }
    }
    sizes
}

fn size_of(label: Option<i64>, sizes: &[i64]) -> i64 {
    label
        .and_then(|l| usize::try_from(l).ok())
        .map_or(1, |l| sizes[l])
}

fn labelled_frame(
    df: &DataFrame,
    labels: &[Option<i64>],
    sizes: &[i64],
) -> Result<DataFrame, ClusterError> {
    let size: Vec<i64> = labels.iter().map(|l| size_of(*l, sizes)).collect();
    let mut out = df.clone();
    out.with_column(Column::new("ClusterId".into(), labels.to_vec()))?;
    out.with_column(Column::new("ClusterSize".into(), size))?;
    Ok(out)
}

/// Outliers in input order, then each cluster's first row, with the summary columns.
fn summary_frame(
    df: &DataFrame,
    labels: &[Option<i64>],
    sizes: &[i64],
    time_column: &str,
) -> Result<DataFrame, ClusterError> {
    let mut rows: Vec<usize> = (0..labels.len())
        .filter(|&r| labels[r].is_none_or(|l| l == NOISE))
        .collect();
    let outliers = rows.len();
    let mut first = vec![None; sizes.len()];
    for (row, label) in labels.iter().enumerate() {
        if let Some(slot) = label
            .and_then(|l| usize::try_from(l).ok())
            .map(|l| &mut first[l])
        {
            slot.get_or_insert(row);
        }
    }
    rows.extend(first.iter().flatten());

    let picked: Vec<IdxSize> = rows.iter().map(|&r| r as IdxSize).collect();
    let mut out = df.take(&IdxCa::from_vec("idx".into(), picked))?;
    let ids: Vec<Option<i64>> = rows.iter().map(|&r| labels[r]).collect();
    let clustered: Vec<bool> = (0..rows.len()).map(|i| i >= outliers).collect();
    let size: Vec<i64> = ids.iter().map(|l| size_of(*l, sizes)).collect();
    out.with_column(Column::new("Clustered".into(), clustered))?;
    out.with_column(Column::new("ClusterId".into(), ids.clone()))?;
    out.with_column(Column::new("ClusterSize".into(), size))?;

    match df.column(time_column) {
        Ok(times) => add_event_times(&mut out, times, labels, &rows, &ids)?,
        Err(_) => tracing::debug!(
            time_column,
            "no time column: FirstEventTime/LastEventTime left out"
        ),
    }
    Ok(out)
}

/// Adds each summary row's first and last event time: over its cluster, or its own.
fn add_event_times(
    out: &mut DataFrame,
    times: &Column,
    labels: &[Option<i64>],
    rows: &[usize],
    ids: &[Option<i64>],
) -> Result<(), ClusterError> {
    let sortable = match times.dtype() {
        DataType::Datetime(..) | DataType::Date | DataType::String => times.clone(),
        other => {
            tracing::warn!(dtype = %other, "time column is not a date-time: event times left out");
            return Ok(());
        }
    };
    let clusters = ids.iter().flatten().filter(|l| **l >= 0).count();
    let mut first_rows: Vec<Option<usize>> = vec![None; clusters + 1];
    let mut last_rows = first_rows.clone();
    let physical = sortable.to_physical_repr();
    let order = |a: usize, b: usize| physical.get(a).ok().partial_cmp(&physical.get(b).ok());

    // Index the earliest and latest non-null row of each cluster.
    for (row, label) in labels.iter().enumerate() {
        let Some(index) = label.and_then(|l| usize::try_from(l).ok()) else {
            continue;
        };
        if index >= clusters || physical.get(row).map_or(true, |v| v.is_null()) {
            continue;
        }
        let first = &mut first_rows[index];
        if first.is_none_or(|f| order(row, f) == Some(std::cmp::Ordering::Less)) {
            *first = Some(row);
        }
        let last = &mut last_rows[index];
        if last.is_none_or(|l| order(row, l) == Some(std::cmp::Ordering::Greater)) {
            *last = Some(row);
        }
    }

    let pick = |chosen: &[Option<usize>]| -> Vec<Option<IdxSize>> {
        rows.iter()
            .zip(ids)
            .map(
                |(&row, id)| match id.and_then(|l| usize::try_from(l).ok()) {
                    Some(index) => chosen[index].map(|r| r as IdxSize),
                    None => Some(row as IdxSize),
                },
            )
            .collect()
    };
    let first = sortable.take(&IdxCa::new("idx".into(), pick(&first_rows)))?;
    let last = sortable.take(&IdxCa::new("idx".into(), pick(&last_rows)))?;
    out.with_column(first.with_name("FirstEventTime".into()))?;
    out.with_column(last.with_name("LastEventTime".into()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events() -> DataFrame {
        df!(
            "f" => [1.0, 1.0, 3.0, 1.0, 3.0, 9.0],
            "g" => [1.0, 1.0, 0.0, 1.0, 0.0, 1.0],
            "TimeCreatedUtc" => ["2019-01-01 00:05", "2019-01-01 00:01", "2019-01-01 00:03",
                                 "2019-01-01 00:09", "2019-01-01 00:02", "2019-01-01 00:07"],
        )
        .unwrap()
    }

    #[test]
    fn outliers_first_then_one_row_per_cluster() {
        let opts = ClusterOptions::default().with_columns(&["f", "g"]);
        let out = dbcluster_events(&events(), &opts).unwrap();
        assert_eq!(
            out.labels,
            [Some(0), Some(0), Some(1), Some(0), Some(1), Some(-1)]
        );
        assert_eq!(out.cluster_count, 2);

        let summary = &out.clusters;
        let ids: Vec<Option<i64>> = summary
            .column("ClusterId")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(ids, [Some(-1), Some(0), Some(1)]);
        let sizes: Vec<Option<i64>> = summary
            .column("ClusterSize")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(sizes, [Some(1), Some(3), Some(2)]);
        let text = |c: &str| -> Vec<String> {
            summary
                .column(c)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or("").to_string())
                .collect()
        };
        assert_eq!(
            text("FirstEventTime"),
            ["2019-01-01 00:07", "2019-01-01 00:01", "2019-01-01 00:02"]
        );
        assert_eq!(
            text("LastEventTime"),
            ["2019-01-01 00:07", "2019-01-01 00:09", "2019-01-01 00:03"]
        );
        assert_eq!(
            text("TimeCreatedUtc")[1],
            "2019-01-01 00:05",
            "exemplar is the first member"
        );
    }

    #[test]
    fn null_features_are_left_unclustered() {
        let df = df!("f" => [Some(1.0), None, Some(1.0)]).unwrap();
        let out = dbcluster_events(&df, &ClusterOptions::default()).unwrap();
        assert_eq!(out.labels, [Some(0), None, Some(0)]);
        let ids = out
            .labelled
            .column("ClusterId")
            .unwrap()
            .i64()
            .unwrap()
            .get(1);
        assert_eq!(ids, None);
        assert_eq!(out.clusters.height(), 2);
    }

    #[test]
    fn text_feature_is_a_clear_error() {
        let df = df!("f" => ["a"]).unwrap();
        let err =
            dbcluster_events(&df, &ClusterOptions::default().with_columns(&["f"])).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a numeric or boolean column"),
            "{err}"
        );
        assert!(dbcluster_events(&df, &ClusterOptions::default()).is_err());
    }

    #[test]
    fn empty_frame_gives_empty_results() {
        let df = df!("f" => Vec::<f64>::new()).unwrap();
        let out = dbcluster_events(&df, &ClusterOptions::default()).unwrap();
        assert_eq!(
            (
                out.cluster_count,
                out.clusters.height(),
                out.labelled.height()
            ),
            (0, 0, 0)
        );
    }

    #[test]
    fn normalisation_is_per_row() {
        let mut m = ndarray::array![[3.0, 4.0], [0.0, 0.0]];
        normalize_rows(&mut m);
        assert_eq!(m, ndarray::array![[0.6, 0.8], [0.0, 0.0]]);
    }
}
