//! Score calibration: a calibrated score s means a false match rate of 10^(-s/10), so a
//! threshold reads directly as a false match rate (30 = 1 in 1,000; 40 = 1 in 10,000).
//!
//! The raw LSS-R similarity is mapped through a piecewise-linear table fitted to the
//! impostor score distribution (see docs/formats/template.md, "Scores").

/// (raw similarity, calibrated score) knots, increasing. Placeholder until fitted.
const KNOTS: &[(f32, f32)] = &[(0.0, 0.0), (1.0, 100.0)];

/// Map a raw similarity in [0, 1] to a calibrated score.
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
    KNOTS[KNOTS.len() - 1].1
}

/// False match rate that a calibrated score stands for.
pub fn fmr_of_score(score: f32) -> f64 {
    10f64.powf(-(score.max(0.0) as f64) / 10.0)
}
