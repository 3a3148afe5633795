//! Score calibration: calibrated score s means a false match rate of 10^(-s/10).

/// False match rate that a calibrated score stands for.
pub fn fmr_of_score(score: f32) -> f64 {
    10f64.powf(-(score.max(0.0) as f64) / 10.0)
}
