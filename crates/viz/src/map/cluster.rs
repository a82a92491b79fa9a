//! Grid clustering: points that fall in the same square of the page are drawn as one circle
//! with their count once there are enough of them.

use std::collections::HashMap;

/// A point on the page and the frame row it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Placed {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) row: usize,
    pub(crate) category: u32,
}

/// Points drawn one by one, and clusters.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Clustered {
    pub(crate) singles: Vec<Placed>,
    pub(crate) clusters: Vec<Cluster>,
}

/// Several points drawn as one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cluster {
    /// Mean position of the points.
    pub(crate) x: f64,
    pub(crate) y: f64,
    /// The points, in input order.
    pub(crate) members: Vec<Placed>,
}

/// Groups `points` by `cell`-pixel squares; a square with at least `min_cluster` points (or
/// any square once more than `max_singles` points would be drawn singly) becomes a cluster.
pub(crate) fn cluster(
    points: &[Placed],
    cell: f64,
    min_cluster: usize,
    max_singles: usize,
) -> Clustered {
    let mut cells: HashMap<(i64, i64), Vec<Placed>> = HashMap::new();
    let mut order: Vec<(i64, i64)> = Vec::new();
    for p in points {
        let key = ((p.x / cell).floor() as i64, (p.y / cell).floor() as i64);
        let members = cells.entry(key).or_default();
        if members.is_empty() {
            order.push(key);
        }
        members.push(*p);
    }
    let singles_wanted: usize = cells
        .values()
        .filter(|m| m.len() < min_cluster)
        .map(Vec::len)
        .sum();
    let threshold = if singles_wanted > max_singles {
        2
    } else {
        min_cluster
    };

    let mut out = Clustered::default();
    for key in order {
        let Some(members) = cells.remove(&key) else {
            continue;
        };
        if members.len() >= threshold {
            out.clusters.push(Cluster::of(members));
        } else {
            out.singles.extend(members);
        }
    }
    out.clusters = merge_overlapping(out.clusters);
    absorb_covered(&mut out);
    out
}

/// Moves single points that a cluster's circle would cover into that cluster.
fn absorb_covered(out: &mut Clustered) {
    let singles = std::mem::take(&mut out.singles);
    for p in singles {
        let covering = out
            .clusters
            .iter()
            .position(|c| ((c.x - p.x).powi(2) + (c.y - p.y).powi(2)).sqrt() < c.radius());
        match covering {
            Some(i) => out.clusters[i].members.push(p),
            None => out.singles.push(p),
        }
    }
}

impl Cluster {
    fn of(members: Vec<Placed>) -> Self {
        let n = members.len() as f64;
        let x = members.iter().map(|p| p.x).sum::<f64>() / n;
        let y = members.iter().map(|p| p.y).sum::<f64>() / n;
        Cluster { x, y, members }
    }

    /// The radius the cluster is drawn with.
    pub(crate) fn radius(&self) -> f64 {
        7.0 + 2.5 * (self.members.len() as f64).log2()
    }
}

/// Merges clusters whose circles overlap (points near a cell edge end up in two cells) until
/// none do.
fn merge_overlapping(mut clusters: Vec<Cluster>) -> Vec<Cluster> {
    loop {
        let mut merged = false;
        'search: for i in 0..clusters.len() {
            for j in (i + 1)..clusters.len() {
                let (a, b) = (&clusters[i], &clusters[j]);
                let distance = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
                if distance < (a.radius() + b.radius()) * 0.8 {
                    let b = clusters.remove(j);
                    let mut members = std::mem::take(&mut clusters[i].members);
                    members.extend(b.members);
                    clusters[i] = Cluster::of(members);
                    merged = true;
                    break 'search;
                }
            }
        }
        if !merged {
            return clusters;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f64, y: f64, row: usize) -> Placed {
        Placed {
            x,
            y,
            row,
            category: 0,
        }
    }

    #[test]
    fn dense_cells_cluster_and_sparse_stay_single() {
        let mut points: Vec<Placed> = (0..5).map(|i| at(1.0 + i as f64, 1.0, i)).collect();
        points.push(at(100.0, 100.0, 5));
        let out = cluster(&points, 14.0, 3, 100);
        assert_eq!(out.clusters.len(), 1);
        assert_eq!(out.clusters[0].members.len(), 5);
        assert_eq!(out.singles.len(), 1);
        assert!((out.clusters[0].x - 3.0).abs() < 1e-9);
    }

    #[test]
    fn too_many_singles_lowers_the_threshold() {
        let points: Vec<Placed> = (0..40).map(|i| at((i / 2) as f64 * 20.0, 0.0, i)).collect();
        let out = cluster(&points, 14.0, 3, 10);
        assert_eq!(out.clusters.len(), 20);
        assert!(out.singles.is_empty());
    }
}
