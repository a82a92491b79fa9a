//! DBSCAN, two ways: through `linfa-clustering`, or huntbook's own pass that first merges
//! identical feature rows (event features repeat a lot) and then runs weighted DBSCAN over
//! a kd-tree of the distinct rows. Both label exactly as scikit-learn's `DBSCAN` does:
//! clusters numbered in the order of their first core row, a border row going to the first
//! cluster that reaches it, `min_samples` counting the row itself.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

use linfa::ParamGuard;
use linfa::traits::Transformer;
use linfa_clustering::Dbscan;
use ndarray::{Array2, ArrayView1, ArrayView2};

use super::error::ClusterError;

/// The label of a row in no cluster.
pub const NOISE: i64 = -1;

/// Which DBSCAN implementation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// Identical rows merged, weighted DBSCAN over a kd-tree (the default: far faster and
    /// smaller when rows repeat, the same labels).
    #[default]
    Distinct,
    /// `linfa-clustering`'s `Dbscan` over every row (needs `min_samples` ≥ 2).
    Linfa,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Distinct => "distinct",
            Engine::Linfa => "linfa",
        })
    }
}

impl FromStr for Engine {
    type Err = ClusterError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "distinct" => Ok(Engine::Distinct),
            "linfa" => Ok(Engine::Linfa),
            _ => Err(ClusterError::Setting {
                setting: "engine",
                value: text.to_string(),
                reason: "expected distinct or linfa",
            }),
        }
    }
}

/// Labels every row: a cluster number from 0, or [`NOISE`].
pub(crate) fn dbscan(
    points: ArrayView2<'_, f64>,
    eps: f64,
    min_samples: usize,
    engine: Engine,
) -> Result<Vec<i64>, ClusterError> {
    if points.nrows() == 0 {
        return Ok(Vec::new());
    }
    match engine {
        Engine::Distinct => Ok(distinct_dbscan(points, eps, min_samples)),
        Engine::Linfa => linfa_dbscan(points, eps, min_samples),
    }
}

fn linfa_dbscan(
    points: ArrayView2<'_, f64>,
    eps: f64,
    min_samples: usize,
) -> Result<Vec<i64>, ClusterError> {
    let params = Dbscan::params(min_samples)
        .tolerance(eps)
        .check()
        .map_err(|e| {
            tracing::debug!(error = %e, "linfa refused the DBSCAN settings");
            ClusterError::Setting {
                setting: "min_cluster_samples",
                value: min_samples.to_string(),
                reason: "the linfa engine needs at least 2 (use the distinct engine for 1)",
            }
        })?;
    let labels = params.transform(&points);
    Ok(labels
        .iter()
        .map(|l| l.map_or(NOISE, |l| l as i64))
        .collect())
}

/// Merges identical rows, clusters the distinct ones weighted by their counts, and spreads
/// the labels back.
fn distinct_dbscan(points: ArrayView2<'_, f64>, eps: f64, min_samples: usize) -> Vec<i64> {
    let (distinct, weights, row_to_distinct) = merge_identical(points);
    tracing::debug!(
        rows = points.nrows(),
        distinct = distinct.nrows(),
        "merged identical rows"
    );

    let tree = KdTree::build(distinct.view());
    let labels = weighted_dbscan(&tree, &weights, eps, min_samples);
    row_to_distinct.into_iter().map(|d| labels[d]).collect()
}

/// Distinct rows in order of first appearance, how often each appears, and each row's
/// distinct index.
fn merge_identical(points: ArrayView2<'_, f64>) -> (Array2<f64>, Vec<usize>, Vec<usize>) {
    let mut index: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut firsts = Vec::new();
    let mut weights = Vec::new();
    let mut row_to_distinct = Vec::with_capacity(points.nrows());
    for (row, values) in points.outer_iter().enumerate() {
        // +0.0 and -0.0 are the same point.
        let key: Vec<u64> = values.iter().map(|v| (v + 0.0).to_bits()).collect();
        let next = firsts.len();
        let id = *index.entry(key).or_insert(next);
        if id == next {
            firsts.push(row);
            weights.push(0);
        }
        weights[id] += 1;
        row_to_distinct.push(id);
    }
    let distinct = points.select(ndarray::Axis(0), &firsts);
    (distinct, weights, row_to_distinct)
}

/// DBSCAN where each point stands for `weights[i]` identical rows.
fn weighted_dbscan(tree: &KdTree<'_>, weights: &[usize], eps: f64, min_samples: usize) -> Vec<i64> {
    let n = weights.len();
    let mut labels = vec![NOISE; n];
    let mut neighbours = Vec::new();
    let mut queue = VecDeque::new();
    let mut cluster = 0;
    let is_core =
        |neighbours: &[usize]| neighbours.iter().map(|&j| weights[j]).sum::<usize>() >= min_samples;

    for seed in 0..n {
        if labels[seed] != NOISE {
            continue;
        }
        tree.within(tree.point(seed), eps, &mut neighbours);
        if !is_core(&neighbours) {
            continue;
        }
        labels[seed] = cluster;
        queue.extend(neighbours.iter().copied().filter(|&j| labels[j] == NOISE));
        queue.iter().for_each(|&j| labels[j] = cluster);

        while let Some(point) = queue.pop_front() {
            tree.within(tree.point(point), eps, &mut neighbours);
            if !is_core(&neighbours) {
                continue;
            }
            for &j in &neighbours {
                if labels[j] == NOISE {
                    labels[j] = cluster;
                    queue.push_back(j);
                }
            }
        }
        cluster += 1;
    }
    labels
}

/// Points per leaf of the kd-tree.
const LEAF_SIZE: usize = 16;

/// A static kd-tree over the rows of a matrix, for radius queries.
struct KdTree<'a> {
    points: ArrayView2<'a, f64>,
    order: Vec<usize>,
    nodes: Vec<Node>,
}

enum Node {
    Leaf {
        start: usize,
        end: usize,
    },
    Split {
        dim: usize,
        value: f64,
        left: usize,
        right: usize,
    },
}

impl<'a> KdTree<'a> {
    fn build(points: ArrayView2<'a, f64>) -> Self {
        let mut tree = KdTree {
            points,
            order: (0..points.nrows()).collect(),
            nodes: Vec::new(),
        };
        tree.build_node(0, points.nrows());
        tree
    }

    fn point(&self, row: usize) -> ArrayView1<'_, f64> {
        self.points.row(row)
    }

    /// Builds the node for `order[start..end]` and returns its index.
    fn build_node(&mut self, start: usize, end: usize) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node::Leaf { start, end });
        if end - start <= LEAF_SIZE {
            return id;
        }
        let Some(dim) = self.widest_dimension(start, end) else {
            return id;
        };

        // Median split: everything left of `mid` is ≤ the pivot, everything right ≥ it.
        let mid = start + (end - start) / 2;
        let points = self.points;
        self.order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
            points[[a, dim]].total_cmp(&points[[b, dim]])
        });
        let value = points[[self.order[mid], dim]];
        let left = self.build_node(start, mid);
        let right = self.build_node(mid, end);
        self.nodes[id] = Node::Split {
            dim,
            value,
            left,
            right,
        };
        id
    }

    /// The dimension along which `order[start..end]` spreads most; `None` if all are equal.
    fn widest_dimension(&self, start: usize, end: usize) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for dim in 0..self.points.ncols() {
            let values = self.order[start..end]
                .iter()
                .map(|&r| self.points[[r, dim]]);
            let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
            let spread = high - low;
            if spread > 0.0 && best.is_none_or(|(_, widest)| spread > widest) {
                best = Some((dim, spread));
            }
        }
        best.map(|(dim, _)| dim)
    }

    /// Fills `found` with every row within `eps` (inclusive) of `query`, in row order.
    fn within(&self, query: ArrayView1<'_, f64>, eps: f64, found: &mut Vec<usize>) {
        found.clear();
        let limit = eps * eps;
        let mut stack = vec![0];
        while let Some(node) = stack.pop() {
            match self.nodes[node] {
                Node::Leaf { start, end } => {
                    for &row in &self.order[start..end] {
                        if squared_distance(query, self.points.row(row)) <= limit {
                            found.push(row);
                        }
                    }
                }
                Node::Split {
                    dim,
                    value,
                    left,
                    right,
                } => {
                    if query[dim] - eps <= value {
                        stack.push(left);
                    }
                    if query[dim] + eps >= value {
                        stack.push(right);
                    }
                }
            }
        }
        found.sort_unstable();
    }
}

fn squared_distance(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn border_row_goes_to_first_cluster() {
        // Two dense groups and one border row (0.33) within reach of both; then noise.
        let xs = [0.0, 0.05, 0.1, 0.15, 0.5, 0.55, 0.6, 0.65, 0.33, 5.0];
        let points =
            Array2::from_shape_fn((xs.len(), 2), |(r, c)| if c == 0 { xs[r] } else { 0.0 });
        for engine in [Engine::Distinct, Engine::Linfa] {
            let labels = dbscan(points.view(), 0.2, 4, engine).unwrap();
            assert_eq!(labels, vec![0, 0, 0, 0, 1, 1, 1, 1, 0, NOISE], "{engine}");
        }
    }

    #[test]
    fn duplicates_count_towards_density() {
        let points = array![[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [9.0, 9.0], [9.0, 9.0]];
        let labels = dbscan(points.view(), 0.01, 3, Engine::Distinct).unwrap();
        assert_eq!(labels, vec![0, 0, 0, NOISE, NOISE]);
        assert_eq!(
            dbscan(points.view(), 0.01, 3, Engine::Linfa).unwrap(),
            labels
        );
        let single = dbscan(points.view(), 0.01, 1, Engine::Distinct).unwrap();
        assert_eq!(single, vec![0, 0, 0, 1, 1]);
    }

    #[test]
    fn engines_agree_on_a_seeded_cloud() {
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let values: Vec<f64> = (0..3000).map(|_| (next() * 20.0).round() / 20.0).collect();
        let points = Array2::from_shape_vec((1000, 3), values).unwrap();
        let ours = dbscan(points.view(), 0.06, 4, Engine::Distinct).unwrap();
        let linfa = dbscan(points.view(), 0.06, 4, Engine::Linfa).unwrap();
        assert_eq!(ours, linfa);
        assert!(ours.iter().any(|l| *l > 0) && ours.contains(&NOISE));
    }

    #[test]
    fn linfa_engine_needs_two_samples() {
        let points = array![[0.0], [1.0]];
        let err = dbscan(points.view(), 0.5, 1, Engine::Linfa).unwrap_err();
        assert!(err.to_string().contains("distinct engine"));
    }

    #[test]
    fn engine_names_round_trip() {
        assert_eq!("Linfa".parse::<Engine>().ok(), Some(Engine::Linfa));
        assert_eq!(Engine::Distinct.to_string(), "distinct");
    }
}
