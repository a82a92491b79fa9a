//! A seeded generator of realistic investigation data, written as files a
//! [`LocalDataDriver`](crate::driver::local::LocalDataDriver) reads.
//!
//! Three days of activity in a small company (six Windows machines, two Linux servers, six
//! users) with four intertwined stories: a phishing chain on WS-FIN-01 that ends in PsExec
//! lateral movement to SRV-FILE-01 and an exfiltration upload; an RDP brute force on
//! SRV-JUMP-01 from 185.220.101.47 that succeeds as bob.k, with a password spray against
//! Entra ID from the same address; an SSH brute force on web-lx-01 from 91.240.118.172
//! followed by a download, persistence and /etc/shadow read; and alice.m signing in from
//! Lagos 25 minutes after Seattle. The same seed always writes the same bytes.
//!
//! | file | rows (scale 1) | what |
//! |---|---|---|
//! | `windows_process_events.csv` | ≈1,400 | Security 4688 |
//! | `sysmon_process_events.jsonl` | ≈400 | Sysmon 1 (WS-FIN-01, SRV-FILE-01) |
//! | `windows_logons.csv` | ≈700 | 4624 / 4625 |
//! | `linux_syslog.csv` | ≈850 | sshd, sudo, su, cron |
//! | `linux_auditd.csv` + `audit.log` | ≈330 records | auditd EXECVE events |
//! | `security_alerts.csv` | 7 | SecurityAlert with Entities JSON |
//! | `network_flows.csv` | ≈1,400 | NSG-style flows with bytes |
//! | `signin_logs.csv` | ≈480 | Entra ID sign-ins |
//!
//! `queries/sample_data.yaml` describes them for the query provider (the same file is built
//! in, so `QueryProvider::new(Box::new(LocalDataDriver::new(dir)))` lists them).
//!
//! ```no_run
//! let summary = huntbook_data::sample::write_all("sample-data", 42)?;
//! assert!(summary.total_rows() > 1000);
//! # Ok::<(), huntbook_data::DataError>(())
//! ```

mod cloud;
mod linux;
pub mod table;
mod windows;
pub mod world;

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::DataError;
use table::Table;

/// The sample query file, as built into the crate.
pub const QUERY_FILE: &str = include_str!("../../queries/huntbook/sample_data.yaml");

/// How much data to write and when it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleOptions {
    /// The random seed.
    pub seed: u64,
    /// Multiplies the background activity (1.0 ≈ 5,000 rows in all); the attack stories are
    /// always complete.
    pub scale: f64,
    /// The first instant of data (the default is Monday 2024-05-06 00:00 UTC).
    pub start: DateTime<Utc>,
}

impl Default for SampleOptions {
    fn default() -> SampleOptions {
        SampleOptions {
            seed: 42,
            scale: 1.0,
            start: Utc
                .with_ymd_and_hms(2024, 5, 6, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        }
    }
}

impl SampleOptions {
    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> SampleOptions {
        self.seed = seed;
        self
    }

    /// Sets the scale (clamped to 0.05 ..= 100).
    pub fn with_scale(mut self, scale: f64) -> SampleOptions {
        self.scale = scale.clamp(0.05, 100.0);
        self
    }

    /// Sets the start of data.
    pub fn with_start(mut self, start: DateTime<Utc>) -> SampleOptions {
        self.start = start;
        self
    }
}

/// One written file.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleFile {
    /// The table name (the file stem, and the SQL table name).
    pub table: String,
    /// The file.
    pub path: PathBuf,
    /// How many rows (records for `audit.log`).
    pub rows: usize,
    /// The column names.
    pub columns: Vec<String>,
}

/// What [`write_all`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSummary {
    /// The folder.
    pub dir: PathBuf,
    /// Every data file.
    pub files: Vec<SampleFile>,
    /// The LocalData query file.
    pub query_file: PathBuf,
    /// The raw auditd log.
    pub audit_log: PathBuf,
    /// The first instant of data.
    pub start: DateTime<Utc>,
    /// The end of data.
    pub end: DateTime<Utc>,
}

impl SampleSummary {
    /// Rows over every table.
    pub fn total_rows(&self) -> usize {
        self.files.iter().map(|f| f.rows).sum()
    }

    /// The file for a table name.
    pub fn file(&self, table: &str) -> Option<&SampleFile> {
        self.files.iter().find(|f| f.table == table)
    }
}

/// Writes the sample dataset into `dir` (created if missing) with default options and `seed`.
pub fn write_all(dir: impl AsRef<Path>, seed: u64) -> Result<SampleSummary, DataError> {
    write_with(dir, &SampleOptions::default().with_seed(seed))
}

/// Builds every table without writing anything.
pub fn tables(options: &SampleOptions) -> (Vec<Table>, String) {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let timeline = world::Timeline::new(options.start);
    let scale = options.scale;
    let procs = windows::processes(&mut rng, &timeline, scale);
    let (auditd, audit_log) = linux::auditd(&mut rng, &timeline, scale);
    let tables = vec![
        windows::security_4688(&procs),
        windows::sysmon_1(&procs),
        windows::logons(&mut rng, &timeline, scale),
        linux::syslog(&mut rng, &timeline, scale),
        auditd,
        cloud::alerts(&mut rng, &timeline),
        cloud::flows(&mut rng, &timeline, scale),
        cloud::signins(&mut rng, &timeline, scale),
    ];
    (tables, audit_log)
}

/// Writes the sample dataset into `dir` with these options.
pub fn write_with(
    dir: impl AsRef<Path>,
    options: &SampleOptions,
) -> Result<SampleSummary, DataError> {
    let dir = dir.as_ref();
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DataError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let (tables, audit_log) = tables(options);
    let mut files = Vec::new();
    for table in &tables {
        let json_lines = table.name == "sysmon_process_events";
        let path = table.write(dir, json_lines)?;
        tracing::debug!(file = %path.display(), rows = table.len(), "sample file written");
        files.push(SampleFile {
            table: table.name.to_string(),
            path,
            rows: table.len(),
            columns: table.columns().iter().map(|c| c.to_string()).collect(),
        });
    }
    let audit_path = dir.join("audit.log");
    std::fs::write(&audit_path, audit_log).map_err(write_error(&audit_path))?;
    let query_dir = dir.join("queries");
    std::fs::create_dir_all(&query_dir).map_err(write_error(&query_dir))?;
    let query_file = query_dir.join("sample_data.yaml");
    std::fs::write(&query_file, QUERY_FILE).map_err(write_error(&query_file))?;
    let timeline = world::Timeline::new(options.start);
    Ok(SampleSummary {
        dir: dir.to_path_buf(),
        files,
        query_file,
        audit_log: audit_path,
        start: timeline.start,
        end: timeline.end,
    })
}
