//! `huntbook b64`: decode base64 runs and unpack what they hide.

use anyhow::Result;
use clap::Subcommand;
use huntbook_analysis::b64::{B64Unpacker, UnpackOptions};
use polars::prelude::*;

use super::TextSource;
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook b64 …`
#[derive(Debug, Subcommand)]
pub enum B64Command {
    /// One row per decoded item (base64 run, archive member, nested run), as a tree:
    /// src_row, reference, depth, decoded text, file type, hashes, status.
    Unpack {
        #[command(flatten)]
        source: TextSource,

        /// Shortest run of base64 characters to try.
        #[arg(long)]
        min_length: Option<usize>,

        /// How deep to recurse into decoded data and archives.
        #[arg(long)]
        max_depth: Option<u32>,

        /// Stop expanding after this many output bytes in total (decompression bombs).
        #[arg(long)]
        max_total_bytes: Option<u64>,
    },
}

/// Runs `huntbook b64 …`.
pub fn run(command: B64Command, global: &Global) -> Result<()> {
    let B64Command::Unpack {
        source,
        min_length,
        max_depth,
        max_total_bytes,
    } = command;

    let mut options = UnpackOptions::default();
    if let Some(chars) = min_length {
        options = options.with_min_length(chars);
    }
    if let Some(depth) = max_depth {
        options = options.with_max_depth(depth);
    }
    if let Some(bytes) = max_total_bytes {
        options = options.with_max_total_bytes(bytes);
    }
    let unpacker = B64Unpacker::new(options);

    let (frame, columns) = source.load()?;
    let timer = Timer::start(global);
    let mut parts = Vec::with_capacity(columns.len());
    for column in &columns {
        let mut part = unpacker.unpack_frame(&frame, column)?;
        part.with_column(Column::new_scalar(
            "src_column".into(),
            Scalar::from(PlSmallStr::from(column.as_str())),
            part.height(),
        ))?;
        parts.push(part);
    }
    let mut out = concat_frames(parts)?;
    timer.report(out.height());

    write_frame(&mut out, global.output_format, global.output.as_deref())
}

fn concat_frames(parts: Vec<DataFrame>) -> Result<DataFrame> {
    let mut iter = parts.into_iter();
    let Some(mut first) = iter.next() else {
        return Ok(DataFrame::empty());
    };
    for part in iter {
        first.vstack_mut(&part)?;
    }
    Ok(first)
}
