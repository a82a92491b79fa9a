//! The process forest: nodes linked to their parents, and which of them are shown.
//!
//! Links come from the key and parent-key columns; a parent key that is not a key of the frame
//! makes the process a root, and a link that would close a cycle is dropped (the process
//! becomes a root) so bad data cannot hang the layout.

use std::collections::HashMap;

/// One process.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// The row of the process in the frame.
    pub(crate) row: usize,
    /// Index of the parent node.
    pub(crate) parent: Option<usize>,
    /// Child nodes, in the order they started.
    pub(crate) kids: Vec<usize>,
    /// Distance from the root.
    pub(crate) depth: usize,
    /// Number of processes below this one.
    pub(crate) descendants: usize,
}

/// All processes and the roots of their trees.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Forest {
    pub(crate) nodes: Vec<Node>,
    pub(crate) roots: Vec<usize>,
}

impl Forest {
    /// Links the rows by key. `order` gives each row's sort key (its start time) so children
    /// and trees come in start order; rows with a duplicate key after the first are dropped.
    pub(crate) fn build(keys: &[Option<&str>], parents: &[Option<&str>], order: &[i64]) -> Self {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut nodes: Vec<Node> = Vec::new();
        for (row, key) in keys.iter().enumerate() {
            let Some(key) = key else { continue };
            if index.contains_key(key) {
                continue;
            }
            index.insert(key, nodes.len());
            nodes.push(Node {
                row,
                parent: None,
                kids: Vec::new(),
                depth: 0,
                descendants: 0,
            });
        }
        for i in 0..nodes.len() {
            let parent = parents[nodes[i].row].and_then(|p| index.get(p).copied());
            nodes[i].parent = parent.filter(|&p| p != i);
        }
        break_cycles(&mut nodes);

        let mut roots = Vec::new();
        for i in 0..nodes.len() {
            match nodes[i].parent {
                Some(p) => nodes[p].kids.push(i),
                None => roots.push(i),
            }
        }
        let by_start = |a: &usize, b: &usize| {
            let (ra, rb) = (nodes[*a].row, nodes[*b].row);
            order[ra].cmp(&order[rb]).then(ra.cmp(&rb))
        };
        roots.sort_by(by_start);
        let mut sorted_kids: Vec<Vec<usize>> = nodes.iter().map(|n| n.kids.clone()).collect();
        for kids in &mut sorted_kids {
            kids.sort_by(by_start);
        }
        for (node, kids) in nodes.iter_mut().zip(sorted_kids) {
            node.kids = kids;
        }
        let mut forest = Forest { nodes, roots };
        forest.count_depths();
        forest
    }

    /// Sets depth and descendant counts, walking each tree without recursion.
    fn count_depths(&mut self) {
        let mut order = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<usize> = self.roots.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            order.push(i);
            let depth = self.nodes[i].depth;
            let kids = self.nodes[i].kids.clone();
            for &k in kids.iter().rev() {
                self.nodes[k].depth = depth + 1;
                stack.push(k);
            }
        }
        for &i in order.iter().rev() {
            if let Some(p) = self.nodes[i].parent {
                self.nodes[p].descendants += self.nodes[i].descendants + 1;
            }
        }
    }

    /// The ancestors of node `i`, nearest first.
    pub(crate) fn ancestors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.nodes[i].parent, |&p| self.nodes[p].parent)
    }
}

/// Drops the parent link of any node whose ancestor chain comes back to itself.
fn break_cycles(nodes: &mut [Node]) {
    // 0 = not seen, 1 = on the current chain, 2 = known to reach a root.
    let mut state = vec![0u8; nodes.len()];
    for start in 0..nodes.len() {
        let mut chain = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state[i] {
                2 => break,
                1 => {
                    nodes[i].parent = None;
                    break;
                }
                _ => {
                    state[i] = 1;
                    chain.push(i);
                    at = nodes[i].parent;
                }
            }
        }
        for i in chain {
            state[i] = 2;
        }
    }
}

/// Which nodes are drawn, which are open, and where they go.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// Nodes written into the document (hidden or not).
    pub(crate) emitted: Vec<bool>,
    /// Nodes whose emitted children are shown.
    pub(crate) expanded: Vec<bool>,
}

/// Opens the trees breadth first while fewer than `visible_budget` nodes are shown, then opens
/// the path to every highlighted node; writes at most about `emit_budget` nodes into the
/// document, always whole families of siblings.
pub(crate) fn plan(
    forest: &Forest,
    visible_budget: usize,
    emit_budget: usize,
    highlighted: &[usize],
) -> Plan {
    let n = forest.nodes.len();
    let mut emitted = vec![false; n];
    let mut expanded = vec![false; n];
    let mut queue: std::collections::VecDeque<usize> = forest.roots.iter().copied().collect();
    let mut emitted_count = forest.roots.len();
    let mut visible = forest.roots.len();
    for &r in &forest.roots {
        emitted[r] = true;
    }
    let mut visible_set = emitted.clone();
    while let Some(i) = queue.pop_front() {
        let kids = &forest.nodes[i].kids;
        if kids.is_empty() || emitted_count + kids.len() > emit_budget {
            continue;
        }
        emitted_count += kids.len();
        let open = visible_set[i] && visible + kids.len() <= visible_budget;
        if open {
            expanded[i] = true;
            visible += kids.len();
        }
        for &k in kids {
            emitted[k] = true;
            visible_set[k] = open;
            queue.push_back(k);
        }
    }
    for &h in highlighted {
        for a in forest.ancestors(h).collect::<Vec<_>>() {
            expanded[a] = true;
            emitted[a] = true;
            for &k in &forest.nodes[a].kids {
                emitted[k] = true;
            }
        }
        emitted[h] = true;
    }
    Plan { emitted, expanded }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forest(links: &[(&'static str, Option<&'static str>)]) -> Forest {
        let keys: Vec<Option<&str>> = links.iter().map(|(k, _)| Some(*k)).collect();
        let parents: Vec<Option<&str>> = links.iter().map(|(_, p)| *p).collect();
        let order: Vec<i64> = (0..links.len() as i64).collect();
        Forest::build(&keys, &parents, &order)
    }

    #[test]
    fn links_depths_and_counts() {
        let f = forest(&[
            ("a", None),
            ("b", Some("a")),
            ("c", Some("b")),
            ("d", Some("a")),
            ("x", Some("gone")),
        ]);
        assert_eq!(f.roots, vec![0, 4]);
        assert_eq!(f.nodes[0].kids, vec![1, 3]);
        assert_eq!(f.nodes[2].depth, 2);
        assert_eq!(f.nodes[0].descendants, 3);
    }

    #[test]
    fn cycles_are_broken() {
        let f = forest(&[("a", Some("c")), ("b", Some("a")), ("c", Some("b"))]);
        assert_eq!(f.roots.len(), 1);
        assert_eq!(f.nodes[f.roots[0]].descendants, 2);
    }

    #[test]
    fn plan_respects_the_budget_and_highlights() {
        let mut links = vec![("root", None)];
        let names: Vec<&'static str> = (0..50)
            .map(|i| &*Box::leak(format!("k{i}").into_boxed_str()))
            .collect();
        for name in &names {
            links.push((name, Some("root")));
        }
        links.push(("deep", Some("k7")));
        let f = forest(&links);
        let plan = plan(&f, 10, 1000, &[]);
        assert!(!plan.expanded[0], "50 children do not fit in 10");
        let deep = f.nodes.iter().position(|n| n.row == 51).unwrap_or(0);
        let plan = plan_with(&f, deep);
        assert!(plan.expanded[0] && plan.expanded[8]);
    }

    fn plan_with(f: &Forest, highlighted: usize) -> Plan {
        plan(f, 10, 1000, &[highlighted])
    }
}
