//! The output frame: input rows in tree order, inferred parents filled in, tree columns added.
//!
//! Inferred rows take their schema columns from the child row they were inferred from (the
//! parent id becomes the process id, the parent name the process name, …); other columns are
//! null.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use polars::prelude::*;

use super::input::RowIssue;
use super::link::{KeyText, Node, Origin};
use super::schema::ProcSchema;
use super::shape::Shape;
use super::values::{KeyTimeWriter, TextColumn, push_padded};

/// Names of the columns the builder adds.
pub mod cols {
    /// `name|pid|time` key of the process (msticpy's format).
    pub const PROC_KEY: &str = "proc_key";
    /// Key of the parent process (null for roots).
    pub const PARENT_KEY: &str = "parent_key";
    /// Zero-padded input row number (inferred rows number on after the input).
    pub const SOURCE_INDEX: &str = "source_index";
    /// `source_index` of the parent (null for roots).
    pub const PARENT_INDEX: &str = "parent_index";
    /// Root-to-node chain of `source_index`, joined with `/`.
    pub const PATH: &str = "path";
    /// Number of ancestors (roots are 0).
    pub const DEPTH: &str = "depth";
    /// Tree number, 0-based, in root start-time order.
    pub const TREE_ID: &str = "tree_id";
    /// No parent.
    pub const IS_ROOT: &str = "is_root";
    /// No children.
    pub const IS_LEAF: &str = "is_leaf";
    /// Has a parent and children.
    pub const IS_BRANCH: &str = "is_branch";
    /// Not in the input: inferred from a child's parent columns.
    pub const IS_INFERRED: &str = "is_inferred";
    /// Target logon id when set and not `0x0`, else the logon id.
    pub const EFFECTIVE_LOGON_ID: &str = "effective_logon_id";

    /// Every added column.
    pub const ALL: [&str; 12] = [
        PROC_KEY,
        PARENT_KEY,
        SOURCE_INDEX,
        PARENT_INDEX,
        PATH,
        DEPTH,
        TREE_ID,
        IS_ROOT,
        IS_LEAF,
        IS_BRANCH,
        IS_INFERRED,
        EFFECTIVE_LOGON_ID,
    ];
}

/// What the output frame is built from: the linked nodes and their tree shape.
pub(crate) struct Layout<'a> {
    pub nodes: &'a [Node],
    pub shape: &'a Shape,
    pub keys: &'a KeyText<'a>,
    /// Rows of the input frame.
    pub input_rows: usize,
    /// Nodes below this id are input rows; the rest were inferred, in `source_index` order.
    pub inputs_end: usize,
}

/// Builds the output frame in `shape.order`.
///
/// Input columns are gathered with one `take` each (inferred rows from the parent columns
/// appended below the input); tree columns are written in tree order or gathered from
/// node-order columns, so nothing is looked up row by row in a frame.
pub(crate) fn assemble(
    df: &DataFrame,
    schema: &ProcSchema,
    layout: &Layout,
) -> PolarsResult<DataFrame> {
    let origins: Vec<Origin> = layout
        .shape
        .order
        .iter()
        .map(|id| layout.nodes[*id].origin)
        .collect();
    let own = gather_index(&origins, None, None)?;
    let gather = InputGather::new(df, schema, &origins, &own);
    // The tree columns do not depend on the input columns: build them on a second thread,
    // which then helps with whatever input columns are left.
    let (input, tree) = std::thread::scope(|scope| {
        let tree = scope.spawn(|| -> PolarsResult<(Vec<Column>, Placed)> {
            let mut tree = tree_columns(layout, &origins)?;
            tree.extend(effective_logon(df, schema, &own)?);
            Ok((tree, gather.run()?))
        });
        let input = gather.run();
        (input, tree.join())
    });
    let tree = tree.map_err(|_| {
        PolarsError::ComputeError("process tree: the tree-column thread panicked".into())
    })?;
    let (tree, helped) = tree?;
    let mut input = input?;
    input.extend(helped);
    input.sort_unstable_by_key(|(i, _)| *i);
    let mut columns: Vec<Column> = input.into_iter().map(|(_, c)| c).collect();
    columns.extend(tree);
    DataFrame::new(origins.len(), columns)
}

/// Which input column feeds an inferred row's column.
fn overlays(schema: &ProcSchema) -> (HashMap<String, String>, HashMap<String, String>) {
    let mut parent = HashMap::new();
    let mut grand = HashMap::new();
    parent.insert(schema.process_id.clone(), schema.parent_id.clone());
    if let Some(pn) = &schema.parent_name {
        parent.insert(schema.process_name.clone(), pn.clone());
    }
    for same in [&schema.host, &schema.event_id_column]
        .into_iter()
        .flatten()
    {
        parent.insert(same.clone(), same.clone());
        grand.insert(same.clone(), same.clone());
    }
    if let Some(p) = &schema.parent_columns {
        parent.insert(schema.time.clone(), p.parent_time.clone());
        parent.insert(schema.parent_id.clone(), p.grandparent_id.clone());
        if let Some(pn) = &schema.parent_name {
            parent.insert(pn.clone(), p.grandparent_name.clone());
        }
        if let (Some(cl), Some(pcl)) = (&schema.cmd_line, &p.parent_cmd_line) {
            parent.insert(cl.clone(), pcl.clone());
        }
        grand.insert(schema.process_id.clone(), p.grandparent_id.clone());
        grand.insert(schema.process_name.clone(), p.grandparent_name.clone());
        grand.insert(schema.time.clone(), p.grandparent_time.clone());
    }
    (parent, grand)
}

/// Which input row each output row takes a column's value from: an input row's own row;
/// an inferred row's child row, offset to where that column's parent (or grandparent) source
/// sits below the input; null when the column has no such source.
fn gather_index(
    origins: &[Origin],
    parent_at: Option<usize>,
    grand_at: Option<usize>,
) -> PolarsResult<IdxCa> {
    let mut idx = Vec::with_capacity(origins.len());
    for origin in origins {
        let at = match *origin {
            Origin::Input(r) => Some(r),
            Origin::Parent(r) => parent_at.map(|o| o + r),
            Origin::Grandparent(r) => grand_at.map(|o| o + r),
        };
        idx.push(at.map(idx_size).transpose()?);
    }
    Ok(IdxCa::from_iter_options(
        PlSmallStr::from_static("idx"),
        idx.into_iter(),
    ))
}

fn idx_size(i: usize) -> PolarsResult<IdxSize> {
    IdxSize::try_from(i).map_err(|_| {
        PolarsError::ComputeError("process tree too large for polars row indexes".into())
    })
}

/// Gathered input columns, each with its position in the input frame.
type Placed = Vec<(usize, Column)>;

/// Gathers the input columns in tree order; the two threads of [`assemble`] share the work,
/// each claiming the next column until none is left.
struct InputGather<'a> {
    df: &'a DataFrame,
    origins: &'a [Origin],
    own: &'a IdxCa,
    parent_map: HashMap<String, String>,
    grand_map: HashMap<String, String>,
    has_parents: bool,
    has_grands: bool,
    next: AtomicUsize,
}

impl<'a> InputGather<'a> {
    fn new(
        df: &'a DataFrame,
        schema: &ProcSchema,
        origins: &'a [Origin],
        own: &'a IdxCa,
    ) -> InputGather<'a> {
        let (parent_map, grand_map) = overlays(schema);
        InputGather {
            df,
            origins,
            own,
            parent_map,
            grand_map,
            has_parents: origins.iter().any(|o| matches!(o, Origin::Parent(_))),
            has_grands: origins.iter().any(|o| matches!(o, Origin::Grandparent(_))),
            next: AtomicUsize::new(0),
        }
    }

    /// Gathers columns until every one has been claimed, each with its input position.
    fn run(&self) -> PolarsResult<Placed> {
        let mut out = Vec::new();
        loop {
            let i = self.next.fetch_add(1, AtomicOrdering::Relaxed);
            let Some(col) = self.df.columns().get(i) else {
                return Ok(out);
            };
            if let Some(gathered) = self.column(col)? {
                out.push((i, gathered));
            }
        }
    }

    /// One input column in tree order; `None` for a column the tree columns replace.
    fn column(&self, col: &Column) -> PolarsResult<Option<Column>> {
        let df = self.df;
        let name = col.name().as_str();
        if cols::ALL.contains(&name) {
            tracing::warn!(
                column = name,
                "input column replaced by the process-tree column"
            );
            return Ok(None);
        }
        let base = col.as_materialized_series();
        let source = |map: &HashMap<String, String>, wanted: bool| {
            let source = map.get(name).and_then(|s| df.column(s).ok());
            source
                .filter(|_| wanted)
                .and_then(|s| s.as_materialized_series().cast(base.dtype()).ok())
        };
        let parent = source(&self.parent_map, self.has_parents);
        let grand = source(&self.grand_map, self.has_grands);
        if parent.is_none() && grand.is_none() {
            return Ok(Some(base.rechunk().take(self.own)?.into_column()));
        }
        // The input, then the parent source, then the grandparent source, as one column.
        let mut all = base.clone();
        let rows = base.len();
        let mut next = rows;
        let mut place = |extra: &Option<Series>, all: &mut Series| -> PolarsResult<Option<usize>> {
            let Some(extra) = extra else { return Ok(None) };
            all.append(extra)?;
            next += rows;
            Ok(Some(next - rows))
        };
        let parent_at = place(&parent, &mut all)?;
        let grand_at = place(&grand, &mut all)?;
        let idx = gather_index(self.origins, parent_at, grand_at)?;
        Ok(Some(all.rechunk().take(&idx)?.into_column()))
    }
}

/// Root-to-node chains of `source_index` numbers, in tree order (each parent's chain is
/// written before its children's, so a child's is a copy of its parent's plus one step).
fn paths(parents: &[Option<usize>], numbers: &[usize]) -> StrTable {
    let mut table = StrTable::with_capacity(numbers.len(), numbers.len() * 8 * 7);
    for (parent, number) in parents.iter().zip(numbers) {
        match parent {
            Some(p) => table.push_extending(*p, |buf| {
                buf.push('/');
                push_row_number(buf, *number);
            }),
            None => table.push_with(|buf| push_row_number(buf, *number)),
        }
    }
    table
}

/// Appends `row` zero-padded to five digits (`format!("{row:05}")`).
fn push_row_number(buf: &mut String, row: usize) {
    match u32::try_from(row) {
        Ok(r) => push_padded(buf, r, 5),
        Err(_) => buf.push_str(&format!("{row:05}")),
    }
}

/// Every node's `proc_key`, in node order.
fn key_column(nodes: &[Node], keys: &KeyText) -> StringChunked {
    let mut builder = StringChunkedBuilder::new(cols::PROC_KEY.into(), nodes.len());
    let mut buf = String::new();
    let mut times = KeyTimeWriter::default();
    for n in nodes {
        buf.clear();
        keys.write_with(&mut buf, n, &mut times);
        builder.append_value(buf.as_str());
    }
    builder.finish()
}

fn tree_columns(layout: &Layout, origins: &[Origin]) -> PolarsResult<Vec<Column>> {
    let shape = layout.shape;
    let order = &shape.order;
    let order_idx = IdxCa::from_vec(
        PlSmallStr::from_static("idx"),
        order
            .iter()
            .map(|i| idx_size(*i))
            .collect::<PolarsResult<_>>()?,
    );
    let parent_idx = IdxCa::from_iter_options(
        PlSmallStr::from_static("idx"),
        shape
            .parent
            .iter()
            .map(|p| p.map(idx_size).transpose())
            .collect::<PolarsResult<Vec<_>>>()?
            .into_iter(),
    );
    let proc_key = key_column(layout.nodes, layout.keys).take(&order_idx)?;
    let parent_key = proc_key.take(&parent_idx)?;

    // Input rows keep their row number; inferred rows number on in node order.
    let numbers: Vec<usize> = order
        .iter()
        .zip(origins)
        .map(|(id, origin)| match origin {
            Origin::Input(row) => *row,
            _ => layout.input_rows + (id - layout.inputs_end),
        })
        .collect();
    let mut builder = StringChunkedBuilder::new(cols::SOURCE_INDEX.into(), numbers.len());
    let mut buf = String::new();
    for n in &numbers {
        buf.clear();
        push_row_number(&mut buf, *n);
        builder.append_value(buf.as_str());
    }
    let source_index = builder.finish();
    let parent_index = source_index.take(&parent_idx)?;
    let paths = paths(&shape.parent, &numbers);
    let path =
        StringChunked::from_iter_values(cols::PATH.into(), (0..order.len()).map(|i| paths.get(i)));
    drop(paths);

    let flag = |name: &str, f: &dyn Fn(usize) -> bool| {
        BooleanChunked::from_iter_values(name.into(), (0..order.len()).map(f)).into_column()
    };
    let is_root = |i: usize| shape.parent[i].is_none();
    let has_kids = |i: usize| shape.has_children[i];
    let named = |ca: StringChunked, name: &str| ca.with_name(name.into()).into_column();
    Ok(vec![
        named(proc_key, cols::PROC_KEY),
        named(parent_key, cols::PARENT_KEY),
        named(source_index, cols::SOURCE_INDEX),
        named(parent_index, cols::PARENT_INDEX),
        path.into_column(),
        UInt32Chunked::from_vec(cols::DEPTH.into(), shape.depth.clone()).into_column(),
        UInt32Chunked::from_vec(cols::TREE_ID.into(), shape.tree_id.clone()).into_column(),
        flag(cols::IS_ROOT, &is_root),
        flag(cols::IS_LEAF, &|i| !has_kids(i)),
        flag(cols::IS_BRANCH, &|i| !is_root(i) && has_kids(i)),
        flag(cols::IS_INFERRED, &|i| order[i] >= layout.inputs_end),
    ])
}

/// The target logon id when set and not `0x0`, else the logon id; computed in input order, then
/// gathered (inferred rows are null).
fn effective_logon(
    df: &DataFrame,
    schema: &ProcSchema,
    own: &IdxCa,
) -> PolarsResult<Option<Column>> {
    let Some(logon) = schema.logon_id.as_deref().and_then(|c| df.column(c).ok()) else {
        return Ok(None);
    };
    let logon = TextColumn::new(logon)?;
    let target = match schema
        .target_logon_id
        .as_deref()
        .and_then(|c| df.column(c).ok())
    {
        Some(c) => Some(TextColumn::new(c)?),
        None => None,
    };
    let value = |row: usize| {
        let tgt = target
            .as_ref()
            .and_then(|t| t.get(row))
            .filter(|t| *t != "0x0" && *t != "0");
        tgt.or_else(|| logon.get(row))
    };
    let name = cols::EFFECTIVE_LOGON_ID.into();
    let by_row = StringChunked::from_iter_options(name, (0..df.height()).map(value));
    Ok(Some(by_row.take(own)?.into_column()))
}

/// Strings stored end to end in one buffer, addressed by position.
#[derive(Debug, Default)]
struct StrTable {
    buf: String,
    ends: Vec<usize>,
}

impl StrTable {
    /// An empty table with room for `items` strings of `bytes` bytes in all.
    fn with_capacity(items: usize, bytes: usize) -> StrTable {
        StrTable {
            buf: String::with_capacity(bytes),
            ends: Vec::with_capacity(items),
        }
    }

    /// Appends one string, written by `write` at the end of the buffer.
    fn push_with(&mut self, write: impl FnOnce(&mut String)) {
        write(&mut self.buf);
        self.ends.push(self.buf.len());
    }

    /// Appends a copy of string `i` (already in the table) followed by `write`'s text.
    fn push_extending(&mut self, i: usize, write: impl FnOnce(&mut String)) {
        let range = self.range(i);
        self.buf.extend_from_within(range);
        self.push_with(write);
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = match i.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        start..end
    }

    /// String `i` (empty when out of range).
    fn get(&self, i: usize) -> &str {
        self.buf.get(self.range(i)).unwrap_or_default()
    }
}

/// The errors frame: `row` (input row), `field`, `value`, `message`.
pub(crate) fn errors_frame(issues: &[RowIssue]) -> PolarsResult<DataFrame> {
    let rows: Vec<u32> = issues.iter().map(|i| i.row as u32).collect();
    let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
    let values: Vec<Option<&str>> = issues.iter().map(|i| i.value.as_deref()).collect();
    let messages: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
    DataFrame::new(
        issues.len(),
        vec![
            Column::new("row".into(), rows),
            Column::new("field".into(), fields),
            Column::new("value".into(), values),
            Column::new("message".into(), messages),
        ],
    )
}
