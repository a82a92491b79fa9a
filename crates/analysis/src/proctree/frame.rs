//! The output frame: input rows in tree order, inferred parents filled in, tree columns added.
//!
//! Inferred rows take their schema columns from the child row they were inferred from (the
//! parent id becomes the process id, the parent name the process name, …); other columns are
//! null.

use std::collections::HashMap;

use polars::prelude::*;

use super::input::RowIssue;
use super::link::{Node, Origin, StrTable};
use super::schema::ProcSchema;
use super::shape::Shape;
use super::values::{TextColumn, push_padded};

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

/// Zero-padded `source_index` of every node, in node order.
pub(crate) fn source_indexes(nodes: &[Node], input_rows: usize) -> StrTable {
    let mut table = StrTable::with_capacity(nodes.len(), nodes.len() * 7);
    let mut next = input_rows;
    for n in nodes {
        let row = match n.origin {
            Origin::Input(row) => row,
            _ => {
                next += 1;
                next - 1
            }
        };
        table.push_with(|buf| push_row_number(buf, row));
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

/// What the output frame is built from: the linked nodes in tree order and their key and
/// `source_index` text (in node order).
pub(crate) struct Layout<'a> {
    pub nodes: &'a [Node],
    pub shape: &'a Shape,
    pub keys: &'a StrTable,
    pub src: &'a StrTable,
}

/// Builds the output frame in `shape.order`.
pub(crate) fn assemble(
    df: &DataFrame,
    schema: &ProcSchema,
    layout: &Layout,
) -> PolarsResult<DataFrame> {
    let order = &layout.shape.order;
    let mut columns = input_columns(df, schema, layout.nodes, order)?;
    columns.extend(tree_columns(layout));
    if let Some(c) = effective_logon(df, schema, layout.nodes, order)? {
        columns.push(c);
    }
    DataFrame::new(order.len(), columns)
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

fn gather_index(nodes: &[Node], order: &[usize], pick: impl Fn(Origin) -> Option<usize>) -> IdxCa {
    let idx: Vec<Option<IdxSize>> = order
        .iter()
        .map(|id| pick(nodes[*id].origin).map(|r| r as IdxSize))
        .collect();
    IdxCa::from_iter_options(PlSmallStr::from_static("idx"), idx.into_iter())
}

fn input_columns(
    df: &DataFrame,
    schema: &ProcSchema,
    nodes: &[Node],
    order: &[usize],
) -> PolarsResult<Vec<Column>> {
    let (parent_map, grand_map) = overlays(schema);
    let own = gather_index(nodes, order, |o| {
        if let Origin::Input(r) = o {
            Some(r)
        } else {
            None
        }
    });
    let par = gather_index(nodes, order, |o| {
        if let Origin::Parent(r) = o {
            Some(r)
        } else {
            None
        }
    });
    let gp = gather_index(nodes, order, |o| match o {
        Origin::Grandparent(r) => Some(r),
        _ => None,
    });
    let mut out = Vec::with_capacity(df.width());
    for col in df.columns() {
        let name = col.name().as_str();
        if cols::ALL.contains(&name) {
            tracing::warn!(
                column = name,
                "input column replaced by the process-tree column"
            );
            continue;
        }
        let mut series = col.as_materialized_series().take(&own)?;
        for (map, idx) in [(&parent_map, &par), (&grand_map, &gp)] {
            if let Some(source) = map.get(name).and_then(|s| df.column(s).ok()) {
                series = overlay(series, source, idx)?;
            }
        }
        out.push(series.into_column());
    }
    Ok(out)
}

/// Takes `source` at `idx` where `idx` is set, keeping `base` elsewhere.
fn overlay(base: Series, source: &Column, idx: &IdxCa) -> PolarsResult<Series> {
    if idx.null_count() == idx.len() {
        return Ok(base);
    }
    let taken = source.as_materialized_series().take(idx)?;
    let Ok(taken) = taken.cast(base.dtype()) else {
        return Ok(base);
    };
    let mask = idx.is_not_null();
    Ok(taken.zip_with(&mask, &base)?.with_name(base.name().clone()))
}

/// Root-to-node chains of `source_index`, in tree order (each parent's chain is written
/// before its children's, so a child's is a copy of its parent's plus one step).
fn paths(layout: &Layout) -> StrTable {
    let Layout {
        nodes, shape, src, ..
    } = layout;
    let order = &shape.order;
    let mut pos = vec![0_usize; nodes.len()];
    let mut table = StrTable::with_capacity(order.len(), order.len() * 8 * 7);
    for (i, id) in order.iter().enumerate() {
        pos[*id] = i;
        match nodes[*id].parent {
            Some(p) => table.push_extending(pos[p], |buf| {
                buf.push('/');
                buf.push_str(src.get(*id));
            }),
            None => table.push_with(|buf| buf.push_str(src.get(*id))),
        }
    }
    table
}

fn tree_columns(layout: &Layout) -> Vec<Column> {
    let Layout {
        nodes,
        shape,
        keys,
        src,
    } = layout;
    let order = &shape.order;
    let paths = paths(layout);
    let parent_of = |id: usize| nodes[id].parent;
    let has_kids = |id: usize| !shape.children.of(id).is_empty();
    let text = |name: &str, values: &mut dyn Iterator<Item = &str>| {
        StringChunked::from_iter_values(name.into(), values).into_column()
    };
    let opt_text = |name: &str, values: &mut dyn Iterator<Item = Option<&str>>| {
        StringChunked::from_iter_options(name.into(), values).into_column()
    };
    let flag = |name: &str, f: &dyn Fn(usize) -> bool| {
        BooleanChunked::from_iter_values(name.into(), order.iter().map(|i| f(*i))).into_column()
    };
    let numbers = |name: &str, v: &[u32]| {
        UInt32Chunked::from_iter_values(name.into(), order.iter().map(|i| v[*i])).into_column()
    };
    vec![
        text(cols::PROC_KEY, &mut order.iter().map(|i| keys.get(*i))),
        opt_text(
            cols::PARENT_KEY,
            &mut order.iter().map(|i| parent_of(*i).map(|p| keys.get(p))),
        ),
        text(cols::SOURCE_INDEX, &mut order.iter().map(|i| src.get(*i))),
        opt_text(
            cols::PARENT_INDEX,
            &mut order.iter().map(|i| parent_of(*i).map(|p| src.get(p))),
        ),
        text(cols::PATH, &mut (0..order.len()).map(|i| paths.get(i))),
        numbers(cols::DEPTH, &shape.depth),
        numbers(cols::TREE_ID, &shape.tree_id),
        flag(cols::IS_ROOT, &|i| parent_of(i).is_none()),
        flag(cols::IS_LEAF, &|i| !has_kids(i)),
        flag(cols::IS_BRANCH, &|i| parent_of(i).is_some() && has_kids(i)),
        flag(cols::IS_INFERRED, &|i| {
            !matches!(nodes[i].origin, Origin::Input(_))
        }),
    ]
}

fn effective_logon(
    df: &DataFrame,
    schema: &ProcSchema,
    nodes: &[Node],
    order: &[usize],
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
    let values = order.iter().map(|id| match nodes[*id].origin {
        Origin::Input(row) => value(row),
        _ => None,
    });
    let ca = StringChunked::from_iter_options(cols::EFFECTIVE_LOGON_ID.into(), values);
    Ok(Some(ca.into_column()))
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
