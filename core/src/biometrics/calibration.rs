//! Score calibration: a calibrated score s means a false match rate of 10^(-s/10), so a
//! threshold reads directly as a false match rate (30 = 1 in 1,000; 40 = 1 in 10,000).
//!
//! The raw LSS-R similarity is mapped through a piecewise-linear table fitted to 184,320
//! impostor comparisons (every pair of different finger numbers among the 640 FVC images of
//! shared/data/fingerprints) by `cargo run --release -p jatigi-core --example
//! fit_calibration`. Refit whenever the extractor or the matcher changes; the table and its
//! limits are documented in docs/biometrics.md.

/// (raw similarity, calibrated score) knots, increasing. Up to 40 each knot rests on at
/// least 10 counted impostors; the last two are the third-highest and the highest impostor.
const KNOTS: &[(f32, f32)] = &[
    (0.00000, 0.0),
    (0.01439, 5.0),
    (0.01654, 10.0),
    (0.01910, 15.0),
    (0.02253, 20.0),
    (0.02677, 25.0),
    (0.03250, 30.0),
    (0.04244, 35.0),
    (0.05029, 40.0),
    (0.06169, 47.9),
    (0.25955, 52.7),
];

/// Past the highest impostor ever seen the table continues along its mean slope from the
/// 30 knot (score points per unit of raw similarity): an extrapolation, not a measurement.
const TAIL_SLOPE: f32 = 99.8;

/// Highest calibrated score (a false match rate of 10^-10): beyond it, numbers mean nothing.
pub const MAX_SCORE: f32 = 100.0;

/// Map a raw similarity in [0, 1] to a calibrated score in [0, 100].
pub fn calibrate(raw: f32) -> f32 {
    if raw.is_nan() || raw <= KNOTS[0].0 {
        return KNOTS[0].1;
    }
    for w in KNOTS.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if raw <= x1 {
            return y0 + (raw - x0) / (x1 - x0) * (y1 - y0);
        }
    }
    let (x, y) = KNOTS[KNOTS.len() - 1];
    (y + (raw - x) * TAIL_SLOPE).min(MAX_SCORE)
}

/// False match rate that a calibrated score stands for.
pub fn fmr_of_score(score: f32) -> f64 {
    10f64.powf(-(score.max(0.0) as f64) / 10.0)
}

/// Calibrated score whose false match rate is `fmr` (e.g. 1e-4 gives 40).
pub fn score_of_fmr(fmr: f64) -> f32 {
    (-10.0 * fmr.clamp(1e-10, 1.0).log10()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_is_monotonic_and_bounded() {
        let mut last = -1.0f32;
        for i in 0..=1000 {
            let s = calibrate(i as f32 / 1000.0);
            assert!(s >= last, "not monotonic at {i}");
            assert!((0.0..=MAX_SCORE).contains(&s));
            last = s;
        }
        assert_eq!(calibrate(f32::NAN), 0.0);
        assert_eq!(calibrate(-1.0), 0.0);
    }

    #[test]
    fn knots_read_as_false_match_rates() {
        assert!((fmr_of_score(40.0) - 1e-4).abs() < 1e-12);
        assert!((score_of_fmr(1e-3) - 30.0).abs() < 1e-4);
        let at_knot = calibrate(KNOTS[8].0);
        assert!((at_knot - 40.0).abs() < 1e-3);
        for w in KNOTS.windows(2) {
            assert!(w[0].0 < w[1].0 && w[0].1 < w[1].1, "knots increase");
        }
    }
}
