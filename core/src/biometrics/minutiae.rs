//! Stage 8: minutiae detection on the skeleton by crossing number (one branch: ending,
//! three: bifurcation), with each branch traced a few pixels to read the minutia's
//! direction and to learn what the branch runs into (used by the false-minutiae filters).

use super::orientation::OrientationField;
use super::params::{DIRECTION_TRACE, SHORT_RIDGE_LENGTH};
use super::raster::Grid;
use super::template::MinutiaKind;
use super::thinning::{neighbourhood, transitions, RING};
use std::f32::consts::{PI, TAU};

/// What a traced branch ran into.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BranchEnd {
    /// Another minutia (its pixel) after `length` steps.
    Minutia { x: usize, y: usize, length: usize },
    /// The trace went on past the distance of interest.
    Continues,
}

/// A minutia found on the skeleton, before filtering.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub x: usize,
    pub y: usize,
    pub kind: MinutiaKind,
    /// Direction in image coordinates (x right, y down), radians in [0, 2π).
    pub direction: f32,
    /// What each branch (one for an ending, three for a bifurcation) runs into.
    pub branches: Vec<BranchEnd>,
}

/// Follow the skeleton from `start` through `first` for up to `max` steps.
/// Returns the path end position and what stopped it.
fn trace(skel: &Grid<bool>, start: (usize, usize), first: (usize, usize), max: usize, direction_at: usize) -> (BranchEnd, (f32, f32)) {
    let (mut prev, mut cur) = (start, first);
    let mut dir_point = (first.0 as f32, first.1 as f32);
    for step in 1..=max {
        if step <= direction_at {
            dir_point = (cur.0 as f32, cur.1 as f32);
        }
        let code = neighbourhood(skel, cur.0, cur.1);
        let t = transitions(code);
        if t != 2 {
            return (BranchEnd::Minutia { x: cur.0, y: cur.1, length: step }, dir_point);
        }
        // Next pixel: a neighbour that is neither the previous pixel nor touching it.
        let mut next = None;
        for (i, (dx, dy)) in RING.iter().enumerate() {
            if code & (1 << i) == 0 {
                continue;
            }
            let (nx, ny) = ((cur.0 as i64 + dx) as usize, (cur.1 as i64 + dy) as usize);
            if (nx, ny) == prev || (nx, ny) == start {
                continue;
            }
            let touches_prev = (nx as i64 - prev.0 as i64).abs() <= 1 && (ny as i64 - prev.1 as i64).abs() <= 1;
            if touches_prev {
                continue;
            }
            let four = dx.abs() + dy.abs() == 1;
            if next.is_none() || four {
                next = Some((nx, ny));
                if four {
                    break;
                }
            }
        }
        match next {
            Some(n) => {
                prev = cur;
                cur = n;
            }
            None => return (BranchEnd::Continues, dir_point),
        }
    }
    (BranchEnd::Continues, dir_point)
}

/// First pixel of each branch leaving (x, y): one per run of set neighbours around the ring,
/// preferring 4-neighbours.
fn branch_starts(skel: &Grid<bool>, x: usize, y: usize) -> Vec<(usize, usize)> {
    let code = neighbourhood(skel, x, y);
    let mut starts = Vec::new();
    for i in 0..8 {
        // A run starts where bit i is set and bit i-1 is not.
        if code & (1 << i) == 0 || code & (1 << ((i + 7) % 8)) != 0 {
            continue;
        }
        let mut best = i;
        let mut j = i;
        while code & (1 << (j % 8)) != 0 && j < i + 8 {
            if j % 2 == 0 {
                best = j % 8;
                break;
            }
            j += 1;
        }
        let (dx, dy) = RING[best];
        starts.push(((x as i64 + dx) as usize, (y as i64 + dy) as usize));
    }
    starts
}

fn angle_of(from: (usize, usize), to: (f32, f32)) -> f32 {
    (to.1 - from.1 as f32).atan2(to.0 - from.0 as f32).rem_euclid(TAU)
}

fn angle_between(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(TAU);
    d.min(TAU - d)
}

/// Snap a traced direction onto the (smoother, more precise) orientation field when they
/// agree, keeping the trace's sense.
fn refine_direction(traced: f32, field: &OrientationField, x: usize, y: usize) -> f32 {
    let theta = field.angle_at_pixel(x as f32, y as f32);
    let candidate = if angle_between(theta, traced) <= PI / 2.0 { theta } else { theta + PI };
    if angle_between(candidate, traced) < PI / 6.0 { candidate.rem_euclid(TAU) } else { traced }
}

/// Detect minutiae on a skeleton.
pub fn detect(skel: &Grid<bool>, field: &OrientationField) -> Vec<Candidate> {
    let (w, h) = (skel.width, skel.height);
    let mut out = Vec::new();
    let reach = SHORT_RIDGE_LENGTH.max(DIRECTION_TRACE) + 2;
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            if !skel.get(x, y) {
                continue;
            }
            let code = neighbourhood(skel, x, y);
            match transitions(code) {
                1 => {
                    let starts = branch_starts(skel, x, y);
                    let Some(&first) = starts.first() else { continue };
                    let (end, point) = trace(skel, (x, y), first, reach, DIRECTION_TRACE);
                    let direction = refine_direction(angle_of((x, y), point), field, x, y);
                    out.push(Candidate { x, y, kind: MinutiaKind::Ending, direction, branches: vec![end] });
                }
                3 => {
                    let starts = branch_starts(skel, x, y);
                    if starts.len() != 3 {
                        continue;
                    }
                    let mut angles = [0.0f32; 3];
                    let mut branches = Vec::with_capacity(3);
                    for (k, &s) in starts.iter().enumerate() {
                        let (end, point) = trace(skel, (x, y), s, reach, DIRECTION_TRACE);
                        angles[k] = angle_of((x, y), point);
                        branches.push(end);
                    }
                    // The two branches closest in angle are the fork; the valley that ends here
                    // runs between them, along their bisector.
                    let pairs = [(0, 1), (1, 2), (0, 2)];
                    let Some(&(a, b)) = pairs.iter().min_by(|p, q| {
                        angle_between(angles[p.0], angles[p.1]).total_cmp(&angle_between(angles[q.0], angles[q.1]))
                    }) else { continue };
                    let (sa, ca) = (angles[a].sin() + angles[b].sin(), angles[a].cos() + angles[b].cos());
                    let traced = sa.atan2(ca).rem_euclid(TAU);
                    let direction = refine_direction(traced, field, x, y);
                    out.push(Candidate { x, y, kind: MinutiaKind::Bifurcation, direction, branches });
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biometrics::orientation::orientation_field;

    fn flat_field(w: usize, h: usize) -> OrientationField {
        orientation_field(&Grid::filled(w, h, 0.0f32))
    }

    #[test]
    fn finds_an_ending_and_its_direction() {
        // A horizontal line from x=10 to x=24 at y=20: endings at both ends.
        let mut s = Grid::filled(64, 40, false);
        for x in 10..=24 {
            s.set(x, 20, true);
        }
        let found = detect(&s, &flat_field(64, 40));
        assert_eq!(found.len(), 2);
        let left = found.iter().find(|c| c.x == 10).expect("left ending");
        assert_eq!(left.kind, MinutiaKind::Ending);
        // Points into the ridge: +x.
        assert!(angle_between(left.direction, 0.0) < 0.2, "{}", left.direction);
        assert!(matches!(left.branches[0], BranchEnd::Minutia { x: 24, y: 20, .. }));
    }

    #[test]
    fn finds_a_bifurcation_pointing_between_its_forks() {
        // Stem from the left, forks going up-right and down-right.
        let mut s = Grid::filled(80, 60, false);
        for x in 5..=30 {
            s.set(x, 30, true);
        }
        for k in 1..=20 {
            s.set(30 + k, 30 - k, true);
            s.set(30 + k, 30 + k, true);
        }
        let found = detect(&s, &flat_field(80, 60));
        let bif = found.iter().find(|c| c.kind == MinutiaKind::Bifurcation).expect("bifurcation");
        assert!((bif.x as i64 - 30).abs() <= 1 && (bif.y as i64 - 30).abs() <= 1);
        assert!(angle_between(bif.direction, 0.0) < 0.3, "points +x between the forks: {}", bif.direction);
        assert_eq!(found.iter().filter(|c| c.kind == MinutiaKind::Ending).count(), 3);
    }
}
