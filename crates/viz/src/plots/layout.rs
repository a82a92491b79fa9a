//! Deterministic graph layouts: nodes on a circle, or force-directed from that circle.
//!
//! The force layout is Fruchterman–Reingold: every pair of nodes repels, every edge pulls its
//! ends together, and a temperature that falls each round caps how far a node may move. It
//! starts from the circle and uses no randomness, so the same graph always looks the same.

/// Strength of the pull towards the centre, relative to the ideal edge length.
const GRAVITY: f64 = 0.5;

/// Positions in the unit square, one per node.
pub(crate) fn circular(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let angle = std::f64::consts::TAU * i as f64 / n.max(1) as f64;
            (0.5 + 0.45 * angle.cos(), 0.5 + 0.45 * angle.sin())
        })
        .collect()
}

/// Force-directed positions in the unit square for `n` nodes joined by `edges`.
pub(crate) fn force(n: usize, edges: &[(usize, usize)], rounds: usize) -> Vec<(f64, f64)> {
    let mut pos = circular(n);
    if n < 2 {
        return pos;
    }
    let k = (1.0 / n as f64).sqrt();
    let mut temperature = 0.1;
    for _ in 0..rounds {
        let mut shift = vec![(0.0f64, 0.0f64); n];
        for a in 0..n {
            for b in (a + 1)..n {
                let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
                let dist = (dx * dx + dy * dy).sqrt().max(1e-4);
                let push = k * k / dist;
                let (ux, uy) = (dx / dist * push, dy / dist * push);
                shift[a].0 += ux;
                shift[a].1 += uy;
                shift[b].0 -= ux;
                shift[b].1 -= uy;
            }
        }
        for &(a, b) in edges {
            if a == b {
                continue;
            }
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let dist = (dx * dx + dy * dy).sqrt().max(1e-4);
            let pull = dist * dist / k;
            let (ux, uy) = (dx / dist * pull, dy / dist * pull);
            shift[a].0 -= ux;
            shift[a].1 -= uy;
            shift[b].0 += ux;
            shift[b].1 += uy;
        }
        for (p, s) in pos.iter_mut().zip(shift.iter_mut()) {
            // A pull to the centre keeps unconnected parts from drifting apart.
            s.0 += (0.5 - p.0) * GRAVITY / k;
            s.1 += (0.5 - p.1) * GRAVITY / k;
            let len = (s.0 * s.0 + s.1 * s.1).sqrt().max(1e-9);
            let step = len.min(temperature);
            p.0 += s.0 / len * step;
            p.1 += s.1 / len * step;
        }
        temperature *= 0.97;
    }
    normalise(pos)
}

/// Scales positions to fill the unit square with a small margin.
fn normalise(pos: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in &pos {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let span = (x1 - x0).max(y1 - y0).max(1e-9);
    pos.into_iter()
        .map(|(x, y)| (0.05 + 0.9 * (x - x0) / span, 0.05 + 0.9 * (y - y0) / span))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn force_layout_is_deterministic_and_separates_nodes() {
        let edges = [(0, 1), (1, 2), (2, 0), (3, 4)];
        let a = force(5, &edges, 200);
        assert_eq!(a, force(5, &edges, 200));
        for i in 0..5 {
            for j in (i + 1)..5 {
                let d = ((a[i].0 - a[j].0).powi(2) + (a[i].1 - a[j].1).powi(2)).sqrt();
                assert!(d > 0.05, "nodes {i} and {j} overlap");
            }
        }
    }

    #[test]
    fn circle_positions_are_inside_the_square() {
        assert!(
            circular(7)
                .iter()
                .all(|&(x, y)| (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y))
        );
    }
}
