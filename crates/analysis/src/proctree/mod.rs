//! Process trees from process-creation events.
//!
//! [`build_process_tree`] takes Windows Security 4688, Sysmon event 1, Defender for Endpoint
//! (`DeviceProcessEvents` or the alert-style `CreatedProcess*` schema), Linux auditd or any
//! frame described by a [`ProcSchema`], links every process to its parent and returns a
//! [`ProcessTree`]: the input rows in tree order with tree columns added (see
//! [`cols`]), an errors frame, and methods to walk the trees.
//!
//! - [`schema`]: [`ProcSchema`], the built-ins ([`BuiltinSchema`]) and [`infer_schema`].
//! - `values` / `input`: reading ids and times whatever their dtype.
//! - `link`: parent linking (by host, pid, name and time, or by Defender's exact parent keys),
//!   PID reuse and inferred parents.
//! - `shape`, `frame`: depth-first order, paths and the output frame.
//! - [`ProcessTree`] (`tree`): roots, children, descendants, ancestors, siblings, summary.
//! - `text`: indented text ([`TextOptions`]).
//! - [`synthetic()`]: seeded 4688-style events for benchmarks.
//!
//! Differences from msticpy 3.0.2, on purpose: parents are only searched on the child's host
//! (msticpy ignores the host), rows without a pid or parseable time are listed in
//! [`ProcessTree::errors`] instead of raising or producing NaN keys, and parents inferred from
//! event logs have a null start time (their key still uses the epoch, as msticpy's does).
//!
//! ```
//! use huntbook_analysis::proctree::{build_process_tree, TreeOptions};
//! use polars::prelude::*;
//!
//! let events = df!(
//!     "EventID" => [1, 1],
//!     "Computer" => ["ws1", "ws1"],
//!     "UtcTime" => ["2024-01-01 10:00:00.000", "2024-01-01 10:00:01.000"],
//!     "Image" => [r"C:\Windows\cmd.exe", r"C:\Windows\whoami.exe"],
//!     "ProcessId" => [100, 200],
//!     "ParentImage" => [r"C:\Windows\explorer.exe", r"C:\Windows\cmd.exe"],
//!     "ParentProcessId" => [50, 100],
//! )?;
//! let tree = build_process_tree(&events, &TreeOptions::default())?;
//! let summary = tree.summary();
//! assert_eq!((summary.processes, summary.roots, summary.largest_depth), (3, 1, 3));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod frame;
mod input;
mod link;
pub mod schema;
mod shape;
mod synthetic;
mod text;
mod tree;
pub(crate) mod values;

use polars::prelude::*;

pub use frame::cols;
pub use schema::{BuiltinSchema, ParentColumns, ProcSchema, infer_schema};
pub use synthetic::synthetic;
pub use text::TextOptions;
pub use tree::{NodeId, ProcessTree, TreeNode, TreeSummary};

use input::{Inputs, RowIssue};
use link::{KeyText, Linked, Node, Origin, Symbols};
use tree::Forest;

/// Why a process tree could not be built at all (row-level problems go to the errors frame).
#[derive(Debug, thiserror::Error)]
pub enum ProcTreeError {
    /// No built-in schema matches the columns.
    #[error(
        "no process-event schema matches these columns ({columns}); pass one with \
         TreeOptions::with_schema(ProcSchema::new(time, name, pid, parent_pid)...)"
    )]
    NoSchema {
        /// The frame's columns, comma-separated.
        columns: String,
    },
    /// A column the schema needs is not in the frame.
    #[error("column '{column}' required by the '{schema}' process schema is not in the frame")]
    MissingColumn {
        /// Schema label.
        schema: String,
        /// The missing column.
        column: String,
    },
    /// A schema name that is not a built-in.
    #[error(
        "unknown process schema '{name}'; use one of win4688, sysmon1, mde, mdeinternal, \
         lxauditd, osquery, fireeyehx"
    )]
    UnknownSchema {
        /// The name given.
        name: String,
    },
    /// polars failed while reading or assembling columns.
    #[error("process tree: {0}")]
    Polars(#[from] PolarsError),
}

/// Options for [`build_process_tree`].
#[derive(Debug, Clone, Default)]
pub struct TreeOptions {
    /// Schema to use; `None` infers it from the column names.
    pub schema: Option<ProcSchema>,
}

impl TreeOptions {
    /// Uses this schema instead of inferring one.
    pub fn with_schema(mut self, schema: ProcSchema) -> Self {
        self.schema = Some(schema);
        self
    }

    /// Uses a built-in schema.
    pub fn with_builtin(self, builtin: BuiltinSchema) -> Self {
        self.with_schema(builtin.schema())
    }
}

/// Builds process trees from process-creation events.
///
/// Malformed rows (no pid, unparseable time, no parent id) never fail the build: they are listed
/// in [`ProcessTree::errors`] and, where usable, kept as roots.
pub fn build_process_tree(
    events: &DataFrame,
    options: &TreeOptions,
) -> Result<ProcessTree, ProcTreeError> {
    let schema = resolve_schema(events, options)?;
    tracing::debug!(schema = %schema.label, rows = events.height(), "building process tree");
    let inputs = Inputs::read(events, &schema)?;
    let Linked {
        mut nodes,
        symbols,
        mut issues,
        skipped_events,
        inputs_end,
    } = link::link(&inputs, &schema);

    let keys = KeyText::new(&symbols);
    let shape = shape::shape(&mut nodes, &keys);
    for cut in &shape.cut {
        issues.push(cycle_issue(&nodes[*cut], &symbols, &schema));
    }

    let layout = frame::Layout {
        nodes: &nodes,
        shape: &shape,
        keys: &keys,
        input_rows: inputs.rows,
        inputs_end,
    };
    let frame = frame::assemble(events, &schema, &layout)?;
    let errors = frame::errors_frame(&issues)?;
    let keys = frame
        .column(cols::PROC_KEY)?
        .as_materialized_series()
        .str()?
        .clone();
    let cmd_columns = [
        inputs.cmd_line.clone(),
        inputs
            .exact
            .as_ref()
            .and_then(|e| e.parent_cmd_line.clone()),
    ];
    let strings = symbols.to_owned_texts();
    let forest = Forest::new(nodes, shape, strings, keys, cmd_columns);
    Ok(ProcessTree {
        frame,
        errors,
        schema,
        forest,
        skipped_events,
        nodes: Default::default(),
        by_key: Default::default(),
    })
}

fn resolve_schema(events: &DataFrame, options: &TreeOptions) -> Result<ProcSchema, ProcTreeError> {
    if let Some(schema) = &options.schema {
        return Ok(schema.clone());
    }
    let names: Vec<&str> = events
        .get_column_names()
        .into_iter()
        .map(|n| n.as_str())
        .collect();
    infer_schema(&names).ok_or_else(|| ProcTreeError::NoSchema {
        columns: names.join(", "),
    })
}

fn cycle_issue(node: &Node, symbols: &Symbols, schema: &ProcSchema) -> RowIssue {
    let row = match node.origin {
        Origin::Input(r) | Origin::Parent(r) | Origin::Grandparent(r) => r,
    };
    RowIssue {
        row,
        field: schema.parent_id.clone(),
        value: Some(symbols.text(node.pid).to_string()),
        message: "parent links formed a cycle; the link was cut and this process kept as a root"
            .to_string(),
    }
}
