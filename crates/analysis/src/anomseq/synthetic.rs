//! Seeded synthetic sessions, for benchmarks and tests.
//!
//! Commands are drawn from a skewed distribution over a small PowerShell-like vocabulary, so
//! that some sequences are common and a few are rare; parameters and values likewise.

use polars::prelude::*;

use super::session::{Cmd, SessionKind, sessions_to_series};

const CMDS: [&str; 12] = [
    "Get-Item",
    "Set-Item",
    "Get-Process",
    "Stop-Process",
    "New-Object",
    "Invoke-WebRequest",
    "Get-ChildItem",
    "Remove-Item",
    "Start-Process",
    "Get-Service",
    "Set-ExecutionPolicy",
    "Add-MpPreference",
];

const PARAMS: [&str; 6] = ["-Path", "-Force", "-Name", "-Uri", "-Verbose", "-Id"];
const VALUES: [&str; 5] = ["a", "b", "c", "tmp", "C:\\Users"];

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

    /// Index skewed towards 0: the minimum of two uniform draws.
    fn skewed(&mut self, n: usize) -> usize {
        self.below(n).min(self.below(n))
    }
}

fn command(rng: &mut Rng, kind: SessionKind) -> Cmd {
    let mut cmd = Cmd::new(CMDS[rng.skewed(CMDS.len())]);
    if kind == SessionKind::Commands {
        return cmd;
    }
    for p in PARAMS {
        if rng.below(3) != 0 {
            continue;
        }
        cmd = match kind {
            SessionKind::CommandsParamsValues => {
                cmd.with_value(p, VALUES[rng.skewed(VALUES.len())])
            }
            _ => cmd.with_param(p),
        };
    }
    cmd
}

/// `n` seeded sessions of 1–15 commands in a frame with columns `user` (String) and `session`
/// (a session list column of `kind`, see the `session` module docs).
pub fn synthetic_sessions(n: usize, kind: SessionKind, seed: u64) -> PolarsResult<DataFrame> {
    let mut rng = Rng(seed);
    let sessions: Vec<Vec<Cmd>> = (0..n)
        .map(|_| {
            let len = 1 + rng.below(15);
            (0..len).map(|_| command(&mut rng, kind)).collect()
        })
        .collect();
    let users: Vec<String> = (0..n).map(|i| format!("user{:04}", i % 500)).collect();
    DataFrame::new(
        n,
        vec![
            Column::new("user".into(), users),
            sessions_to_series("session", &sessions, kind)?.into_column(),
        ],
    )
}
