//! `huntbook geoip`: where IP addresses are, from the bundled offline databases or `.mmdb`
//! files.

use std::path::Path;

use anyhow::{Context, Result};
use clap::Subcommand;
use huntbook_enrich::geoip::{DownloadOptions, GeoIp, GeoIpDatabase, download_city_db_with};

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

    /// Download DB-IP's free city database (CC BY 4.0, credit db-ip.com) to a file, checked
    /// before it replaces anything; then pass it to `lookup --db`, or set it as
    /// `OtherProviders.GeoIPLite.Args.DBFolder` in msticpyconfig.yaml for notebooks.
    Download {
        /// Where to write the `.mmdb` file.
        dest: String,

        /// Download from here instead of DB-IP's current monthly file.
        #[arg(long)]
        url: Option<String>,
    },
}

/// Runs `huntbook geoip …`.
pub fn run(command: GeoipCommand, global: &Global) -> Result<()> {
    match command {
        GeoipCommand::Lookup {
            source,
            db,
            no_bundled,
        } => lookup(&source, &db, no_bundled, global),
        GeoipCommand::Download { dest, url } => download(&dest, url.as_deref()),
    }
}

fn download(dest: &str, url: Option<&str>) -> Result<()> {
    let mut options = DownloadOptions::default();
    if let Some(url) = url {
        options = options.with_url(url);
    }
    let path = download_city_db_with(Path::new(dest), &options)
        .with_context(|| format!("cannot download the city database to {dest}"))?;
    eprintln!("huntbook: city database written to {}", path.display());
    Ok(())
}

fn lookup(source: &TextSource, db: &[String], no_bundled: bool, global: &Global) -> Result<()> {
    let geo = open(db, no_bundled)?;
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
