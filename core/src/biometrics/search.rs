//! 1:N search support: a cheap, rotation- and translation-invariant code per template that
//! ranks a gallery before the exact matcher runs on the best candidates only.
//!
//! Every pair of minutiae at a plausible distance gives a feature (distance, direction of
//! each minutia relative to the segment joining them), quantised coarsely; the code is the
//! set of features present, one bit each. Two impressions of a finger share many features;
//! two fingers share few. Comparing codes is an AND and a population count over 32 words.

use super::params::*;
use super::template::Template;
use std::f32::consts::{PI, TAU};

const DISTANCE_BINS: usize = ((PAIR_MAX_DISTANCE - PAIR_MIN_DISTANCE) / PAIR_DISTANCE_BIN) as usize;
const FEATURES: usize = DISTANCE_BINS * PAIR_ANGLE_BINS * PAIR_ANGLE_BINS;
const CODE_WORDS: usize = FEATURES.div_ceil(64);

/// The prefilter code of one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCode {
    bits: [u64; CODE_WORDS],
    count: u32,
}

impl SearchCode {
    /// The code of a template.
    pub fn new(template: &Template) -> Self {
        let mut bits = [0u64; CODE_WORDS];
        let m = &template.minutiae;
        let bin_width = TAU / PAIR_ANGLE_BINS as f32;
        for i in 0..m.len() {
            let (xi, yi, ti) = (m[i].x as f32, m[i].y as f32, m[i].radians());
            for j in i + 1..m.len() {
                let (dx, dy) = (m[j].x as f32 - xi, m[j].y as f32 - yi);
                let d = (dx * dx + dy * dy).sqrt();
                if !(PAIR_MIN_DISTANCE..PAIR_MAX_DISTANCE).contains(&d) {
                    continue;
                }
                // Template angles count with y up: the segment's direction likewise.
                let segment = (-dy).atan2(dx);
                let tj = m[j].radians();
                let ai = (ti - segment).rem_euclid(TAU);
                let aj = (tj - segment - PI).rem_euclid(TAU);
                let db = (((d - PAIR_MIN_DISTANCE) / PAIR_DISTANCE_BIN) as usize).min(DISTANCE_BINS - 1);
                let bi = ((ai / bin_width) as usize).min(PAIR_ANGLE_BINS - 1);
                let bj = ((aj / bin_width) as usize).min(PAIR_ANGLE_BINS - 1);
                // Both orders, so the code does not depend on which minutia came first.
                for (p, q) in [(bi, bj), (bj, bi)] {
                    let f = (db * PAIR_ANGLE_BINS + p) * PAIR_ANGLE_BINS + q;
                    bits[f / 64] |= 1u64 << (f % 64);
                }
            }
        }
        let count = bits.iter().map(|w| w.count_ones()).sum();
        SearchCode { bits, count }
    }

    /// Cosine similarity of two codes in [0, 1].
    #[inline]
    pub fn similarity(&self, other: &SearchCode) -> f32 {
        if self.count == 0 || other.count == 0 {
            return 0.0;
        }
        let shared: u32 = self.bits.iter().zip(&other.bits).map(|(a, b)| (a & b).count_ones()).sum();
        shared as f32 / ((self.count as f32) * (other.count as f32)).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biometrics::matcher::tests::{random_template, transformed};

    #[test]
    fn a_moved_impression_ranks_above_other_fingers() {
        for seed in 0..10 {
            let finger = random_template(seed, 40);
            let probe = SearchCode::new(&transformed(&finger, 30.0, (25.0, -10.0), 2, seed));
            let mate = probe.similarity(&SearchCode::new(&finger));
            let best_other = (100..130)
                .map(|other| probe.similarity(&SearchCode::new(&random_template(other, 40))))
                .fold(0.0f32, f32::max);
            assert!(mate > best_other + 0.05, "seed {seed}: mate {mate}, best other {best_other}");
        }
    }

    #[test]
    fn codes_are_symmetric_and_an_empty_template_matches_nothing() {
        let a = SearchCode::new(&random_template(1, 30));
        let b = SearchCode::new(&random_template(2, 30));
        assert_eq!(a.similarity(&b), b.similarity(&a));
        assert!((a.similarity(&a) - 1.0).abs() < 1e-6);
        let empty = SearchCode::new(&Template { width: 300, height: 300, quality: 0, minutiae: vec![] });
        assert_eq!(empty.similarity(&a), 0.0);
    }
}
