//! Timing of process-tree building on synthetic events (run explicitly:
//! `cargo test -p huntbook-analysis --test proctree_bench -- --ignored --nocapture`).
//! Speed is reported, never asserted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use polars::prelude::*;

use huntbook_analysis::proctree::{TreeOptions, build_process_tree, synthetic};

fn time_build(n: usize) {
    let start = Instant::now();
    let events = synthetic(n, 42).expect("synthetic");
    let generated = start.elapsed();
    let start = Instant::now();
    let tree = build_process_tree(&events, &TreeOptions::default()).expect("tree");
    let built = start.elapsed();
    println!(
        "proctree n={n}: generate {:.3}s, build {:.3}s ({:.0} events/s); {}",
        generated.as_secs_f64(),
        built.as_secs_f64(),
        n as f64 / built.as_secs_f64(),
        tree.summary()
    );
}

/// Writes the 100k-event frame as CSV to `$HUNTBOOK_PROCTREE_CSV` (to time msticpy on the same
/// events).
#[test]
#[ignore = "writes a CSV for comparison runs; set HUNTBOOK_PROCTREE_CSV"]
fn write_100k_events_csv() {
    let Some(path) = std::env::var_os("HUNTBOOK_PROCTREE_CSV") else {
        eprintln!("skipping: HUNTBOOK_PROCTREE_CSV not set");
        return;
    };
    let mut events = synthetic(100_000, 42).expect("synthetic");
    let mut file = std::fs::File::create(path).expect("create");
    CsvWriter::new(&mut file)
        .finish(&mut events)
        .expect("write");
}

#[test]
#[ignore = "timing run; use --ignored --nocapture"]
fn time_100k_and_1m_events() {
    time_build(100_000);
    time_build(1_000_000);
}
