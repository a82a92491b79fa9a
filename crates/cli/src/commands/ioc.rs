//! `huntbook ioc`: extract indicators, refang and defang text.

use anyhow::{Context, Result};
use clap::Subcommand;
use huntbook_analysis::ioc::{IocExtractor, IocOptions, defang, refang};
use huntbook_data::IocType;

use super::{TextInput, TextSource};
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook ioc …`
#[derive(Debug, Subcommand)]
pub enum IocCommand {
    /// One row per indicator found: source_row, source_column, ioc_type, value, start, end,
    /// defanged, ip_class.
    Extract {
        #[command(flatten)]
        source: TextSource,

        /// Only these types (msticpy names: ipv4, dns, url, md5_hash, …).
        #[arg(long, value_delimiter = ',')]
        types: Vec<IocType>,

        /// Leave out these types.
        #[arg(long, value_delimiter = ',')]
        exclude: Vec<IocType>,

        /// Values to drop from the results (repeat or comma-separate).
        #[arg(long, value_delimiter = ',')]
        ignore: Vec<String>,

        /// Unique (ioc_type, value) pairs with counts instead of one row per finding.
        #[arg(long)]
        summary: bool,
    },

    /// Rewrite defanged indicators (hxxp, [.]) in text back to their real form.
    Refang {
        /// The file to read, or `-` for standard input.
        file: String,
    },

    /// Make the indicators in text safe to paste (http → hxxp, . → [.]).
    Defang {
        /// The file to read, or `-` for standard input.
        file: String,
    },
}

/// Runs `huntbook ioc …`.
pub fn run(command: IocCommand, global: &Global) -> Result<()> {
    match command {
        IocCommand::Extract {
            source,
            types,
            exclude,
            ignore,
            summary,
        } => extract(&source, &types, &exclude, &ignore, summary, global),
        IocCommand::Refang { file } => rewrite(&file, refang, global),
        IocCommand::Defang { file } => rewrite(&file, defang, global),
    }
}

fn extract(
    source: &TextSource,
    types: &[IocType],
    exclude: &[IocType],
    ignore: &[String],
    summary: bool,
    global: &Global,
) -> Result<()> {
    let input = source.read()?;

    let mut options = IocOptions::default().with_ignore(ignore);
    if !types.is_empty() {
        options = options.with_types(types.iter().copied());
    }
    for ioc_type in exclude {
        options = options.without_type(*ioc_type);
    }
    let extractor = IocExtractor::new(options)?;

    let timer = Timer::start(global);
    let mut found = match &input {
        TextInput::Lines(text) => extractor.extract_lines(text)?,
        TextInput::Table(frame, columns) => {
            let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
            extractor.extract_frame(frame, &columns)?
        }
    };
    if summary {
        found = huntbook_analysis::ioc::summarise_frame(&found)?;
    }
    timer.report(found.height());

    write_frame(&mut found, global.output_format, global.output.as_deref())
}

fn rewrite(file: &str, transform: fn(&str) -> String, global: &Global) -> Result<()> {
    use std::io::Write;

    let text = crate::input::read_text(file)?;
    let timer = Timer::start(global);
    let out = transform(&text);
    timer.report(out.lines().count());

    let mut sink: Box<dyn Write> = match global.output.as_deref() {
        None | Some("-") => Box::new(std::io::stdout().lock()),
        Some(path) => {
            Box::new(std::fs::File::create(path).with_context(|| format!("cannot create {path}"))?)
        }
    };
    match sink.write_all(out.as_bytes()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the result"),
    }
}
