//! `huntbook ti`: threat-intelligence lookups of a column or of text, through local feeds and
//! the providers configured in msticpyconfig.yaml.

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use huntbook_data::config::Config;
use huntbook_enrich::ti::{LookupOptions, TiLookup, feeds};

use super::TextSource;
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook ti …`
#[derive(Debug, Subcommand)]
pub enum TiCommand {
    /// One row per (indicator, provider): ioc, ioc_type, provider, result, severity, details,
    /// raw, status (ok, not_found, unsupported or "error: …"). Types are detected unless
    /// --type-column names them.
    Lookup {
        #[command(flatten)]
        source: TextSource,

        /// A column with each indicator's type (msticpy names: ipv4, dns, url, sha256_hash, …).
        #[arg(long)]
        type_column: Option<String>,

        /// A local feed: CSV, a STIX 2.1 bundle (.json) or a MISP feed folder; repeatable.
        #[arg(long)]
        feed: Vec<String>,

        /// Add the bundled demonstration feed.
        #[arg(long)]
        demo: bool,

        /// The msticpyconfig.yaml whose TIProviders are asked (default: the usual search:
        /// MSTICPYCONFIG, then the current folder, then the home folder).
        #[arg(long)]
        config: Option<String>,

        /// Ask only the local feeds, no online provider.
        #[arg(long)]
        offline: bool,

        /// Do not read or write the on-disk answer cache.
        #[arg(long)]
        no_cache: bool,

        /// Requests in flight at once.
        #[arg(long)]
        concurrency: Option<usize>,
    },
}

/// Runs `huntbook ti …`.
pub fn run(command: TiCommand, global: &Global) -> Result<()> {
    let TiCommand::Lookup {
        source,
        type_column,
        feed,
        demo,
        config,
        offline,
        no_cache,
        concurrency,
    } = command;

    let mut lookup = if offline {
        TiLookup::new()
    } else {
        online(config.as_deref())?
    };
    for path in &feed {
        lookup = lookup.with_provider(open_feed(path)?);
    }
    if demo {
        lookup = lookup.with_provider(feeds::demo_feed()?);
    }
    if lookup.provider_names().is_empty() {
        bail!(
            "no threat-intel provider to ask: pass --feed FILE or --demo, or give a \
             msticpyconfig.yaml (--config) whose TIProviders have their keys"
        );
    }
    let mut options = lookup.options().clone();
    if no_cache {
        options = options.without_cache();
    }
    if let Some(n) = concurrency {
        options = options.with_concurrency(n);
    }
    let lookup = lookup.with_options(options);

    let (frame, columns) = source.load()?;
    let [column] = columns.as_slice() else {
        bail!(
            "give one column of indicators with --column (got {})",
            columns.len()
        );
    };
    let mut needed = vec![column.as_str()];
    needed.extend(type_column.as_deref());
    super::require_columns(&frame, &source.file, &needed, "--column / --type-column")?;

    let timer = Timer::start(global);
    let mut out = lookup.lookup_column(&frame, column, type_column.as_deref())?;
    timer.report(out.height());

    write_frame(&mut out, global.output_format, global.output.as_deref())
}

/// The providers of the configuration, with a warning for each one skipped.
fn online(path: Option<&str>) -> Result<TiLookup> {
    let config = match path {
        Some(path) => Config::from_path(Path::new(path))
            .with_context(|| format!("cannot read the configuration {path}"))?,
        None => Config::load().context("cannot read msticpyconfig.yaml")?,
    };
    let (lookup, notes) = TiLookup::from_config(&config);
    for note in notes {
        eprintln!("huntbook: warning: {note}");
    }
    Ok(lookup.with_options(LookupOptions::default()))
}

fn open_feed(path: &str) -> Result<feeds::FeedProvider> {
    let file = Path::new(path);
    let feed = if file.is_dir() {
        feeds::misp::from_dir(file)
    } else if path.to_ascii_lowercase().ends_with(".json") {
        feeds::stix::from_path(file)
    } else {
        feeds::csv::from_path(file)
    };
    let feed = feed.with_context(|| {
        format!("cannot read the feed {path} (CSV, STIX 2.1 .json or a MISP feed folder)")
    })?;
    for problem in feed.problems() {
        eprintln!("huntbook: warning: feed {path}: {problem}");
    }
    Ok(feed)
}
