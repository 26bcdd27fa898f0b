//! Nearest-facility search: a static 2-d tree over points with ids.
//!
//! Replaces scans over every facility (quadratic in big worlds) and gives
//! exactly the answer such a scan gives: callers pass their own key (travel
//! minutes or kilometres, any non-decreasing function of the straight-line
//! distance) and ties go to the lowest id, as with
//! `min_by(key.then(id))`. The distance only prunes, with a margin far
//! wider than rounding, and every candidate it keeps is compared by the
//! caller's exact key.

use crate::scenario::Point;

/// Relative margin of pruning: points farther than the best distance
/// times `1 + REL` (plus `ABS`) cannot tie with the best on any key that
/// rounds a monotone function of the distance.
const REL: f64 = 1e-9;
const ABS: f64 = 1e-290;

/// A 2-d tree of `(point, id)`, stored as an implicit balanced tree.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    nodes: Vec<(Point, u32)>,
}

impl Tree {
    /// Builds the tree in O(n log^2 n).
    pub fn new(mut items: Vec<(Point, u32)>) -> Tree {
        build(&mut items, 0);
        Tree { nodes: items }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree has no point.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The point minimising `(key(point), id)`, with its key. `key` must be
    /// a non-decreasing function of `from.dist_km(point)`.
    pub fn nearest(&self, from: Point, key: impl Fn(Point) -> f64) -> Option<(f64, u32)> {
        let mut best = Vec::with_capacity(1);
        self.search(0, self.nodes.len(), 0, from, 1, &key, &mut best);
        best.first().map(|c| (c.key, c.id))
    }

    /// The `k` points with the smallest `(key(point), id)`, in that order,
    /// with their keys; `key` as for [`Tree::nearest`].
    pub fn k_nearest(&self, from: Point, k: usize, key: impl Fn(Point) -> f64) -> Vec<(f64, u32)> {
        let mut best = Vec::with_capacity(k + 1);
        if k > 0 {
            self.search(0, self.nodes.len(), 0, from, k, &key, &mut best);
        }
        best.into_iter().map(|c| (c.key, c.id)).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        lo: usize,
        hi: usize,
        depth: usize,
        from: Point,
        k: usize,
        key: &impl Fn(Point) -> f64,
        best: &mut Vec<Candidate>,
    ) {
        if lo >= hi {
            return;
        }
        let mid = lo + (hi - lo) / 2;
        let (p, id) = self.nodes[mid];
        offer(best, k, Candidate::new(from, p, id, key));
        let diff = if depth.is_multiple_of(2) {
            from.x - p.x
        } else {
            from.y - p.y
        };
        let (near, far) = if diff < 0.0 {
            ((lo, mid), (mid + 1, hi))
        } else {
            ((mid + 1, hi), (lo, mid))
        };
        self.search(near.0, near.1, depth + 1, from, k, key, best);
        let reach = if best.len() < k {
            f64::INFINITY
        } else {
            best[k - 1].dist * (1.0 + REL) + ABS
        };
        if diff.abs() <= reach {
            self.search(far.0, far.1, depth + 1, from, k, key, best);
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Candidate {
    key: f64,
    id: u32,
    dist: f64,
}

impl Candidate {
    fn new(from: Point, p: Point, id: u32, key: &impl Fn(Point) -> f64) -> Candidate {
        Candidate {
            key: key(p),
            id,
            dist: from.dist_km(p),
        }
    }

    fn before(&self, other: &Candidate) -> bool {
        self.key.total_cmp(&other.key).then(self.id.cmp(&other.id)).is_lt()
    }
}

/// Keeps the `k` best candidates, sorted by (key, id).
fn offer(best: &mut Vec<Candidate>, k: usize, c: Candidate) {
    if best.len() == k && !c.before(&best[k - 1]) {
        return;
    }
    let at = best.partition_point(|b| b.before(&c));
    best.insert(at, c);
    best.truncate(k);
}

/// Median split on x at even depths and y at odd ones; points equal to the
/// median may fall on either side, which the search allows for.
fn build(items: &mut [(Point, u32)], depth: usize) {
    if items.len() <= 1 {
        return;
    }
    let mid = items.len() / 2;
    let coord = |p: &(Point, u32)| if depth.is_multiple_of(2) { p.0.x } else { p.0.y };
    items.select_nth_unstable_by(mid, |a, b| coord(a).total_cmp(&coord(b)));
    let (left, right) = items.split_at_mut(mid);
    build(left, depth + 1);
    build(&mut right[1..], depth + 1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scan(points: &[(Point, u32)], k: usize, key: impl Fn(Point) -> f64) -> Vec<(f64, u32)> {
        let mut all: Vec<(f64, u32)> = points.iter().map(|&(p, id)| (key(p), id)).collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        all.truncate(k);
        all
    }

    proptest! {
        /// Same answers as a full scan, on grids with many exact ties.
        #[test]
        fn tree_matches_a_full_scan(
            raw in prop::collection::vec((0i32..12, 0i32..12), 0..120),
            from in (-3i32..15, -3i32..15),
            k in 1usize..20,
        ) {
            let points: Vec<(Point, u32)> = raw
                .iter()
                .enumerate()
                .map(|(i, &(x, y))| (Point { x: f64::from(x) * 0.7, y: f64::from(y) * 1.3 }, i as u32 * 3 % 131))
                .collect();
            let tree = Tree::new(points.clone());
            let from = Point { x: f64::from(from.0) * 0.9, y: f64::from(from.1) * 0.4 };
            let minutes = |p: Point| 1.3 * from.dist_km(p) / 30.0 * 60.0;
            prop_assert_eq!(tree.k_nearest(from, k, minutes), scan(&points, k, minutes));
            prop_assert_eq!(tree.nearest(from, minutes), scan(&points, 1, minutes).first().copied());
        }
    }
}
