//! Seeded synthetic Windows 4688 process events, for benchmarks and tests.
//!
//! Events spread over one host per 20,000 events; each new process picks as parent either one
//! of its host's long-lived processes or a recent one (trees stay at most about 12 deep, as in
//! real data), and pids are drawn from Windows' small pid space so that they are reused, as on
//! a real busy host. The same `(n, seed)` always gives the same frame.

use chrono::DateTime;
use polars::prelude::*;

const IMAGES: [&str; 12] = [
    r"C:\Windows\System32\cmd.exe",
    r"C:\Windows\System32\svchost.exe",
    r"C:\Windows\System32\conhost.exe",
    r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
    r"C:\Windows\System32\whoami.exe",
    r"C:\Windows\System32\net.exe",
    r"C:\Windows\System32\rundll32.exe",
    r"C:\Windows\System32\wbem\WmiPrvSE.exe",
    r"C:\Windows\System32\taskhostw.exe",
    r"C:\Program Files\Mozilla Firefox\firefox.exe",
    r"C:\Windows\System32\reg.exe",
    r"C:\Windows\System32\schtasks.exe",
];

const SEEDS: [(&str, u32, u32); 2] = [
    (r"C:\Windows\System32\services.exe", 0x2cc, 0),
    (r"C:\Windows\explorer.exe", 0x1a0c, 0),
];

/// Processes that stay alive on each host and parent half of the new processes.
const LONG_LIVED: usize = 30;

/// Deepest parent picked among recent processes.
const MAX_DEPTH: u32 = 11;

/// SplitMix64: small, fast and good enough to spread synthetic events.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Default)]
struct Columns {
    host: Vec<String>,
    time: Vec<i64>,
    image: Vec<&'static str>,
    pid: Vec<String>,
    parent_image: Vec<&'static str>,
    ppid: Vec<String>,
    cmd: Vec<String>,
    user: Vec<&'static str>,
    logon: Vec<String>,
}

/// `n` seeded 4688-style events (columns of [`super::ProcSchema::win_4688`], `TimeGenerated` a
/// UTC nanosecond Datetime).
pub fn synthetic(n: usize, seed: u64) -> PolarsResult<DataFrame> {
    let mut rng = Rng(seed);
    let hosts = (n / 20_000).max(1);
    let mut live: Vec<Vec<(&'static str, u32, u32)>> = vec![SEEDS.to_vec(); hosts];
    let mut cols = Columns::default();
    let start = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .ok()
        .and_then(|d| d.timestamp_nanos_opt())
        .unwrap_or(0);
    let mut clock = start;
    for _ in 0..n {
        clock += (rng.below(400) as i64 + 1) * 1_000_000;
        let h = rng.below(hosts);
        let procs = &mut live[h];
        let mut parent = procs[procs.len() - 1 - rng.below(procs.len().min(40))];
        if rng.below(2) == 0 || parent.2 >= MAX_DEPTH {
            parent = procs[rng.below(procs.len().min(LONG_LIVED))];
        }
        let image = IMAGES[rng.below(IMAGES.len())];
        let pid = (rng.below(16_000) as u32 + 2) * 4;
        push_event(
            &mut cols,
            &mut rng,
            h,
            clock,
            (image, pid),
            (parent.0, parent.1),
        );
        procs.push((image, pid, parent.2 + 1));
        if procs.len() > 2_000 {
            let drop = LONG_LIVED + rng.below(procs.len() - LONG_LIVED);
            procs.swap_remove(drop);
        }
    }
    into_frame(cols)
}

fn push_event(
    cols: &mut Columns,
    rng: &mut Rng,
    host: usize,
    time: i64,
    child: (&'static str, u32),
    parent: (&'static str, u32),
) {
    let users = ["SYSTEM", "alice", "bob"];
    let user = users[rng.below(users.len())];
    cols.host.push(format!("host{host:03}"));
    cols.time.push(time);
    cols.image.push(child.0);
    cols.pid.push(format!("0x{:x}", child.1));
    cols.parent_image.push(parent.0);
    cols.ppid.push(format!("0x{:x}", parent.1));
    cols.cmd
        .push(format!("{} /c task{}", child.0, rng.below(1000)));
    cols.user.push(user);
    cols.logon
        .push(format!("0x{:x}", 0x3e7 + rng.below(8) * 0x1000));
}

fn into_frame(c: Columns) -> PolarsResult<DataFrame> {
    let n = c.host.len();
    let time = Column::new("TimeGenerated".into(), c.time).cast(&DataType::Datetime(
        TimeUnit::Nanoseconds,
        Some(polars::prelude::TimeZone::UTC),
    ))?;
    DataFrame::new(
        n,
        vec![
            Column::new("EventID".into(), vec![4688_i64; n]),
            Column::new("Computer".into(), c.host),
            time,
            Column::new("NewProcessName".into(), c.image),
            Column::new("NewProcessId".into(), c.pid),
            Column::new("ParentProcessName".into(), c.parent_image),
            Column::new("ProcessId".into(), c.ppid),
            Column::new("CommandLine".into(), c.cmd),
            Column::new("SubjectUserName".into(), c.user),
            Column::new("SubjectLogonId".into(), c.logon),
            Column::new("TargetLogonId".into(), vec!["0x0"; n]),
        ],
    )
}
