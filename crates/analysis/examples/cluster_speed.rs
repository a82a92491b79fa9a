//! Times process features and DBSCAN clustering on seeded synthetic process events.
//!
//! `cargo run -p huntbook-analysis --example cluster_speed -- [rows] [engine] [eps]`
//! (defaults 50000, both engines, 0.0001). `--write FILE [rows]` writes the events as CSV
//! instead, for running msticpy on the same data; `--labels FILE [eps]` clusters such a file
//! and prints each row's label, one a line.

// An example reports its timings on stdout.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::Instant;

use huntbook_analysis::cluster::{
    ClusterOptions, Engine, ProcessFeatureOptions, add_process_features, dbcluster_events,
};
use polars::prelude::*;

/// A small seeded generator (SplitMix64), so runs are repeatable without extra crates.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PROGRAMS: [&str; 8] = [
    r"C:\Windows\System32\svchost.exe",
    r"C:\Windows\System32\conhost.exe",
    r"C:\Windows\System32\cmd.exe",
    r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
    r"C:\Program Files\Microsoft Monitoring Agent\Agent\MonitoringHost.exe",
    r"C:\Windows\System32\wbem\WmiPrvSE.exe",
    r"C:\Windows\System32\taskhostw.exe",
    r"C:\Users\alice\AppData\Local\Temp\updater.exe",
];

/// Process events: mostly a few repeating patterns, some with GUIDs and numbers in them,
/// and a tail of one-off command lines.
fn synthetic(rows: usize, seed: u64) -> Result<DataFrame, PolarsError> {
    let mut rng = SplitMix(seed);
    let mut names = Vec::with_capacity(rows);
    let mut lines = Vec::with_capacity(rows);
    let mut logons = Vec::with_capacity(rows);
    let mut times = Vec::with_capacity(rows);
    for i in 0..rows {
        let program = PROGRAMS[rng.below(PROGRAMS.len() as u64) as usize];
        // One event in fifty runs a one-off dropped binary.
        let dropped = format!(
            r"C:\Users\u{}\AppData\Local\Temp\{:x}.exe",
            rng.below(500),
            rng.next()
        );
        let program = if rng.below(50) == 0 {
            dropped.as_str()
        } else {
            program
        };
        let line = match rng.below(10) {
            0..=4 => format!("{program} -k netsvcs -p"),
            5..=6 => format!(
                "\"{program}\" /c echo {:08x}-{:04x} > nul",
                rng.next() as u32,
                rng.below(65536)
            ),
            7..=8 => format!("{program} 0xffffffff -ForceV1 -Id {}", rng.below(50)),
            _ => format!(
                "{program} {}",
                (0..rng.below(6) + 1)
                    .map(|_| format!("/x{}", rng.below(1000)))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        };
        names.push(program.to_string());
        lines.push(line);
        logons.push(if rng.below(3) == 0 {
            "0x3e7".to_string()
        } else {
            format!("0x{:x}", rng.below(1 << 20))
        });
        times.push(1_547_529_864_000_000i64 + i as i64 * 1_000_000);
    }
    let time = Int64Chunked::from_vec("TimeCreatedUtc".into(), times)
        .into_datetime(TimeUnit::Microseconds, None)
        .into_column();
    DataFrame::new(
        rows,
        vec![
            Column::new("NewProcessName".into(), names),
            Column::new("CommandLine".into(), lines),
            Column::new("SubjectLogonId".into(), logons),
            time,
        ],
    )
}

fn print_labels(args: &[String]) -> Result<(), Box<dyn Error>> {
    let path = args.first().ok_or("--labels needs a file")?;
    let eps: f64 = args
        .get(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(0.0001);
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.into()))?
        .finish()?;
    let features = add_process_features(&df, &ProcessFeatureOptions::default())?;
    let opts = ClusterOptions::default()
        .with_columns(&["commandlineTokensFull", "pathScore", "isSystemSession"])
        .with_max_cluster_distance(eps);
    for label in dbcluster_events(&features, &opts)?.labels {
        println!("{}", label.map_or("null".to_string(), |l| l.to_string()));
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--write") {
        let path = args.get(1).ok_or("--write needs a file")?;
        let rows = args
            .get(2)
            .map(|a| a.parse())
            .transpose()?
            .unwrap_or(50_000);
        let mut df = synthetic(rows, 7)?;
        CsvWriter::new(std::fs::File::create(path)?).finish(&mut df)?;
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("--labels") {
        return print_labels(&args[1..]);
    }
    let rows: usize = args
        .first()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(50_000);
    let engines: Vec<Engine> = match args.get(1) {
        Some(name) => vec![name.parse()?],
        None => vec![Engine::Distinct, Engine::Linfa],
    };
    let eps: f64 = args
        .get(2)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(0.0001);
    let df = synthetic(rows, 7)?;

    let started = Instant::now();
    let features = add_process_features(&df, &ProcessFeatureOptions::default())?;
    println!(
        "add_process_features, {rows} rows: {:.2?}",
        started.elapsed()
    );

    for engine in engines {
        let opts = ClusterOptions::default()
            .with_columns(&["commandlineTokensFull", "pathScore", "isSystemSession"])
            .with_max_cluster_distance(eps)
            .with_engine(engine);
        let started = Instant::now();
        let out = dbcluster_events(&features, &opts)?;
        let outliers = out.labels.iter().filter(|l| **l == Some(-1)).count();
        println!(
            "dbcluster_events [{engine}], {rows} rows, eps {eps}: {:.2?} ({} clusters, {outliers} outliers, {} summary rows)",
            started.elapsed(),
            out.cluster_count,
            out.clusters.height()
        );
    }
    Ok(())
}
