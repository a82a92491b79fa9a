//! The tree shape of linked nodes: depth-first order, depths and tree ids.
//!
//! Children are visited in start-time order, so the output reads like the tree printed.
//! A node that no root reaches (a parent cycle, possible only when two processes claim each other
//! at the same instant) has its parent link cut and becomes a root; the caller reports it.

use std::cmp::Ordering;

use super::link::{KeyText, Node};

/// Shape of the forest over `nodes`.
///
/// Everything but `children` is in tree order (one entry per output row, written as the walk
/// goes), so the output frame is built by sequential passes and gathers.
pub(crate) struct Shape {
    /// Node ids in depth-first (pre-)order.
    pub order: Vec<usize>,
    /// Position in `order` of each row's parent.
    pub parent: Vec<Option<usize>>,
    /// Number of ancestors of each row (roots are 0).
    pub depth: Vec<u32>,
    /// Which tree each row is in (0-based, in root order).
    pub tree_id: Vec<u32>,
    /// Whether each row has children.
    pub has_children: Vec<bool>,
    /// Children of each node (by node id), in start-time order.
    pub children: Children,
    /// Nodes whose parent link was cut because it formed a cycle.
    pub cut: Vec<usize>,
}

/// Every node's children, stored end to end (node `i`'s are `list[start[i]..start[i + 1]]`).
pub(crate) struct Children {
    start: Vec<usize>,
    list: Vec<usize>,
}

impl Children {
    /// Children of each node from the parent links, sorted by start time, then key, then id.
    fn build(nodes: &[Node], keys: &KeyText) -> Children {
        let mut start = vec![0_usize; nodes.len() + 1];
        for p in nodes.iter().filter_map(|n| n.parent) {
            if let Some(s) = start.get_mut(p + 1) {
                *s += 1;
            }
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut next = start.clone();
        let mut list = vec![0_usize; start.last().copied().unwrap_or(0)];
        for (id, node) in nodes.iter().enumerate() {
            let Some(p) = node.parent else { continue };
            if let Some(slot) = next.get_mut(p) {
                if let Some(entry) = list.get_mut(*slot) {
                    *entry = id;
                }
                *slot += 1;
            }
        }
        let mut children = Children { start, list };
        let times = start_times(nodes);
        let mut cmp = TreeOrder::new(nodes, &times, keys);
        for p in 0..nodes.len() {
            let range = children.range(p);
            if let Some(kids) = children.list.get_mut(range) {
                kids.sort_by(|a, b| cmp.cmp(*a, *b));
            }
        }
        children
    }

    fn range(&self, id: usize) -> std::ops::Range<usize> {
        let a = self.start.get(id).copied().unwrap_or(0);
        let b = self.start.get(id + 1).copied().unwrap_or(a);
        a..b
    }

    /// The children of `id`, in start-time order.
    pub fn of(&self, id: usize) -> &[usize] {
        self.list.get(self.range(id)).unwrap_or_default()
    }
}

/// Start times by node id, `i64::MIN` for none (compact, for sorting).
fn start_times(nodes: &[Node]) -> Vec<i64> {
    nodes.iter().map(|n| n.time.unwrap_or(i64::MIN)).collect()
}

/// Siblings (and roots) order: start time, then `proc_key`, then node id. Keys are only written
/// out (into two reused buffers) when start times tie.
struct TreeOrder<'a> {
    times: &'a [i64],
    nodes: &'a [Node],
    keys: &'a KeyText<'a>,
    a: String,
    b: String,
}

impl<'a> TreeOrder<'a> {
    fn new(nodes: &'a [Node], times: &'a [i64], keys: &'a KeyText<'a>) -> TreeOrder<'a> {
        TreeOrder {
            times,
            nodes,
            keys,
            a: String::new(),
            b: String::new(),
        }
    }

    fn cmp(&mut self, a: usize, b: usize) -> Ordering {
        let time = self.times[a].cmp(&self.times[b]);
        if time != Ordering::Equal {
            return time;
        }
        self.a.clear();
        self.b.clear();
        self.keys.write(&mut self.a, &self.nodes[a]);
        self.keys.write(&mut self.b, &self.nodes[b]);
        self.a.cmp(&self.b).then(a.cmp(&b))
    }
}

/// Computes the shape, cutting cycles in `nodes` (their `parent` is set to `None`).
pub(crate) fn shape(nodes: &mut [Node], keys: &KeyText) -> Shape {
    let n = nodes.len();
    let mut shape = Shape {
        order: Vec::with_capacity(n),
        parent: Vec::with_capacity(n),
        depth: Vec::with_capacity(n),
        tree_id: Vec::with_capacity(n),
        has_children: Vec::with_capacity(n),
        children: Children::build(nodes, keys),
        cut: Vec::new(),
    };
    let mut visited = vec![false; n];
    let mut stack = Vec::new();
    let mut roots: Vec<usize> = (0..n).filter(|i| nodes[*i].parent.is_none()).collect();
    let times = start_times(nodes);
    let mut cmp = TreeOrder::new(nodes, &times, keys);
    roots.sort_by(|a, b| cmp.cmp(*a, *b));
    let mut tree = 0_u32;
    for root in roots {
        walk(root, tree, &mut shape, &mut visited, &mut stack);
        tree += 1;
    }

    // Whatever is left hangs off a cycle: cut each one at its earliest member. The cut link
    // stays in the child lists during the walk (its child is visited first, so the walk skips
    // it) and the lists are rebuilt once afterwards.
    for id in 0..n {
        if visited[id] {
            continue;
        }
        let start = cycle_entry(nodes, id, &visited);
        nodes[start].parent = None;
        shape.cut.push(start);
        walk(start, tree, &mut shape, &mut visited, &mut stack);
        tree += 1;
    }
    if !shape.cut.is_empty() {
        shape.children = Children::build(nodes, keys);
        let kids = &shape.children;
        shape.has_children = shape
            .order
            .iter()
            .map(|id| !kids.of(*id).is_empty())
            .collect();
    }
    shape
}

/// Follows parents from `id` until a node repeats; that node is on the cycle.
fn cycle_entry(nodes: &[Node], id: usize, visited: &[bool]) -> usize {
    let mut seen = std::collections::HashSet::new();
    let mut cur = id;
    while seen.insert(cur) {
        match nodes[cur].parent {
            Some(p) if !visited[p] => cur = p,
            _ => return cur,
        }
    }
    cur
}

/// A node to visit: id, depth and the row of its parent.
type Visit = (usize, u32, Option<usize>);

fn walk(root: usize, tree: u32, shape: &mut Shape, visited: &mut [bool], stack: &mut Vec<Visit>) {
    stack.clear();
    stack.push((root, 0, None));
    while let Some((id, depth, parent)) = stack.pop() {
        if visited[id] {
            continue;
        }
        visited[id] = true;
        let row = shape.order.len();
        shape.order.push(id);
        shape.parent.push(parent);
        shape.depth.push(depth);
        shape.tree_id.push(tree);
        let kids = shape.children.of(id);
        shape.has_children.push(!kids.is_empty());
        for child in kids.iter().rev() {
            stack.push((*child, depth + 1, Some(row)));
        }
    }
}
