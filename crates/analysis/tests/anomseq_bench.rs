//! Timing of session scoring on synthetic sessions (run explicitly:
//! `cargo test -p huntbook-analysis --test anomseq_bench -- --ignored --nocapture`).
//! Speed is reported, never asserted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use huntbook_analysis::anomseq::{SessionKind, score_sessions, synthetic_sessions};

#[test]
#[ignore = "timing run; use --ignored --nocapture"]
fn time_100k_sessions() {
    for kind in [
        SessionKind::Commands,
        SessionKind::CommandsParams,
        SessionKind::CommandsParamsValues,
    ] {
        let start = Instant::now();
        let df = synthetic_sessions(100_000, kind, 42).expect("synthetic");
        let generated = start.elapsed();
        let start = Instant::now();
        let scored = score_sessions(&df, "session", 3).expect("scored");
        let took = start.elapsed();
        println!(
            "anomseq {kind} n=100000: generate {:.3}s, score (window 3) {:.3}s \
             ({:.0} sessions/s), {} rows",
            generated.as_secs_f64(),
            took.as_secs_f64(),
            100_000.0 / took.as_secs_f64(),
            scored.height()
        );
    }
}
