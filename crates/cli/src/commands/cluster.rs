//! `huntbook cluster`: DBSCAN over feature columns, msticpy's `dbcluster_events`.

use anyhow::Result;
use clap::Args;
use huntbook_analysis::cluster::{
    ClusterOptions, ProcessFeatureOptions, add_process_features, dbcluster_events,
};

use super::TableSource;
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook cluster …`
#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    source: TableSource,

    /// Feature columns (numeric or boolean), comma-separated; with --process-features the
    /// computed ones (commandlineTokensFull, pathScore, isSystemSession, …) can be named.
    #[arg(long, value_delimiter = ',', required = true)]
    columns: Vec<String>,

    /// DBSCAN's eps: the largest distance between neighbours (after row normalisation).
    #[arg(long, default_value_t = 0.01)]
    eps: f64,

    /// DBSCAN's min_samples, the row itself included.
    #[arg(long, default_value_t = 2)]
    min_samples: usize,

    /// Compute msticpy's process features first from NewProcessName, CommandLine and
    /// SubjectLogonId.
    #[arg(long)]
    process_features: bool,

    /// Do not scale rows to unit length before clustering.
    #[arg(long)]
    no_normalize: bool,

    /// The time column for FirstEventTime / LastEventTime.
    #[arg(long, default_value = "TimeCreatedUtc")]
    time_column: String,

    /// Every input row with ClusterId and ClusterSize instead of one row per cluster.
    #[arg(long)]
    labels: bool,
}

/// Runs `huntbook cluster`.
pub fn run(args: ClusterArgs, global: &Global) -> Result<()> {
    let mut frame = args.source.load()?;

    let timer = Timer::start(global);
    if args.process_features {
        frame = add_process_features(&frame, &ProcessFeatureOptions::default())?;
    }
    let columns: Vec<&str> = args.columns.iter().map(String::as_str).collect();
    super::require_columns(&frame, &args.source.file, &columns, "--columns")?;
    let options = ClusterOptions::default()
        .with_columns(&columns)
        .with_max_cluster_distance(args.eps)
        .with_min_cluster_samples(args.min_samples)
        .with_normalize(!args.no_normalize)
        .with_time_column(args.time_column.as_str());
    let clustering = dbcluster_events(&frame, &options)?;
    let mut out = if args.labels {
        clustering.labelled
    } else {
        clustering.clusters
    };
    timer.report(out.height());

    let unusable = clustering.labels.iter().filter(|l| l.is_none()).count();
    if unusable > 0 {
        eprintln!(
            "huntbook: warning: {unusable} rows had an empty or non-finite feature and were left \
             out of clustering (their ClusterId is empty)"
        );
    }
    tracing::info!(clusters = clustering.cluster_count, "clustered");
    write_frame(&mut out, global.output_format, global.output.as_deref())
}
