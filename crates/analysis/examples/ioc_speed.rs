//! Measures IoC extraction speed on ~10 MB of generated, log-like text.
//!
//! ```text
//! cargo run -p huntbook-analysis --example ioc_speed -- [--mb N] [--write PATH] [--dump PATH]
//!     [--paths] [--types ipv4,dns,…] [--repeat N] [--file PATH] [--lines]
//! ```
//!
//! `--file PATH` reads the text from a file instead (the benchmark harness's corpus, say);
//! `--lines` also times [`IocExtractor::extract_lines`], the frame the CLI builds for text.
//!
//! The text is deterministic (a fixed-seed generator), so runs and other tools (msticpy) can be
//! compared on the same input: `--write /tmp/ioc_corpus.txt` saves it. Prints MB/s and, per
//! type, the number of findings and of unique values; `--dump PATH` writes the unique values
//! per type as JSON.

#![allow(clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use huntbook_analysis::ioc::{IocExtractor, IocOptions};
use huntbook_data::IocType;

/// SplitMix64: tiny, seeded, good enough for test text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }
}

const HOSTS: &[&str] = &["web01", "dc02", "WS-4412", "db-prod-3", "jump1", "mail-gw"];
const USERS: &[&str] = &["alice", "bob", "svc_backup", "admin", "j.smith", "root"];
const DOMAINS: &[&str] = &[
    "microsoft.com",
    "update.windowsupdate.com",
    "evil-c2.xyz",
    "cdn.example.net",
    "login.microsoftonline.com",
    "pastebin.com",
    "raw.githubusercontent.com",
    "badstuff.ru",
    "files.corp.local",
    "news.ycombinator.com",
];
const WORDS: &[&str] = &[
    "connection",
    "accepted",
    "from",
    "session",
    "opened",
    "for",
    "user",
    "process",
    "created",
    "failed",
    "password",
    "error",
    "timeout",
    "GET",
    "POST",
    "status",
    "bytes",
    "sent",
    "the",
    "service",
    "started",
    "stopped",
    "policy",
    "denied",
    "allowed",
    "request",
    "response",
];
const PROGRAMS: &[&str] = &[
    "sshd[2211]",
    "sudo",
    "kernel",
    "CRON[881]",
    "nginx",
    "Sysmon",
];
const WIN_PATHS: &[&str] = &[
    r"C:\Windows\System32\cmd.exe",
    r"C:\Users\alice\AppData\Local\Temp\invoice.exe",
    r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
    r"\\fileserver\share\tools\psexec.exe",
];
const LINUX_PATHS: &[&str] = &[
    "/usr/bin/curl",
    "/tmp/.x/kinsing",
    "/var/log/auth.log",
    "/etc/passwd",
    "./run.sh",
];

fn ip(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!(
            "10.{}.{}.{}",
            rng.below(256),
            rng.below(256),
            rng.below(256)
        ),
        1 => format!("192.168.{}.{}", rng.below(256), rng.below(256)),
        _ => format!(
            "{}.{}.{}.{}",
            1 + rng.below(223),
            rng.below(256),
            rng.below(256),
            rng.below(256)
        ),
    }
}

/// One log line: mostly prose and syslog furniture, with an indicator or two.
fn line(rng: &mut Rng, out: &mut String) {
    let (h, m, s) = (rng.below(24), rng.below(60), rng.below(60));
    out.push_str(&format!(
        "Dec  3 {h:02}:{m:02}:{s:02} {} {}: ",
        rng.pick(HOSTS),
        rng.pick(PROGRAMS)
    ));
    for _ in 0..4 + rng.below(6) {
        out.push_str(rng.pick(WORDS));
        out.push(' ');
    }
    match rng.below(12) {
        0 => out.push_str(&format!(
            "src={} dst={} dport={}",
            ip(rng),
            ip(rng),
            rng.below(65536)
        )),
        1 => out.push_str(&format!(
            "url=https://{}/{}/{}.php?id={}",
            rng.pick(DOMAINS),
            rng.pick(WORDS),
            rng.hex(6),
            rng.below(1000)
        )),
        2 => out.push_str(&format!("query {} type A", rng.pick(DOMAINS))),
        3 => out.push_str(&format!("sha256={} md5={}", rng.hex(64), rng.hex(32))),
        4 => out.push_str(&format!(
            "image={} parent={}",
            rng.pick(WIN_PATHS),
            rng.pick(WIN_PATHS)
        )),
        5 => out.push_str(&format!(
            "exe={} cwd={}",
            rng.pick(LINUX_PATHS),
            rng.pick(LINUX_PATHS)
        )),
        6 => out.push_str(&format!("from={}@{}", rng.pick(USERS), rng.pick(DOMAINS))),
        7 => out.push_str(&format!(
            "ioc hxxp://{}/x and {}",
            rng.pick(DOMAINS).replace('.', "[.]"),
            ip(rng).replace('.', "[.]")
        )),
        8 => out.push_str(&format!(
            "peer [{:x}:{:x}::{:x}]:443",
            0x2001,
            rng.below(65536),
            rng.below(65536)
        )),
        9 => out.push_str(&format!("sha1={}", rng.hex(40))),
        _ => out.push_str(&format!(
            "user={} pid={} took {}.{}s",
            rng.pick(USERS),
            rng.below(65536),
            rng.below(10),
            rng.below(1000)
        )),
    }
    out.push('\n');
}

fn corpus(megabytes: usize) -> String {
    let mut rng = Rng(0x1bad_b002);
    let mut text = String::with_capacity(megabytes << 20);
    while text.len() < megabytes << 20 {
        line(&mut rng, &mut text);
    }
    text
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let megabytes: usize = arg("--mb").map_or(Ok(10), |v| v.parse())?;
    let text = match arg("--file") {
        Some(path) => std::fs::read_to_string(path)?,
        None => corpus(megabytes),
    };
    if let Some(path) = arg("--write") {
        std::fs::write(path, &text)?;
    }
    let mut options = IocOptions::default().with_include_paths(args.iter().any(|a| a == "--paths"));
    if let Some(types) = arg("--types") {
        let types: Result<Vec<IocType>, _> = types.split(',').map(str::parse).collect();
        options = options.with_types(types?);
    }
    let extractor = IocExtractor::new(options)?;
    let repeat: usize = arg("--repeat").map_or(Ok(3), |v| v.parse())?;

    // Best of `repeat` runs: the machine is shared, so the fastest run is the least disturbed.
    let mut best = f64::INFINITY;
    let mut iocs = Vec::new();
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        iocs = extractor.extract(&text);
        best = best.min(started.elapsed().as_secs_f64());
    }
    let mb = text.len() as f64 / (1 << 20) as f64;
    let rate = mb / best;
    println!(
        "{mb:.1} MiB in {best:.3} s = {rate:.1} MiB/s, {} findings (best of {repeat})",
        iocs.len()
    );

    if args.iter().any(|a| a == "--lines") {
        let mut best = f64::INFINITY;
        let mut rows = 0;
        for _ in 0..repeat.max(1) {
            let started = Instant::now();
            rows = extractor.extract_lines(&text)?.height();
            best = best.min(started.elapsed().as_secs_f64());
        }
        println!(
            "extract_lines: {best:.3} s = {:.1} MiB/s, {rows} rows",
            mb / best
        );
    }

    let mut per_type: BTreeMap<String, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for ioc in &iocs {
        let entry = per_type.entry(ioc.ioc_type.to_string()).or_default();
        entry.0 += 1;
        entry.1.insert(&ioc.value);
    }
    for (ioc_type, (count, unique)) in &per_type {
        println!(
            "{ioc_type:>16} {count:>8} findings {:>7} unique",
            unique.len()
        );
    }
    if let Some(path) = arg("--dump") {
        let sets: BTreeMap<&String, &BTreeSet<&str>> = per_type
            .iter()
            .map(|(t, (_, unique))| (t, unique))
            .collect();
        std::fs::write(path, serde_json::to_string(&sets)?)?;
    }
    Ok(())
}
