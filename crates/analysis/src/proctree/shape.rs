//! The tree shape of linked nodes: depth-first order, depths, tree ids and paths.
//!
//! Children are visited in start-time order, so the output reads like the tree printed.
//! A node that no root reaches (a parent cycle, possible only when two processes claim each other
//! at the same instant) has its parent link cut and becomes a root; the caller reports it.

use super::link::Node;

/// Shape of the forest over `nodes` (indexes are node ids).
pub(crate) struct Shape {
    /// Node ids in depth-first (pre-)order.
    pub order: Vec<usize>,
    /// Children of each node, in start-time order.
    pub children: Vec<Vec<usize>>,
    /// Depth of each node (roots are 0).
    pub depth: Vec<u32>,
    /// Which tree each node is in (0-based, in root order).
    pub tree_id: Vec<u32>,
    /// Nodes whose parent link was cut because it formed a cycle.
    pub cut: Vec<usize>,
}

fn sort_key(nodes: &[Node], id: usize) -> (i64, &str, usize) {
    (
        nodes[id].time.unwrap_or(i64::MIN),
        nodes[id].key.as_str(),
        id,
    )
}

/// Computes the shape, cutting cycles in `nodes` (their `parent` is set to `None`).
pub(crate) fn shape(nodes: &mut [Node]) -> Shape {
    let n = nodes.len();
    let mut shape = Shape {
        order: Vec::with_capacity(n),
        children: vec![Vec::new(); n],
        depth: vec![0; n],
        tree_id: vec![0; n],
        cut: Vec::new(),
    };
    fill_children(nodes, &mut shape.children);
    let mut visited = vec![false; n];
    let mut roots: Vec<usize> = (0..n).filter(|i| nodes[*i].parent.is_none()).collect();
    roots.sort_by(|a, b| sort_key(nodes, *a).cmp(&sort_key(nodes, *b)));
    let mut tree = 0_u32;
    for root in roots {
        walk(root, tree, &mut shape, &mut visited);
        tree += 1;
    }

    // Whatever is left hangs off a cycle: cut each one at its earliest member.
    for id in 0..n {
        if visited[id] {
            continue;
        }
        let start = cycle_entry(nodes, id, &visited);
        if let Some(p) = nodes[start].parent.take() {
            shape.children[p].retain(|c| *c != start);
        }
        shape.cut.push(start);
        walk(start, tree, &mut shape, &mut visited);
        tree += 1;
    }
    shape
}

fn fill_children(nodes: &[Node], children: &mut [Vec<usize>]) {
    for (id, node) in nodes.iter().enumerate() {
        if let Some(p) = node.parent {
            children[p].push(id);
        }
    }
    for kids in children.iter_mut() {
        kids.sort_by(|a, b| sort_key(nodes, *a).cmp(&sort_key(nodes, *b)));
    }
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

fn walk(root: usize, tree: u32, shape: &mut Shape, visited: &mut [bool]) {
    let mut stack = vec![(root, 0_u32)];
    while let Some((id, depth)) = stack.pop() {
        if visited[id] {
            continue;
        }
        visited[id] = true;
        shape.order.push(id);
        shape.depth[id] = depth;
        shape.tree_id[id] = tree;
        for child in shape.children[id].iter().rev() {
            stack.push((*child, depth + 1));
        }
    }
}
