//! Conformance of `cluster` with msticpy 3.0.2 on msticpy's own process-event test data.
//!
//! Reference values were produced by running msticpy 3.0.2's `add_process_features` and
//! `dbcluster_events` (scikit-learn 1.9 DBSCAN) on `logs/msticpy/processes_on_host.csv`.

// Test helpers unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use huntbook_analysis::cluster::{
    ClusterOptions, Engine, ProcessFeatureOptions, add_process_features, dbcluster_events,
};
use huntbook_testkit::shared_data;
use polars::prelude::*;

/// msticpy's labels with the notebook settings: commandlineTokensFull, pathScore and
/// isSystemSession, `max_cluster_distance=0.0001` (29 clusters, 33 outliers).
const NOTEBOOK_LABELS: &str = concat!(
    "0 1 2 3 3 0 1 2 3 3 0 1 2 3 0 1 2 3 3 3 0 1 2 3 3 3 0 1 2 3 3 0 1 2 3 3 0 1 2 3 3 0 1 2 ",
    "3 3 -1 4 5 6 4 5 6 4 5 6 7 -1 4 -1 8 -1 -1 9 -1 -1 5 10 11 12 0 1 2 3 -1 -1 4 13 -1 12 ",
    "14 4 -1 -1 1 15 -1 -1 10 12 5 4 5 4 -1 16 17 13 17 4 17 4 17 17 18 17 -1 17 -1 17 -1 17 ",
    "4 17 11 17 14 17 14 17 5 17 19 19 12 20 17 17 17 17 -1 17 11 -1 -1 3 17 11 17 -1 10 17 ",
    "21 21 10 5 4 5 4 22 15 5 4 4 4 19 19 8 8 22 5 4 -1 -1 7 4 14 4 4 23 5 -1 14 19 9 20 -1 ",
    "10 11 0 1 2 3 3 0 1 2 3 3 2 24 10 11 25 7 -1 5 23 -1 11 14 17 4 4 17 5 24 23 23 10 10 26 ",
    "26 19 15 25 25 18 10 -1 3 25 17 20 17 5 17 17 16 3 23 19 4 23 14 21 3 0 1 2 3 0 1 2 3 3 ",
    "0 1 2 3 3 0 1 2 27 3 -1 1 3 3 0 1 2 3 3 0 1 2 3 3 28 0 1 2 3 28 3 0 1 27 2 3 3 0 1 2 3 0 ",
    "1 2 3 3 -1 0 1 2 3 0 1 2 3 -1 1 3 0 1 2 3 3 0 1 2 3 0 1 2 3 3 3 0 1 2 3 3 0 1 2 3 3 0 1 ",
    "2 3 3 2 0 1 2 3 25 1 3 0 1 2 3 3 0 1 2 3 3 0 1 2 3 -1 3 2 0 1 2 3 ",
);

/// msticpy's labels on commandlineTokensHash and pathHash with the default distance 0.01
/// (32 clusters, 20 outliers).
const HASH_LABELS: &str = concat!(
    "0 1 2 3 3 0 1 2 3 3 0 1 2 3 0 1 2 3 3 3 0 1 2 3 3 3 0 1 2 3 3 0 1 2 3 3 0 1 2 3 3 0 1 2 ",
    "3 3 4 5 6 1 0 6 -1 0 6 7 0 2 8 9 2 10 11 12 5 12 -1 13 14 -1 0 1 2 3 12 -1 1 11 15 8 16 ",
    "2 15 7 1 -1 17 18 -1 9 19 10 19 10 20 21 20 -1 20 1 20 1 20 20 14 20 4 20 0 20 12 20 -1 ",
    "20 4 20 12 20 12 20 11 20 22 22 -1 11 20 20 20 20 4 20 23 18 22 3 20 23 20 19 5 18 18 18 ",
    "-1 19 10 19 10 24 23 6 0 21 22 18 18 25 25 26 6 15 -1 -1 4 1 27 1 28 27 7 27 17 11 -1 5 ",
    "8 18 15 0 1 2 3 3 0 1 2 3 3 2 20 18 15 -1 -1 2 27 27 12 6 26 29 13 -1 24 -1 28 8 0 29 29 ",
    "4 4 -1 15 0 0 11 7 28 3 12 20 25 20 18 20 20 21 6 18 18 24 18 19 18 3 0 1 2 3 0 1 2 3 3 ",
    "0 1 2 3 3 0 1 2 30 3 16 1 3 3 0 1 2 3 3 0 1 2 3 3 31 0 1 2 3 31 3 0 1 30 2 3 3 0 1 2 3 0 ",
    "1 2 3 3 -1 0 1 2 3 0 1 2 3 17 1 3 0 1 2 3 3 0 1 2 3 0 1 2 3 3 3 0 1 2 3 3 0 1 2 3 3 0 1 ",
    "2 3 3 2 0 1 2 3 -1 1 3 0 1 2 3 3 0 1 2 3 3 0 1 2 3 11 3 23 0 1 2 3 ",
);

fn load() -> Option<DataFrame> {
    let Some(path) = shared_data("logs/msticpy/processes_on_host.csv") else {
        eprintln!("skipping: shared data logs/msticpy/processes_on_host.csv is not available");
        return None;
    };
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .map_parse_options(|p| p.with_try_parse_dates(true))
        .try_into_reader_with_file_path(Some(path))
        .unwrap()
        .finish()
        .unwrap();
    Some(df)
}

fn features() -> Option<DataFrame> {
    let df = load()?;
    let opts = ProcessFeatureOptions::default().with_path_separator('\\');
    Some(add_process_features(&df, &opts).unwrap())
}

fn parse_labels(text: &str) -> Vec<Option<i64>> {
    text.split_whitespace()
        .map(|l| Some(l.parse().unwrap()))
        .collect()
}

/// True when two labellings put the same rows together (outliers must stay outliers).
fn same_partition(a: &[Option<i64>], b: &[Option<i64>]) -> bool {
    let mut forward: HashMap<i64, i64> = HashMap::new();
    let mut backward: HashMap<i64, i64> = HashMap::new();
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Some(-1), Some(-1)) => true,
            (Some(x), Some(y)) if *x >= 0 && *y >= 0 => {
                *forward.entry(*x).or_insert(*y) == *y && *backward.entry(*y).or_insert(*x) == *x
            }
            _ => false,
        })
}

fn sum_i64(df: &DataFrame, column: &str) -> i64 {
    df.column(column)
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .sum()
        .unwrap()
}

fn sum_f64(df: &DataFrame, column: &str) -> f64 {
    df.column(column).unwrap().f64().unwrap().sum().unwrap()
}

#[test]
fn process_features_match_msticpy() {
    let Some(df) = features() else { return };
    assert_eq!(df.height(), 363);
    // Column sums of msticpy's output over all 363 rows.
    assert_eq!(sum_i64(&df, "pathScore"), 1_482_699);
    assert_eq!(sum_i64(&df, "pathHash"), 681_878_940_698);
    assert_eq!(sum_i64(&df, "commandlineLen"), 32_770);
    assert_eq!(sum_i64(&df, "commandlineTokensFull"), 5_669);
    assert_eq!(sum_i64(&df, "commandlineScore"), 3_019_017);
    assert_eq!(sum_i64(&df, "commandlineTokensHash"), 816_845_809_947);
    assert_eq!(sum_i64(&df, "isSystemSession"), 203);
    assert!((sum_f64(&df, "pathLogScore") - 1290.9932376622983).abs() < 1e-9);
    assert!((sum_f64(&df, "commandlineLogLen") - 653.0176878991374).abs() < 1e-9);

    let row = |c: &str| df.column(c).unwrap().get(1).unwrap().to_string();
    assert_eq!(row("processName"), "\"conhost.exe\"");
    assert_eq!(row("commandlineTokensHash"), "183008472");
    assert_eq!(row("pathHash"), "1741858779");
}

#[test]
fn feature_columns_keep_msticpy_names_and_order() {
    let Some(df) = load() else { return };
    let width = df.width();
    let out = add_process_features(&df, &ProcessFeatureOptions::default()).unwrap();
    let added: Vec<&str> = out.get_column_names()[width..]
        .iter()
        .map(|n| n.as_str())
        .collect();
    assert_eq!(
        added,
        [
            "processName",
            "pathScore",
            "pathLogScore",
            "pathHash",
            "commandlineLen",
            "commandlineLogLen",
            "commandlineTokensFull",
            "commandlineScore",
            "commandlineTokensHash",
            "isSystemSession",
        ]
    );
    // Already present: kept unless forced.
    let again = add_process_features(&out, &ProcessFeatureOptions::default()).unwrap();
    assert_eq!(again.width(), out.width());
}

#[test]
fn notebook_clustering_matches_msticpy() {
    let Some(df) = features() else { return };
    let opts = ClusterOptions::default()
        .with_columns(&["commandlineTokensFull", "pathScore", "isSystemSession"])
        .with_max_cluster_distance(0.0001);
    let expected = parse_labels(NOTEBOOK_LABELS);
    for engine in [Engine::Distinct, Engine::Linfa] {
        let out = dbcluster_events(&df, &opts.clone().with_engine(engine)).unwrap();
        assert!(
            same_partition(&out.labels, &expected),
            "{engine}: partition differs"
        );
        assert_eq!(out.labels, expected, "{engine}: labels differ");
        assert_eq!(out.cluster_count, 29);
        assert_eq!(
            out.clusters.height(),
            29 + 33,
            "29 exemplars and 33 outliers"
        );
    }
}

#[test]
fn hash_clustering_matches_msticpy() {
    let Some(df) = features() else { return };
    let opts = ClusterOptions::default().with_columns(&["commandlineTokensHash", "pathHash"]);
    let out = dbcluster_events(&df, &opts).unwrap();
    let expected = parse_labels(HASH_LABELS);
    assert!(same_partition(&out.labels, &expected));
    assert_eq!(out.cluster_count, 32);
    assert_eq!(out.clusters.height(), 52);
}

#[test]
fn default_distance_gives_one_cluster_like_msticpy() {
    let Some(df) = features() else { return };
    let opts = ClusterOptions::default().with_columns(&[
        "commandlineTokensFull",
        "pathScore",
        "isSystemSession",
    ]);
    let out = dbcluster_events(&df, &opts).unwrap();
    assert_eq!(out.cluster_count, 1);
    assert_eq!(sum_i64(&out.clusters, "ClusterSize"), 363);
}

#[test]
fn summary_rows_carry_cluster_times() {
    let Some(df) = features() else { return };
    let opts = ClusterOptions::default()
        .with_columns(&["commandlineTokensFull", "pathScore", "isSystemSession"])
        .with_max_cluster_distance(0.0001);
    let out = dbcluster_events(&df, &opts).unwrap();
    let summary = &out.clusters;
    for name in [
        "Clustered",
        "ClusterId",
        "ClusterSize",
        "FirstEventTime",
        "LastEventTime",
    ] {
        assert!(summary.column(name).is_ok(), "{name}");
    }
    assert!(matches!(
        summary.column("FirstEventTime").unwrap().dtype(),
        DataType::Datetime(..)
    ));
    let first = summary
        .column("FirstEventTime")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    let last = summary
        .column("LastEventTime")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    for (f, l) in first.i64().unwrap().iter().zip(last.i64().unwrap().iter()) {
        assert!(f.unwrap() <= l.unwrap());
    }
    let labelled_ids = out.labelled.column("ClusterId").unwrap().i64().unwrap();
    assert_eq!(labelled_ids.len(), 363);
}
