//! 1:N search: a cheap, rotation- and translation-invariant code per template ranks the
//! whole gallery; the exact matcher then scores the best candidates only, and the scores of
//! a person's fingers are fused by sum.
//!
//! Every pair of minutiae at a plausible distance gives a feature (distance, direction of
//! each minutia relative to the segment joining them), quantised coarsely; the code is the
//! set of features present, one bit each. Two impressions of a finger share many features;
//! two fingers share few. Comparing codes is an AND and a population count over 32 words.

use super::matcher::{Matcher, PreparedTemplate};
use super::params::*;
use super::template::Template;
use std::f32::consts::{PI, TAU};
use std::sync::OnceLock;

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
                // Template angles count with y up: the segment's direction likewise. Bins are
                // 15° wide, so a fast arc tangent (error under 0.01°) is exact enough.
                let segment = atan2_fast(-dy, dx);
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

/// Arc tangent by a minimax polynomial (max error about 1e-4 rad), several times faster
/// than `f32::atan2`; codes are computed for every pair of minutiae of every template.
#[inline]
fn atan2_fast(y: f32, x: f32) -> f32 {
    let (ax, ay) = (x.abs(), y.abs());
    let (small, large) = if ax < ay { (ax, ay) } else { (ay, ax) };
    if large == 0.0 {
        return 0.0;
    }
    let a = small / large;
    let s = a * a;
    let mut r = ((-0.046_496_473 * s + 0.159_314_22) * s - 0.327_622_77) * s * a + a;
    if ay > ax {
        r = std::f32::consts::FRAC_PI_2 - r;
    }
    if x < 0.0 {
        r = PI - r;
    }
    if y < 0.0 {
        -r
    } else {
        r
    }
}

/// ISO/IEC 19794-2 finger position code: 0 unknown, 1-10 right thumb to left little.
pub type FingerCode = u8;

/// One enrolled finger: its search code, its template, and its cylinders once needed.
#[derive(Debug)]
struct GalleryFinger {
    position: FingerCode,
    code: SearchCode,
    template: Template,
    prepared: OnceLock<PreparedTemplate>,
}

#[derive(Debug)]
struct GalleryPerson {
    id: u64,
    fingers: Vec<GalleryFinger>,
}

/// Everyone enrolled, ready for duplicate search. Cylinders are built on first use only:
/// the prefilter keeps most people from ever needing them.
#[derive(Debug, Default)]
pub struct Gallery {
    persons: Vec<GalleryPerson>,
}

/// The fingers of the person being checked, prepared once for the whole search.
#[derive(Debug)]
pub struct Probe {
    fingers: Vec<(FingerCode, SearchCode, PreparedTemplate)>,
}

impl Probe {
    pub fn new(fingers: &[(FingerCode, Template)]) -> Self {
        Probe { fingers: fingers.iter().map(|(p, t)| (*p, SearchCode::new(t), PreparedTemplate::new(t))).collect() }
    }
}

/// How a search trades time for recall.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    /// Persons, best by the prefilter, that the exact matcher compares.
    pub shortlist: usize,
    /// Fused scores below this are not reported.
    pub min_score: f32,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { shortlist: SEARCH_SHORTLIST, min_score: SEARCH_MIN_SCORE }
    }
}

/// A possible duplicate: a person and the fused score of all compared fingers.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub person: u64,
    /// Sum of the calibrated finger scores: under independence of fingers, 10·log10(1/FMR)
    /// of the whole person.
    pub score: f32,
    /// (finger position, calibrated score) for each compared finger.
    pub fingers: Vec<(FingerCode, f32)>,
}

/// Do two finger positions name the same finger (unknown matches anything)?
fn same_finger(a: FingerCode, b: FingerCode) -> bool {
    a == b || a == 0 || b == 0
}

impl Gallery {
    pub fn new() -> Self {
        Gallery::default()
    }

    /// Enrol a person's fingers under `id`.
    pub fn add(&mut self, id: u64, fingers: &[(FingerCode, Template)]) {
        let fingers = fingers
            .iter()
            .map(|(position, template)| GalleryFinger {
                position: *position,
                code: SearchCode::new(template),
                template: template.clone(),
                prepared: OnceLock::new(),
            })
            .collect();
        self.persons.push(GalleryPerson { id, fingers });
    }

    /// Number of persons.
    pub fn len(&self) -> usize {
        self.persons.len()
    }

    /// Build every cylinder now (about 0.1 ms a finger), for example on a background thread
    /// after loading, so that no search pays for them later.
    pub fn prepare_all(&self) {
        for finger in self.persons.iter().flat_map(|p| &p.fingers) {
            finger.prepared.get_or_init(|| PreparedTemplate::new(&finger.template));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    /// Persons who may be the probe, best first: the prefilter ranks everyone, the exact
    /// matcher scores the shortlist, finger scores are fused by sum.
    pub fn search(&self, probe: &Probe, matcher: &mut Matcher, options: &SearchOptions) -> Vec<SearchHit> {
        let mut ranked: Vec<(f32, usize)> = self
            .persons
            .iter()
            .enumerate()
            .map(|(index, person)| {
                let score: f32 = probe
                    .fingers
                    .iter()
                    .map(|(position, code, _)| {
                        person.fingers.iter().filter(|f| same_finger(f.position, *position)).map(|f| code.similarity(&f.code)).fold(0.0, f32::max)
                    })
                    .sum();
                (score, index)
            })
            .collect();
        let keep = options.shortlist.min(ranked.len());
        if keep == 0 {
            return Vec::new();
        }
        if ranked.len() > keep {
            ranked.select_nth_unstable_by(keep - 1, |a, b| b.0.total_cmp(&a.0));
            ranked.truncate(keep);
        }
        let mut hits: Vec<SearchHit> = ranked
            .iter()
            .filter_map(|&(_, index)| {
                let person = &self.persons[index];
                let mut fingers = Vec::new();
                for (position, _, prepared) in &probe.fingers {
                    let best = person
                        .fingers
                        .iter()
                        .filter(|f| same_finger(f.position, *position))
                        .map(|f| matcher.compare(prepared, f.prepared.get_or_init(|| PreparedTemplate::new(&f.template))))
                        .fold(None, |best: Option<f32>, s| Some(best.map_or(s, |b| b.max(s))));
                    if let Some(score) = best {
                        fingers.push((*position, score));
                    }
                }
                let score = fingers.iter().map(|f| f.1).sum();
                (score >= options.min_score).then_some(SearchHit { person: person.id, score, fingers })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.person.cmp(&b.person)));
        hits
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
    fn a_person_enrolled_among_many_is_found_first_with_both_fingers() {
        let mut gallery = Gallery::new();
        for id in 0..300u64 {
            let seed = id as u32 * 2;
            gallery.add(id, &[(2, random_template(seed, 35)), (7, random_template(seed + 1, 35))]);
        }
        let target = 123u64;
        let (a, b) = (random_template(246, 35), random_template(247, 35));
        let probe = Probe::new(&[(2, transformed(&a, -20.0, (10.0, 15.0), 2, 5)), (7, transformed(&b, 15.0, (-12.0, 8.0), 2, 6))]);
        let hits = gallery.search(&probe, &mut Matcher::new(), &SearchOptions::default());
        let first = hits.first().expect("a hit");
        assert_eq!(first.person, target);
        assert_eq!(first.fingers.len(), 2);
        assert!(first.score > 80.0, "both fingers match strongly: {}", first.score);
        assert!(hits.iter().skip(1).all(|h| h.score < 40.0), "no stranger scores like a duplicate");
    }

    #[test]
    fn fingers_are_compared_only_with_the_same_finger_position() {
        let mut gallery = Gallery::new();
        let t = random_template(9, 35);
        gallery.add(1, &[(3, t.clone())]);
        let same_position = gallery.search(&Probe::new(&[(3, t.clone())]), &mut Matcher::new(), &SearchOptions::default());
        let other_position = gallery.search(&Probe::new(&[(4, t.clone())]), &mut Matcher::new(), &SearchOptions::default());
        let unknown_position = gallery.search(&Probe::new(&[(0, t)]), &mut Matcher::new(), &SearchOptions::default());
        assert_eq!(same_position.len(), 1);
        assert!(other_position.is_empty());
        assert_eq!(unknown_position.len(), 1);
    }

    #[test]
    fn the_fast_arc_tangent_is_close() {
        for k in 0..720 {
            let t = (k as f32 * 0.5).to_radians() - PI + 0.001;
            let (y, x) = (t.sin() * 7.0, t.cos() * 7.0);
            assert!((atan2_fast(y, x) - y.atan2(x)).abs() < 2e-4, "{k}");
        }
        assert_eq!(atan2_fast(0.0, 0.0), 0.0);
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
