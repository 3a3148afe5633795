//! Stage 9: removal of false minutiae. Each rule removes one kind of artefact of noise,
//! thinning or the finger's edge; the rules run in a fixed order on the candidate list.

use super::minutiae::{BranchEnd, Candidate};
use super::params::*;
use super::segmentation::ForegroundMask;
use super::template::MinutiaKind;
use std::f32::consts::{PI, TAU};

fn angle_between(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(TAU);
    d.min(TAU - d)
}

fn index_at(cands: &[Candidate], x: usize, y: usize) -> Option<usize> {
    cands.iter().position(|c| c.x == x && c.y == y)
}

/// Apply every rule; returns the surviving candidates.
pub fn remove_false_minutiae(mut cands: Vec<Candidate>, mask: &ForegroundMask) -> Vec<Candidate> {
    let n = cands.len();
    let mut keep = vec![true; n];

    // Structural rules use what each branch ran into.
    for i in 0..n {
        for branch in &cands[i].branches {
            let BranchEnd::Minutia { x, y, length } = *branch else { continue };
            let Some(j) = index_at(&cands, x, y) else { continue };
            if j == i {
                continue;
            }
            let (ki, kj) = (cands[i].kind, cands[j].kind);
            let artefact = match (ki, kj) {
                // Spur: a short branch sticking out of a ridge.
                (MinutiaKind::Ending, MinutiaKind::Bifurcation) | (MinutiaKind::Bifurcation, MinutiaKind::Ending) => length <= SPUR_LENGTH,
                // Island or dot: a short ridge with two ends.
                (MinutiaKind::Ending, MinutiaKind::Ending) => length <= SHORT_RIDGE_LENGTH,
                // Bridge across a valley, or a hole in a ridge.
                (MinutiaKind::Bifurcation, MinutiaKind::Bifurcation) => length <= BRIDGE_LENGTH,
            };
            if artefact {
                keep[i] = false;
                keep[j] = false;
            }
        }
    }

    // Broken ridge: two endings close together, facing each other.
    for i in 0..n {
        if cands[i].kind != MinutiaKind::Ending {
            continue;
        }
        for j in i + 1..n {
            if cands[j].kind != MinutiaKind::Ending {
                continue;
            }
            let (dx, dy) = (cands[j].x as f32 - cands[i].x as f32, cands[j].y as f32 - cands[i].y as f32);
            let d = (dx * dx + dy * dy).sqrt();
            if d > BREAK_DISTANCE || d < 1e-3 {
                continue;
            }
            let opposite = angle_between(cands[i].direction, cands[j].direction) > PI * 0.65;
            // Each points away from the gap, into its own ridge.
            let gap = dy.atan2(dx);
            let aligned = angle_between(cands[i].direction, gap + PI) < PI / 3.0;
            if opposite && aligned {
                keep[i] = false;
                keep[j] = false;
            }
        }
    }

    // Too close to be two real minutiae.
    for i in 0..n {
        for j in i + 1..n {
            let (dx, dy) = (cands[j].x as f32 - cands[i].x as f32, cands[j].y as f32 - cands[i].y as f32);
            if dx * dx + dy * dy < MIN_MINUTIA_DISTANCE * MIN_MINUTIA_DISTANCE {
                keep[i] = false;
                keep[j] = false;
            }
        }
    }

    // Clusters: many minutiae in a small disc are a scar or a smudge.
    let r2 = CLUSTER_RADIUS * CLUSTER_RADIUS;
    let crowded: Vec<bool> = (0..n)
        .map(|i| {
            let near = (0..n)
                .filter(|&j| j != i && keep[j])
                .filter(|&j| {
                    let (dx, dy) = (cands[j].x as f32 - cands[i].x as f32, cands[j].y as f32 - cands[i].y as f32);
                    dx * dx + dy * dy < r2
                })
                .count();
            near >= CLUSTER_COUNT
        })
        .collect();

    // The finger's edge cuts ridges: endings there are not real.
    let mut i = 0;
    cands.retain(|c| {
        let k = keep[i] && !crowded[i] && !at_border(c, mask);
        i += 1;
        k
    });
    cands
}

/// A minutia too close to the edge of the finger, or an ending whose ridge, continued
/// past its end, soon leaves the finger (the mask cut the ridge, the ridge did not end).
fn at_border(c: &Candidate, mask: &ForegroundMask) -> bool {
    if mask.distance_at(c.x as f32, c.y as f32) < BORDER_MARGIN {
        return true;
    }
    if c.kind != MinutiaKind::Ending {
        return false;
    }
    let (dx, dy) = (c.direction.cos(), c.direction.sin());
    (1..=BORDER_PROBE as usize).any(|k| {
        let (x, y) = (c.x as f32 - k as f32 * dx, c.y as f32 - k as f32 * dy);
        x < 0.0 || y < 0.0 || !mask.contains(x as usize, y as usize)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(x: usize, y: usize, kind: MinutiaKind, direction: f32, branches: Vec<BranchEnd>) -> Candidate {
        Candidate { x, y, kind, direction, branches }
    }

    fn open_mask() -> ForegroundMask {
        ForegroundMask { blocks_wide: 20, blocks_high: 20, foreground: vec![true; 400], border_distance: vec![60.0; 400] }
    }

    #[test]
    fn removes_a_spur_and_keeps_a_lone_ending() {
        let cands = vec![
            cand(50, 50, MinutiaKind::Ending, 0.0, vec![BranchEnd::Minutia { x: 56, y: 50, length: 6 }]),
            cand(56, 50, MinutiaKind::Bifurcation, 0.0, vec![BranchEnd::Continues; 3]),
            cand(100, 100, MinutiaKind::Ending, 1.0, vec![BranchEnd::Continues]),
        ];
        let kept = remove_false_minutiae(cands, &open_mask());
        assert_eq!(kept.len(), 1);
        assert_eq!((kept[0].x, kept[0].y), (100, 100));
    }

    #[test]
    fn removes_a_broken_ridge() {
        // Ending at x=60 points -x (into its ridge), ending at x=70 points +x.
        let cands = vec![
            cand(60, 80, MinutiaKind::Ending, PI, vec![BranchEnd::Continues]),
            cand(70, 80, MinutiaKind::Ending, 0.0, vec![BranchEnd::Continues]),
        ];
        assert!(remove_false_minutiae(cands, &open_mask()).is_empty());
    }

    #[test]
    fn removes_minutiae_at_the_border() {
        let mut mask = open_mask();
        mask.border_distance = vec![5.0; 400];
        let cands = vec![cand(40, 40, MinutiaKind::Ending, 0.0, vec![BranchEnd::Continues])];
        assert!(remove_false_minutiae(cands, &mask).is_empty());
    }
}
