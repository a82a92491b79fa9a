//! [`ProcessTree`]: the built frame plus an in-memory index for walking the trees.
//!
//! A [`NodeId`] is a row number of [`ProcessTree::frame`]; every navigation method returns node
//! ids, and [`ProcessTree::rows`] turns them back into frame rows.

use std::fmt;
use std::sync::OnceLock;

use polars::prelude::*;

use super::link::{Node, Origin};
use super::schema::ProcSchema;
use super::shape::Shape;
use super::values::TextColumn;

/// A process in a [`ProcessTree`]: its row number in [`ProcessTree::frame`].
pub type NodeId = usize;

/// What the tree knows about one process.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    /// `name|pid|time` key (the `proc_key` column).
    pub key: String,
    /// Process name or path as in the data.
    pub name: String,
    /// Process id as in the data.
    pub pid: String,
    /// Host, when the schema has one.
    pub host: Option<String>,
    /// Start time, nanoseconds since the Unix epoch (UTC); `None` for parents inferred from
    /// event logs (Defender's inferred parents carry their creation time).
    pub time: Option<i64>,
    /// Command line, when known.
    pub cmd_line: Option<String>,
    /// Parent node.
    pub parent: Option<NodeId>,
    /// Child nodes in start-time order.
    pub children: Vec<NodeId>,
    /// Number of ancestors.
    pub depth: u32,
    /// Tree number.
    pub tree_id: u32,
    /// Inferred from a child's parent columns rather than read from the data.
    pub inferred: bool,
}

/// Counts over the whole forest, with msticpy's `get_summary_info` definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TreeSummary {
    /// Processes (rows of the frame, inferred ones included).
    pub processes: usize,
    /// Processes without a parent.
    pub roots: usize,
    /// Processes without children.
    pub leaves: usize,
    /// Processes with a parent and children.
    pub branches: usize,
    /// Roots that are also leaves.
    pub isolated: usize,
    /// Nodes on the longest root-to-leaf path (msticpy's `LargestTreeDepth`).
    pub largest_depth: usize,
}

impl fmt::Display for TreeSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "processes: {}, roots: {}, leaves: {}, branches: {}, isolated: {}, largest depth: {}",
            self.processes,
            self.roots,
            self.leaves,
            self.branches,
            self.isolated,
            self.largest_depth
        )
    }
}

/// Process trees built from process events.
#[derive(Debug, Clone)]
pub struct ProcessTree {
    pub(crate) frame: DataFrame,
    pub(crate) errors: DataFrame,
    pub(crate) schema: ProcSchema,
    pub(crate) forest: Forest,
    pub(crate) skipped_events: usize,
    /// [`TreeNode`]s, built on first use: walking and counting only need [`Forest`].
    pub(crate) nodes: OnceLock<Vec<TreeNode>>,
    /// `proc_key` → first node with it, built on first use.
    pub(crate) by_key: OnceLock<PlHashMap<String, NodeId>>,
}

/// The links and values of every node in compact form: links by [`NodeId`] (frame row), values
/// in the linker's node order, reached through `order`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forest {
    /// Linker node id of each frame row.
    order: Vec<usize>,
    /// Linker nodes, by node id.
    nodes: Vec<Node>,
    parent: Vec<Option<NodeId>>,
    /// Row `i`'s children are `child_list[child_start[i]..child_start[i + 1]]`.
    child_start: Vec<usize>,
    child_list: Vec<NodeId>,
    depth: Vec<u32>,
    tree_id: Vec<u32>,
    /// The texts of [`Node`]'s string ids.
    strings: Vec<String>,
    /// The `proc_key` column.
    keys: StringChunked,
    /// The command-line column and Defender's parent command-line column.
    cmd_columns: [Option<TextColumn>; 2],
}

impl Forest {
    /// The forest of linked `nodes` laid out as `shape`.
    pub fn new(
        nodes: Vec<Node>,
        shape: Shape,
        strings: Vec<String>,
        keys: StringChunked,
        cmd_columns: [Option<TextColumn>; 2],
    ) -> Forest {
        let (child_start, child_list) = child_lists(&shape.parent);
        Forest {
            order: shape.order,
            nodes,
            parent: shape.parent,
            child_start,
            child_list,
            depth: shape.depth,
            tree_id: shape.tree_id,
            strings,
            keys,
            cmd_columns,
        }
    }

    fn len(&self) -> usize {
        self.parent.len()
    }

    fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.parent.get(id).copied().flatten()
    }

    fn children(&self, id: NodeId) -> &[NodeId] {
        let a = self.child_start.get(id).copied().unwrap_or(0);
        let b = self.child_start.get(id + 1).copied().unwrap_or(a);
        self.child_list.get(a..b).unwrap_or_default()
    }

    fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(*self.order.get(id)?)
    }

    fn host(&self, id: NodeId) -> Option<u32> {
        self.node(id)?.host
    }

    fn text(&self, sym: u32) -> &str {
        self.strings.get(sym as usize).map_or("", String::as_str)
    }

    fn cmd_line(&self, origin: Origin) -> Option<String> {
        let [own, parent] = &self.cmd_columns;
        let text = match origin {
            Origin::Grandparent(_) => None,
            Origin::Input(row) => own.as_ref()?.get(row),
            Origin::Parent(row) => parent.as_ref()?.get(row),
        };
        text.map(str::to_string)
    }

    fn tree_nodes(&self) -> Vec<TreeNode> {
        let mut out = Vec::with_capacity(self.len());
        for (id, key) in self.keys.iter().enumerate() {
            let Some(n) = self.node(id) else { break };
            out.push(TreeNode {
                key: key.unwrap_or_default().to_string(),
                name: self.text(n.name).to_string(),
                pid: self.text(n.pid).to_string(),
                host: n.host.map(|h| self.text(h).to_string()),
                time: n.time,
                cmd_line: self.cmd_line(n.origin),
                parent: self.parent(id),
                children: self.children(id).to_vec(),
                depth: self.depth[id],
                tree_id: self.tree_id[id],
                inferred: !matches!(n.origin, Origin::Input(_)),
            });
        }
        out
    }

    fn key_index(&self) -> PlHashMap<String, NodeId> {
        let mut index = PlHashMap::with_capacity_and_hasher(self.len(), Default::default());
        for (i, key) in self.keys.iter().enumerate() {
            index
                .entry(key.unwrap_or_default().to_string())
                .or_insert(i);
        }
        index
    }
}

/// Children lists from parent rows. Rows are in depth-first order with children visited in
/// start-time order, so collecting each parent's children by row keeps that order.
fn child_lists(parents: &[Option<NodeId>]) -> (Vec<usize>, Vec<NodeId>) {
    let mut start = vec![0_usize; parents.len() + 1];
    for p in parents.iter().flatten() {
        if let Some(s) = start.get_mut(p + 1) {
            *s += 1;
        }
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut next = start.clone();
    let mut list = vec![0; start.last().copied().unwrap_or(0)];
    for (row, parent) in parents.iter().enumerate() {
        let Some(p) = parent else { continue };
        if let Some(slot) = next.get_mut(*p) {
            if let Some(entry) = list.get_mut(*slot) {
                *entry = row;
            }
            *slot += 1;
        }
    }
    (start, list)
}

impl ProcessTree {
    /// The tree frame: input columns, then `proc_key`, `parent_key`, `source_index`,
    /// `parent_index`, `path`, `depth`, `tree_id`, `is_root`, `is_leaf`, `is_branch`,
    /// `is_inferred` (and `effective_logon_id` when the schema has a logon id), in depth-first
    /// order.
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// Rows that were skipped or kept with a caveat: `row`, `field`, `value`, `message`.
    pub fn errors(&self) -> &DataFrame {
        &self.errors
    }

    /// The schema the tree was built with.
    pub fn schema(&self) -> &ProcSchema {
        &self.schema
    }

    /// Rows left out by the schema's event filter (not process-creation events).
    pub fn skipped_events(&self) -> usize {
        self.skipped_events
    }

    /// Every node, indexed by [`NodeId`] (built on first call).
    pub fn nodes(&self) -> &[TreeNode] {
        self.nodes.get_or_init(|| self.forest.tree_nodes())
    }

    /// One node.
    pub fn node(&self, id: NodeId) -> Option<&TreeNode> {
        self.nodes().get(id)
    }

    /// The node with this `proc_key`.
    pub fn by_key(&self, key: &str) -> Option<NodeId> {
        let index = self.by_key.get_or_init(|| self.forest.key_index());
        index.get(key).copied()
    }

    /// Root processes in tree order.
    pub fn roots(&self) -> Vec<NodeId> {
        (0..self.forest.len())
            .filter(|i| self.forest.parent(*i).is_none())
            .collect()
    }

    /// The parent of `id`.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.forest.parent(id)
    }

    /// The root of `id`'s tree.
    pub fn root_of(&self, id: NodeId) -> Option<NodeId> {
        if id >= self.forest.len() {
            return None;
        }
        let mut cur = id;
        while let Some(p) = self.forest.parent(cur) {
            cur = p;
        }
        Some(cur)
    }

    /// Direct children of `id`, in start-time order.
    pub fn children(&self, id: NodeId) -> Vec<NodeId> {
        self.forest.children(id).to_vec()
    }

    /// Descendants of `id` in depth-first order, at most `max_levels` below it (`None`: all).
    pub fn descendants(&self, id: NodeId, max_levels: Option<u32>) -> Vec<NodeId> {
        let Some(depth) = self.forest.depth.get(id) else {
            return Vec::new();
        };
        let limit = max_levels.map(|m| depth.saturating_add(m));
        let mut out = Vec::new();
        let mut stack: Vec<NodeId> = self.forest.children(id).iter().rev().copied().collect();
        while let Some(cur) = stack.pop() {
            if limit.is_some_and(|l| self.forest.depth[cur] > l) {
                continue;
            }
            out.push(cur);
            stack.extend(self.forest.children(cur).iter().rev());
        }
        out
    }

    /// Ancestors of `id`, nearest first.
    pub fn ancestors(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut cur = self.parent(id);
        while let Some(p) = cur {
            out.push(p);
            cur = self.forest.parent(p);
        }
        out
    }

    /// Other children of `id`'s parent (other roots of its host when `id` is a root).
    pub fn siblings(&self, id: NodeId) -> Vec<NodeId> {
        if id >= self.forest.len() {
            return Vec::new();
        }
        let host = self.forest.host(id);
        let pool = match self.forest.parent(id) {
            Some(p) => self.children(p),
            None => {
                let same_host = |r: &NodeId| self.forest.host(*r) == host;
                self.roots().into_iter().filter(same_host).collect()
            }
        };
        pool.into_iter().filter(|s| *s != id).collect()
    }

    /// `id` and all its descendants.
    pub fn subtree(&self, id: NodeId) -> Vec<NodeId> {
        if id >= self.forest.len() {
            return Vec::new();
        }
        let mut out = vec![id];
        out.extend(self.descendants(id, None));
        out
    }

    /// The frame rows of `ids`, in that order.
    pub fn rows(&self, ids: &[NodeId]) -> PolarsResult<DataFrame> {
        let idx: Vec<IdxSize> = ids.iter().map(|i| *i as IdxSize).collect();
        self.frame
            .take(&IdxCa::from_vec(PlSmallStr::from_static("idx"), idx))
    }

    /// Counts over the forest.
    pub fn summary(&self) -> TreeSummary {
        let f = &self.forest;
        let mut s = TreeSummary {
            processes: f.len(),
            ..TreeSummary::default()
        };
        for id in 0..f.len() {
            let root = f.parent(id).is_none();
            let leaf = f.children(id).is_empty();
            s.roots += usize::from(root);
            s.leaves += usize::from(leaf);
            s.branches += usize::from(!root && !leaf);
            s.isolated += usize::from(root && leaf);
            s.largest_depth = s.largest_depth.max(f.depth[id] as usize + 1);
        }
        s
    }
}
