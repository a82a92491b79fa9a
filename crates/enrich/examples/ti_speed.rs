//! Times threat-intel lookups of 10,000 indicators against a loopback AbuseIPDB-style server
//! behind a token-bucket rate limit, checks that the limit held, and times the same
//! indicators against the bundled offline demo feed.
//! Run with `cargo run --release -p huntbook-enrich --example ti_speed [count] [rate]`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use huntbook_data::config::Secret;
use huntbook_enrich::ti::feeds::demo_feed;
use huntbook_enrich::ti::providers::AbuseIpdb;
use huntbook_enrich::ti::{LookupOptions, RateLimit, TiLookup};

/// A minimal HTTP/1.1 server answering every request with one AbuseIPDB body, recording
/// when each request arrived.
fn serve(arrivals: Arc<Mutex<Vec<Instant>>>) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let arrivals = arrivals.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                if let Ok(mut arrivals) = arrivals.lock() {
                    arrivals.push(Instant::now());
                }
                let body = r#"{"data":{"abuseConfidenceScore":30,"totalReports":2}}"#;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = (&stream).write_all(reply.as_bytes());
            });
        }
    });
    Ok(url)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rate: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000.0);
    let iocs: Vec<String> = (0..count as u32)
        .map(|i| std::net::Ipv4Addr::from(0x0b00_0000 + i).to_string())
        .collect();

    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let url = serve(arrivals.clone())?;
    let provider = AbuseIpdb::new(Secret::new("demo-key"))
        .with_base_url(&url)
        .with_rate_limit(Some(RateLimit::per_second(rate).with_burst(10)));
    let lookup = TiLookup::new().with_provider(provider).with_options(
        LookupOptions::default()
            .without_cache()
            .with_concurrency(32),
    );
    let start = Instant::now();
    let frame = lookup.lookup_iocs(&iocs)?;
    let wall = start.elapsed().as_secs_f64();
    let ok = frame
        .column("status")?
        .str()?
        .iter()
        .filter(|s| *s == Some("ok"))
        .count();
    let times = arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    let span = match (times.first(), times.last()) {
        (Some(a), Some(b)) => b.duration_since(*a).as_secs_f64(),
        _ => 0.0,
    };
    let observed = (times.len().saturating_sub(10)) as f64 / span.max(1e-9);
    let floor = (count.saturating_sub(10)) as f64 / rate;
    eprintln!(
        "online (loopback, limit {rate}/s burst 10): {count} lookups, {ok} ok, wall {wall:.2} s"
    );
    eprintln!(
        "  requests arrived over {span:.2} s: {observed:.0}/s after the burst (limit {rate}/s); minimum possible wall time {floor:.2} s; limit held: {}",
        observed <= rate * 1.05
    );

    let offline = TiLookup::new()
        .with_provider(demo_feed()?)
        .with_options(LookupOptions::default().without_cache());
    let start = Instant::now();
    let frame = offline.lookup_iocs(&iocs)?;
    eprintln!(
        "offline demo feed: {} rows in {:.2} s",
        frame.height(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
