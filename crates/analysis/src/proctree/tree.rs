//! [`ProcessTree`]: the built frame plus an in-memory index for walking the trees.
//!
//! A [`NodeId`] is a row number of [`ProcessTree::frame`]; every navigation method returns node
//! ids, and [`ProcessTree::rows`] turns them back into frame rows.

use std::fmt;

use polars::prelude::*;

use super::schema::ProcSchema;

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
    pub(crate) nodes: Vec<TreeNode>,
    pub(crate) by_key: PlHashMap<String, NodeId>,
    pub(crate) skipped_events: usize,
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

    /// Every node, indexed by [`NodeId`].
    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// One node.
    pub fn node(&self, id: NodeId) -> Option<&TreeNode> {
        self.nodes.get(id)
    }

    /// The node with this `proc_key`.
    pub fn by_key(&self, key: &str) -> Option<NodeId> {
        self.by_key.get(key).copied()
    }

    /// Root processes in tree order.
    pub fn roots(&self) -> Vec<NodeId> {
        (0..self.nodes.len())
            .filter(|i| self.nodes[*i].parent.is_none())
            .collect()
    }

    /// The parent of `id`.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.nodes.get(id)?.parent
    }

    /// The root of `id`'s tree.
    pub fn root_of(&self, id: NodeId) -> Option<NodeId> {
        let mut cur = self.nodes.get(id).map(|_| id)?;
        while let Some(p) = self.nodes[cur].parent {
            cur = p;
        }
        Some(cur)
    }

    /// Direct children of `id`, in start-time order.
    pub fn children(&self, id: NodeId) -> Vec<NodeId> {
        self.nodes
            .get(id)
            .map(|n| n.children.clone())
            .unwrap_or_default()
    }

    /// Descendants of `id` in depth-first order, at most `max_levels` below it (`None`: all).
    pub fn descendants(&self, id: NodeId, max_levels: Option<u32>) -> Vec<NodeId> {
        let Some(node) = self.nodes.get(id) else {
            return Vec::new();
        };
        let limit = max_levels.map(|m| node.depth.saturating_add(m));
        let mut out = Vec::new();
        let mut stack: Vec<NodeId> = node.children.iter().rev().copied().collect();
        while let Some(cur) = stack.pop() {
            let n = &self.nodes[cur];
            if limit.is_some_and(|l| n.depth > l) {
                continue;
            }
            out.push(cur);
            stack.extend(n.children.iter().rev());
        }
        out
    }

    /// Ancestors of `id`, nearest first.
    pub fn ancestors(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut cur = self.parent(id);
        while let Some(p) = cur {
            out.push(p);
            cur = self.nodes[p].parent;
        }
        out
    }

    /// Other children of `id`'s parent (other roots of its host when `id` is a root).
    pub fn siblings(&self, id: NodeId) -> Vec<NodeId> {
        let Some(node) = self.nodes.get(id) else {
            return Vec::new();
        };
        let pool = match node.parent {
            Some(p) => self.nodes[p].children.clone(),
            None => {
                let same_host = |r: &NodeId| self.nodes[*r].host == node.host;
                self.roots().into_iter().filter(same_host).collect()
            }
        };
        pool.into_iter().filter(|s| *s != id).collect()
    }

    /// `id` and all its descendants.
    pub fn subtree(&self, id: NodeId) -> Vec<NodeId> {
        if id >= self.nodes.len() {
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
        let mut s = TreeSummary {
            processes: self.nodes.len(),
            ..TreeSummary::default()
        };
        for n in &self.nodes {
            let root = n.parent.is_none();
            let leaf = n.children.is_empty();
            s.roots += usize::from(root);
            s.leaves += usize::from(leaf);
            s.branches += usize::from(!root && !leaf);
            s.isolated += usize::from(root && leaf);
            s.largest_depth = s.largest_depth.max(n.depth as usize + 1);
        }
        s
    }
}
