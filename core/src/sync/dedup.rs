//! Cross-tablet deduplication: every person against every other, with all fingers fused.
//!
//! All pairs of 20,000 persons are 2·10⁸; the exact matcher (about 75,000 comparisons a
//! second per core) cannot score them all. As on the tablet (`biometrics::search`), a cheap
//! code ranks candidates and the matcher scores only the best few: here each person is
//! ranked against every person before them (so each pair is seen once), the
//! [`DedupOptions::shortlist`] best are scored finger by finger, and the calibrated scores
//! of the same fingers are summed. Persons are spread over all cores with rayon. Pairs at
//! or above the threshold are grouped into clusters (connected components), which is what
//! a supervisor adjudicates. docs/hub.md says how this scales.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::biometrics::search::{FingerCode, SearchCode};
use crate::biometrics::{Matcher, PreparedTemplate, Template};

/// Candidates per person that the exact matcher scores. Measured on synthetic
/// templates (`jatigi bench dedup`): the mate of a duplicate ranks first by the code in
/// nearly every case; 16 leaves room for poor impressions at a cost of 16 comparisons a
/// finger per person.
pub const DEDUP_SHORTLIST: usize = 16;
/// Fused score from which a pair is reported: the sum of the fingers' calibrated scores,
/// 60 ≈ a false match rate of 10⁻⁶ per pair under independence of fingers. With the
/// shortlist, 20,000 persons make about 3·10⁵ scored pairs, so under one false pair is
/// expected, while a genuine two-finger pair scores far above (typically over 80).
pub const DEDUP_THRESHOLD: f32 = 60.0;

/// How the dedup trades time for recall.
#[derive(Debug, Clone, Copy)]
pub struct DedupOptions {
    pub shortlist: usize,
    pub threshold: f32,
}

impl Default for DedupOptions {
    fn default() -> Self {
        DedupOptions { shortlist: DEDUP_SHORTLIST, threshold: DEDUP_THRESHOLD }
    }
}

/// One person's fingers for the dedup.
#[derive(Debug, Clone)]
pub struct DedupPerson {
    /// The caller's key (the hub uses the member row).
    pub key: u64,
    pub fingers: Vec<(FingerCode, Template)>,
}

/// Two persons who may be one.
#[derive(Debug, Clone, PartialEq)]
pub struct DedupPair {
    pub a: u64,
    pub b: u64,
    /// Sum of the fingers' calibrated scores.
    pub score: f32,
    /// (finger position, calibrated score) per finger compared.
    pub fingers: Vec<(FingerCode, f32)>,
}

/// What a dedup run found, and how much work it did.
#[derive(Debug, Clone, Default)]
pub struct DedupResult {
    pub pairs: Vec<DedupPair>,
    /// Code comparisons (every finger of every pair of persons).
    pub prefilter_comparisons: u64,
    /// Exact matcher comparisons.
    pub comparisons: u64,
    /// True if the run was cancelled before the end (the pairs are then partial).
    pub cancelled: bool,
}

struct Finger {
    position: FingerCode,
    code: SearchCode,
    template: Template,
    prepared: OnceLock<PreparedTemplate>,
}

impl Finger {
    fn prepared(&self) -> &PreparedTemplate {
        self.prepared.get_or_init(|| PreparedTemplate::new(&self.template))
    }
}

fn same_finger(a: FingerCode, b: FingerCode) -> bool {
    a == b || a == 0 || b == 0
}

/// Code similarity of two persons: for each finger of `p`, its best same-position finger
/// of `q`, summed.
fn code_score(p: &[Finger], q: &[Finger]) -> f32 {
    p.iter()
        .map(|f| q.iter().filter(|g| same_finger(f.position, g.position)).map(|g| f.code.similarity(&g.code)).fold(0.0, f32::max))
        .sum()
}

/// Probes ranked together against each earlier person: the earlier person's codes are
/// read from memory once for the whole block instead of once per probe (the codes of
/// 20,000 persons are 50 MB, far more than a core's cache).
const PROBE_BLOCK: usize = 32;

/// The best `k` candidates by code score, unsorted, with their minimum.
struct Shortlist {
    k: usize,
    best: Vec<(f32, usize)>,
    floor: f32,
}

impl Shortlist {
    fn new(k: usize) -> Self {
        Shortlist { k, best: Vec::with_capacity(k), floor: f32::NEG_INFINITY }
    }

    #[inline]
    fn offer(&mut self, score: f32, j: usize) {
        if self.best.len() < self.k {
            self.best.push((score, j));
            if self.best.len() == self.k {
                self.floor = self.best.iter().map(|b| b.0).fold(f32::INFINITY, f32::min);
            }
        } else if score > self.floor {
            if let Some(slot) = self.best.iter().position(|b| b.0 == self.floor) {
                self.best[slot] = (score, j);
            }
            self.floor = self.best.iter().map(|b| b.0).fold(f32::INFINITY, f32::min);
        }
    }
}

/// Every person against every other. `progress` is called with the number of persons
/// done (from any thread); setting `cancel` stops the run early.
pub fn find_pairs(persons: &[DedupPerson], options: &DedupOptions, progress: &(dyn Fn(u64) + Sync), cancel: &AtomicBool) -> DedupResult {
    let fingers: Vec<Vec<Finger>> = persons
        .par_iter()
        .map(|p| p.fingers.iter().map(|(position, t)| Finger { position: *position, code: SearchCode::new(t), template: t.clone(), prepared: OnceLock::new() }).collect())
        .collect();
    let shortlist = options.shortlist.max(1);
    let blocks: Vec<usize> = (0..persons.len()).step_by(PROBE_BLOCK).collect();
    let per_block: Vec<(Vec<DedupPair>, u64, u64)> = blocks
        .into_par_iter()
        .map_init(Matcher::new, |matcher, first| {
            let last = (first + PROBE_BLOCK).min(persons.len());
            if cancel.load(Ordering::Relaxed) {
                return (Vec::new(), 0, 0);
            }
            // Rank: each probe i of the block against every earlier person j < i.
            let mut lists: Vec<Shortlist> = (first..last).map(|_| Shortlist::new(shortlist)).collect();
            let mut prefilter = 0u64;
            for (j, theirs) in fingers[..last - 1].iter().enumerate() {
                for (list, i) in lists.iter_mut().zip(first..last).filter(|(_, i)| j < *i) {
                    list.offer(code_score(&fingers[i], theirs), j);
                    prefilter += fingers[i].len() as u64;
                }
            }
            // Score the shortlists with the exact matcher.
            let mut exact = 0u64;
            let mut pairs = Vec::new();
            for (list, i) in lists.iter().zip(first..last) {
                for &(_, j) in &list.best {
                    let mut scores = Vec::with_capacity(fingers[i].len());
                    for f in &fingers[i] {
                        let mut top: Option<f32> = None;
                        for g in fingers[j].iter().filter(|g| same_finger(f.position, g.position)) {
                            exact += 1;
                            let s = matcher.compare(f.prepared(), g.prepared());
                            top = Some(top.map_or(s, |t| t.max(s)));
                        }
                        if let Some(s) = top {
                            scores.push((f.position, s));
                        }
                    }
                    let score: f32 = scores.iter().map(|s| s.1).sum();
                    if score >= options.threshold {
                        let (a, b) = (persons[j].key, persons[i].key);
                        pairs.push(DedupPair { a: a.min(b), b: a.max(b), score, fingers: scores });
                    }
                }
            }
            progress((last - first) as u64);
            (pairs, prefilter, exact)
        })
        .collect();
    let mut result = DedupResult { cancelled: cancel.load(Ordering::Relaxed), ..DedupResult::default() };
    for (pairs, prefilter, exact) in per_block {
        result.pairs.extend(pairs);
        result.prefilter_comparisons += prefilter;
        result.comparisons += exact;
    }
    result.pairs.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b)));
    result
}

/// Pairs grouped into clusters: persons linked by any chain of pairs are one cluster.
/// Clusters are sorted by their smallest key, keys within a cluster ascending.
pub fn clusters(pairs: &[DedupPair]) -> Vec<Vec<u64>> {
    let mut keys: Vec<u64> = pairs.iter().flat_map(|p| [p.a, p.b]).collect();
    keys.sort_unstable();
    keys.dedup();
    let index = |k: u64| keys.binary_search(&k).unwrap_or(0);
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for p in pairs {
        let (ra, rb) = (root(&mut parent, index(p.a)), root(&mut parent, index(p.b)));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<u64>> = std::collections::BTreeMap::new();
    for (i, &k) in keys.iter().enumerate() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(k);
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::synthetic::{another_impression, synthetic_template};

    #[test]
    fn planted_duplicates_are_found_and_strangers_are_not_paired() {
        let mut persons: Vec<DedupPerson> =
            (0..300u64).map(|k| DedupPerson { key: k, fingers: vec![(2, synthetic_template(k * 2)), (7, synthetic_template(k * 2 + 1))] }).collect();
        for (n, k) in [5u64, 77, 150].into_iter().enumerate() {
            let fingers = persons[k as usize].fingers.iter().map(|(p, t)| (*p, another_impression(t, 1000 + k))).collect();
            persons.push(DedupPerson { key: 1000 + n as u64, fingers });
        }
        let result = find_pairs(&persons, &DedupOptions::default(), &|_| {}, &AtomicBool::new(false));
        let found: Vec<(u64, u64)> = result.pairs.iter().map(|p| (p.a, p.b)).collect();
        for pair in [(5, 1000), (77, 1001), (150, 1002)] {
            assert!(found.contains(&pair), "{pair:?} in {found:?}");
        }
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(clusters(&result.pairs), vec![vec![5, 1000], vec![77, 1001], vec![150, 1002]]);
    }

    #[test]
    fn clusters_join_chains() {
        let pair = |a, b| DedupPair { a, b, score: 70.0, fingers: vec![] };
        assert_eq!(clusters(&[pair(1, 2), pair(3, 4), pair(2, 9)]), vec![vec![1, 2, 9], vec![3, 4]]);
        assert!(clusters(&[]).is_empty());
    }
}
