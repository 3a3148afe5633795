//! Verification error rates from genuine and impostor score lists (FVC definitions).
//!
//! Higher score = more similar; a comparison is accepted at threshold `t` when `score >= t`.
//! - FMR(t)  = fraction of impostor scores `>= t` (wrongly accepted),
//! - FNMR(t) = fraction of genuine scores `< t` (wrongly rejected).
//!
//! Thresholds are taken at every distinct score plus `+∞` (where everything is rejected):
//! any other threshold gives the same (FMR, FNMR) as the next distinct score above it, so
//! this visits every operating point. All comparisons between rates are done on exact counts.
//!
//! **EER** follows FVC2000 (Maio et al. 2002, section 4): with
//! `t1 = max{t : FNMR(t) <= FMR(t)}` and `t2 = min{t : FNMR(t) >= FMR(t)}`, take whichever of
//! the two has the smaller `FMR + FNMR` (t1 on a tie) and report `(FMR + FNMR) / 2` there.
//! No interpolation between thresholds.
//!
//! **FMR100**, **FMR1000**, **ZeroFMR**: the lowest FNMR over thresholds with FMR <= 1%,
//! FMR <= 0.1% and FMR = 0 respectively (always defined: at `+∞` FMR is 0).

/// The error rates of one score set, as fractions (0.05 means 5%).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorRates {
    pub eer: f64,
    pub fmr100: f64,
    pub fmr1000: f64,
    pub zero_fmr: f64,
}

/// One operating point: counts of wrongly accepted impostors and wrongly rejected genuines.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    false_matches: u64,
    false_non_matches: u64,
}

/// Every operating point, by increasing threshold (so FMR falls and FNMR rises).
struct Curve {
    points: Vec<Point>,
    genuine: u64,
    impostor: u64,
}

impl Curve {
    fn new(genuine: &[f32], impostor: &[f32]) -> Curve {
        let mut g: Vec<f32> = genuine.to_vec();
        let mut i: Vec<f32> = impostor.to_vec();
        g.sort_by(f32::total_cmp);
        i.sort_by(f32::total_cmp);
        let mut thresholds: Vec<f32> = g.iter().chain(i.iter()).copied().collect();
        thresholds.sort_by(f32::total_cmp);
        thresholds.dedup();

        let mut points: Vec<Point> = thresholds
            .iter()
            .map(|&t| Point {
                // Scores below t are rejected: FMR counts impostors at or above t.
                false_matches: (i.len() - i.partition_point(|&s| s < t)) as u64,
                false_non_matches: g.partition_point(|&s| s < t) as u64,
            })
            .collect();
        // t = +∞: everything rejected.
        points.push(Point {
            false_matches: 0,
            false_non_matches: g.len() as u64,
        });
        Curve {
            points,
            genuine: g.len() as u64,
            impostor: i.len() as u64,
        }
    }

    fn fmr(&self, p: &Point) -> f64 {
        p.false_matches as f64 / self.impostor as f64
    }

    fn fnmr(&self, p: &Point) -> f64 {
        p.false_non_matches as f64 / self.genuine as f64
    }

    /// FNMR(p) compared with FMR(p), exactly: sign of FNMR − FMR.
    fn fnmr_vs_fmr(&self, p: &Point) -> std::cmp::Ordering {
        (p.false_non_matches * self.impostor).cmp(&(p.false_matches * self.genuine))
    }

    fn eer(&self) -> f64 {
        use std::cmp::Ordering::*;
        // FNMR − FMR never decreases along the curve, so {FNMR <= FMR} is a prefix and
        // {FNMR >= FMR} a suffix; the first point is at FNMR 0, the last at FMR 0, so both
        // sets are non-empty.
        let t1 = self
            .points
            .iter()
            .rposition(|p| self.fnmr_vs_fmr(p) != Greater)
            .unwrap_or(0);
        let t2 = self
            .points
            .iter()
            .position(|p| self.fnmr_vs_fmr(p) != Less)
            .unwrap_or(self.points.len() - 1);
        let sum = |k: usize| {
            let p = &self.points[k];
            // Compare sums on a common denominator to stay exact.
            p.false_matches * self.genuine + p.false_non_matches * self.impostor
        };
        let k = if sum(t1) <= sum(t2) { t1 } else { t2 };
        let p = &self.points[k];
        (self.fmr(p) + self.fnmr(p)) / 2.0
    }

    /// Lowest FNMR among points with at most `1/per` false matches (`per` = 0: none at all).
    fn fnmr_at_fmr(&self, per: u64) -> f64 {
        self.points
            .iter()
            .filter(|p| match per {
                0 => p.false_matches == 0,
                _ => p.false_matches * per <= self.impostor,
            })
            .map(|p| self.fnmr(p))
            .fold(1.0, f64::min)
    }
}

/// Error rates of a genuine and an impostor score list; `None` if either list is empty.
pub fn error_rates(genuine: &[f32], impostor: &[f32]) -> Option<ErrorRates> {
    if genuine.is_empty() || impostor.is_empty() {
        return None;
    }
    let curve = Curve::new(genuine, impostor);
    Some(ErrorRates {
        eer: curve.eer(),
        fmr100: curve.fnmr_at_fmr(100),
        fmr1000: curve.fnmr_at_fmr(1000),
        zero_fmr: curve.fnmr_at_fmr(0),
    })
}

/// The median of some values (mean of the two middle ones for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FMR at threshold `t` by definition: the fraction of impostor scores `>= t`.
    fn fmr_at(impostor: &[f32], t: f32) -> f64 {
        impostor.iter().filter(|&&s| s >= t).count() as f64 / impostor.len() as f64
    }

    /// FNMR at threshold `t` by definition: the fraction of genuine scores `< t`.
    fn fnmr_at(genuine: &[f32], t: f32) -> f64 {
        genuine.iter().filter(|&&s| s < t).count() as f64 / genuine.len() as f64
    }

    /// The rates by brute force straight from the definitions, for cross-checking.
    fn brute_force(genuine: &[f32], impostor: &[f32]) -> ErrorRates {
        let mut ts: Vec<f32> = genuine.iter().chain(impostor).copied().collect();
        ts.push(f32::INFINITY);
        let pts: Vec<(f32, f64, f64)> = ts
            .iter()
            .map(|&t| (t, fmr_at(impostor, t), fnmr_at(genuine, t)))
            .collect();
        let best = |ok: &dyn Fn(f64) -> bool| {
            pts.iter()
                .filter(|p| ok(p.1))
                .map(|p| p.2)
                .fold(1.0, f64::min)
        };
        let t1 = pts
            .iter()
            .filter(|p| p.2 <= p.1)
            .map(|p| p.0)
            .fold(f32::NEG_INFINITY, f32::max);
        let t2 = pts
            .iter()
            .filter(|p| p.2 >= p.1)
            .map(|p| p.0)
            .fold(f32::INFINITY, f32::min);
        let at = |t: f32| pts.iter().find(|p| p.0 == t).map(|p| (p.1, p.2)).unwrap();
        let (a, b) = (at(t1), at(t2));
        let eer = if a.0 + a.1 <= b.0 + b.1 + 1e-12 {
            (a.0 + a.1) / 2.0
        } else {
            (b.0 + b.1) / 2.0
        };
        ErrorRates {
            eer,
            fmr100: best(&|f| f <= 0.01 + 1e-12),
            fmr1000: best(&|f| f <= 0.001 + 1e-12),
            zero_fmr: best(&|f| f == 0.0),
        }
    }

    #[test]
    fn agrees_with_brute_force_on_pseudo_random_scores() {
        // A small linear congruential generator: deterministic, no dependency.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |range: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % range) as f32
        };
        for round in 0..200 {
            let (ng, ni) = (1 + round % 7, 1 + (round * 13) % 150);
            // Coarse scores so that ties between and within the lists are frequent.
            let genuine: Vec<f32> = (0..ng).map(|_| 10.0 + next(40)).collect();
            let impostor: Vec<f32> = (0..ni).map(|_| next(30)).collect();
            let fast = error_rates(&genuine, &impostor).unwrap();
            let slow = brute_force(&genuine, &impostor);
            for (a, b) in [
                (fast.eer, slow.eer),
                (fast.fmr100, slow.fmr100),
                (fast.fmr1000, slow.fmr1000),
                (fast.zero_fmr, slow.zero_fmr),
            ] {
                assert!(close(a, b), "round {round}: {fast:?} vs {slow:?}");
            }
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn overlapping_at_one_score() {
        // genuine 3 4 5, impostor 1 2 3. Points (t: FMR, FNMR):
        // 1: 3/3, 0   2: 2/3, 0   3: 1/3, 0   4: 0, 1/3   5: 0, 2/3   ∞: 0, 1
        // t1 = 3 (0 <= 1/3), t2 = 4 (1/3 >= 0), both sums 1/3 → EER = 1/6.
        // FMR <= 1%, 0.1%, 0 first reached at t = 4: FNMR 1/3.
        let r = error_rates(&[3.0, 4.0, 5.0], &[1.0, 2.0, 3.0]).unwrap();
        assert!(close(r.eer, 1.0 / 6.0), "{r:?}");
        assert!(close(r.fmr100, 1.0 / 3.0));
        assert!(close(r.fmr1000, 1.0 / 3.0));
        assert!(close(r.zero_fmr, 1.0 / 3.0));
        assert!(close(fmr_at(&[1.0, 2.0, 3.0], 3.0), 1.0 / 3.0));
        assert!(close(fnmr_at(&[3.0, 4.0, 5.0], 4.0), 1.0 / 3.0));
    }

    #[test]
    fn perfect_separation() {
        // t = 5: FMR 0, FNMR 0.
        let r = error_rates(&[6.0, 5.0], &[2.0, 1.0]).unwrap();
        assert_eq!(
            r,
            ErrorRates {
                eer: 0.0,
                fmr100: 0.0,
                fmr1000: 0.0,
                zero_fmr: 0.0
            }
        );
    }

    #[test]
    fn all_scores_equal_is_chance() {
        // Every extraction failed: all scores 0. Points 0: (1, 0) and ∞: (0, 1).
        // t1 = 0, t2 = ∞, both sums 1 → EER 1/2; any FMR bound needs ∞ → FNMR 1.
        let r = error_rates(&[0.0; 4], &[0.0; 6]).unwrap();
        assert_eq!(
            r,
            ErrorRates {
                eer: 0.5,
                fmr100: 1.0,
                fmr1000: 1.0,
                zero_fmr: 1.0
            }
        );
    }

    #[test]
    fn completely_inverted() {
        // genuine 1, impostor 2. Points 1: (1, 0), 2: (1, 1), ∞: (0, 1).
        // At t = 2 FNMR = FMR = 1, so t1 = t2 = 2: EER 1 (a perfectly wrong system).
        let r = error_rates(&[1.0], &[2.0]).unwrap();
        assert!(close(r.eer, 1.0), "{r:?}");
        assert!(close(r.zero_fmr, 1.0));
    }

    #[test]
    fn crossing_above_wins_when_its_sum_is_smaller() {
        // genuine 1 5 5 5, impostor 4. Points 1: (1, 0), 4: (1, 1/4), 5: (0, 1/4), ∞: (0, 1).
        // t1 = 4 (1/4 <= 1, sum 5/4), t2 = 5 (1/4 >= 0, sum 1/4) → t2: EER 1/8.
        let r = error_rates(&[1.0, 5.0, 5.0, 5.0], &[4.0]).unwrap();
        assert!(close(r.eer, 0.125), "{r:?}");
        assert!(close(r.fmr100, 0.25));
    }

    #[test]
    fn exact_crossing_reports_the_crossing_rate() {
        // genuine 2 4 6 8, impostor 1 3 5 7 (interleaved).
        // t = 4: FMR 2/4 (5, 7), FNMR 1/4 (2): FNMR < FMR.
        // t = 5: FMR 2/4 (5, 7), FNMR 2/4 (2, 4): equal → t1 = t2 = 5, EER = 0.5.
        // t = 6: FMR 1/4, FNMR 2/4: FNMR > FMR.
        let r = error_rates(&[2.0, 4.0, 6.0, 8.0], &[1.0, 3.0, 5.0, 7.0]).unwrap();
        assert!(close(r.eer, 0.5), "{r:?}");
        // FMR = 0 first at t = 8 (7 < 8): FNMR 3/4.
        assert!(close(r.zero_fmr, 0.75));
    }

    #[test]
    fn fmr100_and_fmr1000_on_200_impostors() {
        // Impostors 0, 1, …, 199; genuine 150.5, 198.5, 250.
        // FMR <= 1% allows 2 impostors accepted: smallest threshold t = 198 (198, 199 >= t),
        //   FNMR(198) = 1/3 (150.5). Exactly 1% must count as <= 1%.
        // FMR <= 0.1% of 200 allows 0: next score above 199 is 250, FNMR(250) = 2/3.
        // EER: t = 150.5 has FMR 49/200 (151..199), FNMR 0; t = 151 has FMR 49/200,
        //   FNMR 1/3. t1 = 150.5 (sum 0.245) beats t2 = 151 (sum 0.578): EER 0.1225.
        let impostor: Vec<f32> = (0..200).map(|s| s as f32).collect();
        let genuine = [150.5, 198.5, 250.0];
        let r = error_rates(&genuine, &impostor).unwrap();
        assert!(close(r.fmr100, 1.0 / 3.0), "{r:?}");
        assert!(close(r.fmr1000, 2.0 / 3.0), "{r:?}");
        assert!(close(r.zero_fmr, 2.0 / 3.0), "{r:?}");
        assert!(close(r.eer, 0.1225), "{r:?}");
    }

    #[test]
    fn fmr100_prefers_the_lowest_fnmr() {
        // 100 impostors at 0 and one at 10: FMR(10) = 1/101 < 1%, so t = 10 is allowed and
        // the genuine score 10 is accepted: FMR100 = 0. ZeroFMR needs t = 12: FNMR 1/2.
        let mut impostor = vec![0.0f32; 100];
        impostor.push(10.0);
        let r = error_rates(&[10.0, 12.0], &impostor).unwrap();
        assert_eq!(r.fmr100, 0.0);
        assert_eq!(r.fmr1000, 0.5);
        assert_eq!(r.zero_fmr, 0.5);
    }

    #[test]
    fn empty_lists_have_no_rates() {
        assert!(error_rates(&[], &[1.0]).is_none());
        assert!(error_rates(&[1.0], &[]).is_none());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}
