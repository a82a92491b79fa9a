//! Output size at a million events: binned and aggregated, the HTML stays under 2 MB.

mod common;

use std::time::Instant;

use huntbook_viz::{Timeline, TimelineValues};
use polars::prelude::{Column, DataType};

const LIMIT: usize = 2 * 1024 * 1024;

#[test]
fn a_million_events_stay_under_two_megabytes() -> Result<(), Box<dyn std::error::Error>> {
    let df = common::many_events(1_000_000, 60)?;
    let started = Instant::now();
    let view = Timeline::new(&df)
        .group_by("Computer")
        .color_by("Kind")
        .tooltip_columns(&["Kind"])
        .title("a million events")
        .build()?;
    let html = view.to_html();
    eprintln!(
        "timeline of 1,000,000 events: {} bytes of HTML in {:?}",
        html.len(),
        started.elapsed()
    );
    assert!(html.len() < LIMIT, "{} bytes", html.len());
    assert!(
        html.contains("Kind: rare-alert"),
        "rare events stay visible"
    );
    Ok(())
}

#[test]
fn a_million_values_stay_under_two_megabytes() -> Result<(), Box<dyn std::error::Error>> {
    let mut df = common::many_events(1_000_000, 4)?;
    let times = df.column("TimeGenerated")?.cast(&DataType::Int64)?;
    let values: Vec<f64> = times
        .i64()?
        .iter()
        .map(|t| (t.unwrap_or(0) % 86_400_000) as f64)
        .collect();
    df.with_column(Column::new("Value".into(), values))?;
    let started = Instant::now();
    let view = TimelineValues::new(&df)
        .value_column("Value")
        .group_by("Computer")
        .build()?;
    let html = view.to_html();
    eprintln!(
        "values of 1,000,000 points: {} bytes of HTML in {:?}",
        html.len(),
        started.elapsed()
    );
    assert!(html.len() < LIMIT, "{} bytes", html.len());
    Ok(())
}
