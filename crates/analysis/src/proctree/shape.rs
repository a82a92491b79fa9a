//! The tree shape of linked nodes: depth-first order, depths and tree ids.
//!
//! Children are visited in start-time order, so the output reads like the tree printed.
//! A node that no root reaches (a parent cycle, possible only when two processes claim each other
//! at the same instant) has its parent link cut and becomes a root; the caller reports it.

use std::cmp::Ordering;

use super::link::{Node, StrTable};

/// Shape of the forest over `nodes` (indexes are node ids).
pub(crate) struct Shape {
    /// Node ids in depth-first (pre-)order.
    pub order: Vec<usize>,
    /// Children of each node, in start-time order.
    pub children: Children,
    /// Depth of each node (roots are 0).
    pub depth: Vec<u32>,
    /// Which tree each node is in (0-based, in root order).
    pub tree_id: Vec<u32>,
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
    fn build(nodes: &[Node], keys: &StrTable) -> Children {
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
        for p in 0..nodes.len() {
            let range = children.range(p);
            if let Some(kids) = children.list.get_mut(range) {
                kids.sort_by(|a, b| tree_order(nodes, keys, *a, *b));
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

/// Siblings (and roots) order: start time, then `proc_key`, then node id.
fn tree_order(nodes: &[Node], keys: &StrTable, a: usize, b: usize) -> Ordering {
    let time = |id: usize| nodes[id].time.unwrap_or(i64::MIN);
    time(a)
        .cmp(&time(b))
        .then_with(|| keys.get(a).cmp(keys.get(b)))
        .then(a.cmp(&b))
}

/// Computes the shape, cutting cycles in `nodes` (their `parent` is set to `None`).
pub(crate) fn shape(nodes: &mut [Node], keys: &StrTable) -> Shape {
    let n = nodes.len();
    let mut shape = Shape {
        order: Vec::with_capacity(n),
        children: Children::build(nodes, keys),
        depth: vec![0; n],
        tree_id: vec![0; n],
        cut: Vec::new(),
    };
    let mut visited = vec![false; n];
    let mut stack = Vec::new();
    let mut roots: Vec<usize> = (0..n).filter(|i| nodes[*i].parent.is_none()).collect();
    roots.sort_by(|a, b| tree_order(nodes, keys, *a, *b));
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

fn walk(
    root: usize,
    tree: u32,
    shape: &mut Shape,
    visited: &mut [bool],
    stack: &mut Vec<(usize, u32)>,
) {
    stack.clear();
    stack.push((root, 0));
    while let Some((id, depth)) = stack.pop() {
        if visited[id] {
            continue;
        }
        visited[id] = true;
        shape.order.push(id);
        shape.depth[id] = depth;
        shape.tree_id[id] = tree;
        for child in shape.children.of(id).iter().rev() {
            stack.push((*child, depth + 1));
        }
    }
}
