//! `huntbook`: the batch command line over huntbook's libraries.
//!
//! Each subcommand reads a file or stdin (`-`) — CSV, JSON lines, JSON, Parquet or plain text —
//! runs one tool and writes a table as CSV (default) or JSON lines:
//!
//! ```text
//! huntbook ioc extract [--types ipv4,url] [--column C | --text] FILE|-
//! huntbook b64 unpack [--column C | --text] FILE|-
//! huntbook cmdline risky|speed [--column C] FILE|-
//! huntbook auditd parse [--column C] FILE|-
//! huntbook syslog sessions|commands|logons|parse FILE|-
//! huntbook proctree build [--schema auto|win4688|sysmon|mde|lxauditd|…] [--summary] FILE|-
//! huntbook anomseq sessionize --user-columns U --event-column C FILE|-
//! huntbook anomseq score --session-column C [--window N] FILE|-
//! huntbook ts anomalies [--time-column T] [--value-column V] [--period 24] FILE|-
//! huntbook cluster --columns a,b [--eps 0.01] [--min-samples 2] [--labels] FILE|-
//! huntbook geoip lookup [--db city.mmdb] [--column C | --text] FILE|-
//! huntbook ti lookup [--feed F] [--demo] [--config C.yaml] [--column C | --text] FILE|-
//! ```
//!
//! One module per tool in `commands/`; `input` reads, `output` writes. docs/cli.md has the
//! usage of every subcommand.
//!
//! Exit codes: 0 success, 1 the tool failed (the message says why), 2 bad usage.
//! Logs go to stderr (`RUST_LOG=debug` for more); stdout carries only the result.

mod commands;
mod input;
mod output;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser};

use crate::commands::Command;
use crate::output::OutputFormat;

/// Security-investigation tools over files and pipes.
#[derive(Debug, Parser)]
#[command(name = "huntbook", version, about)]
struct Cli {
    #[command(flatten)]
    global: Global,

    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value = "csv")]
    pub output_format: OutputFormat,

    /// Write the result here instead of stdout.
    #[arg(long, short = 'o', global = true)]
    pub output: Option<String>,

    /// Print how long the tool itself took (not reading or writing) as JSON on stderr.
    #[arg(long, global = true)]
    pub timing: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();

    let cli = Cli::parse();
    match commands::run(cli.command, &cli.global) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("huntbook: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Times the tool's own work for `--timing`.
pub struct Timer {
    enabled: bool,
    started: Instant,
}

impl Timer {
    /// Starts timing (a no-op unless `--timing` was given).
    pub fn start(global: &Global) -> Timer {
        Timer {
            enabled: global.timing,
            started: Instant::now(),
        }
    }

    /// Reports the elapsed time and the number of result rows on stderr.
    pub fn report(&self, rows: usize) {
        if self.enabled {
            let elapsed = self.started.elapsed().as_secs_f64();
            eprintln!("{{\"timing\":{{\"elapsed_s\":{elapsed},\"rows\":{rows}}}}}");
        }
    }
}
