//! `huntbook proctree`: process trees from process-creation events.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use huntbook_analysis::auditd::{AuditOptions, read_audit_log};
use huntbook_analysis::proctree::{
    BuiltinSchema, ProcessTree, TextOptions, TreeOptions, TreeSummary, build_process_tree,
};
use polars::prelude::*;

use super::report_problems;
use crate::input::{InputFormat, detect, parse, read_bytes};
use crate::output::write_frame;
use crate::{Global, Timer};

/// `huntbook proctree …`
#[derive(Debug, Subcommand)]
pub enum ProctreeCommand {
    /// The events in tree order with proc_key, parent_key, source_index, parent_index, path,
    /// depth, tree_id, is_root, is_leaf, is_branch and is_inferred added.
    Build {
        /// Windows 4688, Sysmon 1, Defender or auditd events (CSV, JSON lines, JSON,
        /// Parquet), or a raw audit.log with `--schema lxauditd`; `-` for standard input.
        file: String,

        /// The event schema: auto (from the column names), win4688, sysmon, mde,
        /// mdeinternal, lxauditd, osquery or fireeyehx.
        #[arg(long, default_value = "auto")]
        schema: String,

        /// The input's format.
        #[arg(long, value_enum, default_value = "auto")]
        input_format: InputFormat,

        /// One row of counts (processes, roots, leaves, branches, isolated, largest_depth,
        /// problem_rows, schema) instead of the tree.
        #[arg(long, conflicts_with = "text")]
        summary: bool,

        /// The trees as indented text, one line per process.
        #[arg(long)]
        text: bool,

        /// Also write the rows that could not be placed (row, field, value, message) here.
        #[arg(long)]
        errors: Option<String>,
    },
}

/// Runs `huntbook proctree …`.
pub fn run(command: ProctreeCommand, global: &Global) -> Result<()> {
    let ProctreeCommand::Build {
        file,
        schema,
        input_format,
        summary,
        text,
        errors,
    } = command;

    let builtin = parse_schema(&schema)?;
    let events = read_events(&file, input_format, builtin)?;
    let mut options = TreeOptions::default();
    if let Some(builtin) = builtin {
        let wanted = builtin.schema();
        let required = [
            wanted.time.as_str(),
            wanted.process_name.as_str(),
            wanted.process_id.as_str(),
            wanted.parent_id.as_str(),
        ];
        super::require_columns(&events, &file, &required, "--schema")?;
        options = options.with_builtin(builtin);
    }

    let timer = Timer::start(global);
    let tree = build_process_tree(&events, &options)?;
    timer.report(tree.frame().height());

    let mut problems = tree.errors().clone();
    report_problems("process events", &mut problems, errors.as_deref())?;

    if text {
        return write_text(&tree, global);
    }
    let mut out = if summary {
        summary_frame(&tree.summary(), problems.height(), &tree.schema().label)?
    } else {
        tree.frame().clone()
    };
    write_frame(&mut out, global.output_format, global.output.as_deref())
}

fn parse_schema(name: &str) -> Result<Option<BuiltinSchema>> {
    match name.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(None),
        "sysmon" => Ok(Some(BuiltinSchema::Sysmon1)),
        other => match other.parse::<BuiltinSchema>() {
            Ok(builtin) => Ok(Some(builtin)),
            Err(err) => bail!("{err}, or auto"),
        },
    }
}

/// The events as a frame; a raw audit.log is parsed into events first.
fn read_events(
    file: &str,
    format: InputFormat,
    builtin: Option<BuiltinSchema>,
) -> Result<DataFrame> {
    let bytes = read_bytes(file)?;
    let format = match format {
        InputFormat::Auto => detect(file, &bytes),
        other => other,
    };
    let looks_like_audit = bytes.starts_with(b"type=") || bytes.starts_with(b"node=");
    if format == InputFormat::Text && (builtin == Some(BuiltinSchema::LxAuditd) || looks_like_audit)
    {
        let text = String::from_utf8_lossy(&bytes);
        return Ok(read_audit_log(&text, &AuditOptions::default())?);
    }
    // Anything else that is not JSON or Parquet is read as CSV (piped CSV has no name).
    let format = match format {
        InputFormat::Text => InputFormat::Csv,
        other => other,
    };
    parse(bytes, format).with_context(|| {
        format!(
            "cannot read {} as {format:?}; give process events as CSV, JSON lines, JSON or \
             Parquet, or a raw audit.log with --schema lxauditd",
            super::display_file(file)
        )
    })
}

fn summary_frame(summary: &TreeSummary, problems: usize, schema: &str) -> Result<DataFrame> {
    let count = |n: usize| n as u64;
    Ok(df!(
        "processes" => [count(summary.processes)],
        "roots" => [count(summary.roots)],
        "leaves" => [count(summary.leaves)],
        "branches" => [count(summary.branches)],
        "isolated" => [count(summary.isolated)],
        "largest_depth" => [count(summary.largest_depth)],
        "problem_rows" => [count(problems)],
        "schema" => [schema],
    )?)
}

fn write_text(tree: &ProcessTree, global: &Global) -> Result<()> {
    use std::io::Write;

    let text = tree.to_text(&TextOptions::default());
    let mut sink = crate::output::open_sink(global.output.as_deref())?;
    match sink.write_all(text.as_bytes()).and_then(|()| sink.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
