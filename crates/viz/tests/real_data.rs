//! Views of real logs from the shared test data: OTRF process creation events, msticpy's
//! time series with its anomalies and its geolocated IPs. Skipped when the data is absent.

mod common;

use huntbook_testkit::shared_data;
use huntbook_viz::{Decomposition, ProcessTree, Timeline, WorldMap};
use polars::prelude::*;

#[test]
fn otrf_process_events_as_timeline_and_tree() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) =
        shared_data("logs/otrf-mapped/proctree_aptsimulator_cobaltstrike_security_4688.csv")
    else {
        eprintln!("skipping: /work/shared/data/logs/otrf-mapped is not available");
        return Ok(());
    };
    let events = common::read_csv(&path)?;
    let timeline = Timeline::new(&events)
        .group_by("Computer")
        .color_by("SubjectUserName")
        .tooltip_columns(&["NewProcessName", "CommandLine"])
        .build()?
        .to_svg_string();
    assert_eq!(timeline.matches("class=\"hb-ev\"").count(), events.height());
    assert!(timeline.contains("7z.exe"));

    // Keys as the process-tree builder makes them, simplified: host and process id.
    let keyed = events
        .lazy()
        .with_columns([
            concat_str([col("Computer"), col("NewProcessId")], "|", true).alias("proc_key"),
            concat_str([col("Computer"), col("ProcessId")], "|", true).alias("parent_key"),
        ])
        .collect()?;
    let tree = ProcessTree::new(&keyed).legend_column("SubjectUserName");
    let text = tree.to_text(1000)?;
    assert_eq!(text.lines().count(), keyed.height());
    assert!(
        text.contains("└─ "),
        "some processes have their parent in the file:\n{text}"
    );
    let svg = ProcessTree::new(&keyed).build()?.to_svg_string();
    assert_eq!(svg.matches("<g class=\"hb-node").count(), keyed.height());
    Ok(())
}

#[test]
fn msticpy_time_series_anomalies() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = shared_data("logs/msticpy/time_series.csv") else {
        eprintln!("skipping: /work/shared/data/logs/msticpy is not available");
        return Ok(());
    };
    let series = common::read_csv(&path)?;
    let flagged = series
        .column("anomalies")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .filter(|v| v.unwrap_or(0) != 0)
        .count();
    let svg = Decomposition::new(&series)
        .value_column("TotalBytesSent")
        .build()?
        .to_svg_string();
    assert!(flagged > 0);
    assert_eq!(svg.matches("<title>anomaly&#10;").count(), flagged);
    assert!(svg.contains(">baseline</text>"));
    Ok(())
}

#[test]
fn msticpy_ip_locations_on_the_map() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = shared_data("logs/msticpy/ip_locs.csv") else {
        eprintln!("skipping: /work/shared/data/logs/msticpy is not available");
        return Ok(());
    };
    let ips = common::read_csv(&path)?;
    let svg = WorldMap::new(&ips)
        .color_by("CountryOrRegionName")
        .tooltip_columns(&["IpAddress", "City"])
        .build()?
        .to_svg_string();
    assert!(svg.contains(&format!("{} located rows", ips.height())));
    assert!(svg.contains("IpAddress: 65.55.44.109") || svg.contains("points near here"));
    Ok(())
}
