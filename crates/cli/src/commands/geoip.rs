//! `huntbook geoip`: where IP addresses are, from the bundled offline databases or `.mmdb`
//! files.

use std::path::Path;

use anyhow::{Context, Result};
use clap::Subcommand;
use huntbook_enrich::geoip::{GeoIp, GeoIpDatabase};

use super::TextSource;
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook geoip …`
#[derive(Debug, Subcommand)]
pub enum GeoipCommand {
    /// One row per input value, in order: ip, country_code, country_name, region, city,
    /// latitude, longitude, asn, organisation, source, error.
    Lookup {
        #[command(flatten)]
        source: TextSource,

        /// A MaxMind-format database (GeoLite2/GeoIP2 City or Country, DB-IP lite) consulted
        /// before the bundled ones; repeat for several.
        #[arg(long)]
        db: Vec<String>,

        /// Use only the --db databases: no bundled country database, no ASN ranges.
        #[arg(long, requires = "db")]
        no_bundled: bool,
    },
}

/// Runs `huntbook geoip …`.
pub fn run(command: GeoipCommand, global: &Global) -> Result<()> {
    let GeoipCommand::Lookup {
        source,
        db,
        no_bundled,
    } = command;

    let geo = open(&db, no_bundled)?;
    let (frame, columns) = source.load()?;
    let [column] = columns.as_slice() else {
        anyhow::bail!(
            "give one column of addresses with --column (got {})",
            columns.len()
        );
    };
    super::require_columns(&frame, &source.file, &[column], "--column")?;

    let timer = Timer::start(global);
    let mut out = geo.lookup_column(&frame, column)?;
    timer.report(out.height());

    write_frame(&mut out, global.output_format, global.output.as_deref())
}

fn open(paths: &[String], no_bundled: bool) -> Result<GeoIp> {
    let mut geo = if no_bundled {
        GeoIp::empty()
    } else {
        GeoIp::offline().context("cannot load the bundled GeoIP data")?
    };
    for path in paths.iter().rev() {
        let database = GeoIpDatabase::open(Path::new(path))
            .with_context(|| format!("cannot open GeoIP database {path}"))?;
        geo = geo.with_database(database);
    }
    Ok(geo)
}
