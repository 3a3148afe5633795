//! Scalar quantization of the subbands: bin widths from subband variances and the target
//! bit rate (the specification's encoder parameters), and the quantizer / dequantizer.
//!
//! Each coded subband `k` gets a bin width `Q_k` and a wider zero bin `Z_k = 1.2 Q_k`
//! (small coefficients are mostly noise). Relative widths are `1` for the four coarsest
//! subbands and `10 / (A_k ln σ²_k)` elsewhere, then all are divided by one factor `q`
//! chosen so that a simple rate model (bits per coefficient ≈ log2 of σ / Q, weighted by the
//! share of the image each subband covers) meets the target bit rate. A subband whose
//! variance is tiny is not coded; one whose bin would exceed five standard deviations is
//! left out of the rate model.

use super::segments::{round_scaled_u16, QuantTable, BIN_CENTER, CODED_SUBBANDS, NUM_SUBBANDS};
use super::transform::Region;

/// Subbands with a variance below this are not coded at all.
const VARIANCE_THRESHOLD: f64 = 1.01;
/// Zero-bin width relative to the bin width.
const ZERO_BIN_RATIO: f64 = 1.2;
/// A subband is dropped when its bin would be this many standard deviations wide.
const DROP_SIGMAS: f64 = 5.0;
/// Constant of the rate model (bits ≈ log2(γ σ / Q) - 1 with γ = 2.5, rearranged).
const RATE_GAMMA: f64 = 2.5;
/// If the four coarsest subbands vary this little in their central windows, the image is
/// small or flat and variances are taken over whole subbands instead.
const SMALL_IMAGE_VARIANCE_SUM: f64 = 20_000.0;
/// First subband of the second and third size classes (share of the image 1/256, 1/16).
const SIZE_CLASS_2: usize = 4;
const SIZE_CLASS_3: usize = 51;

/// Weight `A_k` of the bin width: 1 except for the eight largest subbands.
fn weight(k: usize) -> f64 {
    match k {
        52 | 56 => 1.32,
        53 | 55 | 58 | 59 => 1.08,
        54 | 57 => 1.42,
        _ => 1.0,
    }
}

/// Share of the image area a subband covers (its `m_k`).
fn share(k: usize) -> f64 {
    if k < SIZE_CLASS_2 {
        1.0 / 1024.0
    } else if k < SIZE_CLASS_3 {
        1.0 / 256.0
    } else {
        1.0 / 16.0
    }
}

/// Variance of the coefficients of `band` (unbiased), over the central window the
/// specification prescribes (or the whole band when `whole`). Bands too small for a
/// variance get 0.
fn variance(plane: &[f32], stride: usize, band: &Region, whole: bool) -> f64 {
    let (x0, y0, w, h) = if whole {
        (band.x, band.y, band.width, band.height)
    } else {
        (
            band.x + band.width / 8,
            band.y + 9 * band.height / 32,
            3 * band.width / 4,
            7 * band.height / 16,
        )
    };
    let n = w * h;
    if n < 2 {
        return 0.0;
    }
    let (mut sum, mut squares) = (0.0f64, 0.0f64);
    for y in y0..y0 + h {
        for &v in &plane[y * stride + x0..y * stride + x0 + w] {
            let v = f64::from(v);
            sum += v;
            squares += v * v;
        }
    }
    let n = n as f64;
    ((squares - sum * sum / n) / (n - 1.0)).max(0.0)
}

/// Bin widths for the transformed `plane` at `bitrate` bits per pixel. The widths are
/// rounded as the DQT segment will store them, so encoder and decoder use the same values.
pub fn bin_widths(
    plane: &[f32],
    stride: usize,
    subbands: &[Region; 64],
    bitrate: f64,
) -> QuantTable {
    let mut variances = [0.0f64; NUM_SUBBANDS];
    for k in 0..CODED_SUBBANDS {
        variances[k] = variance(plane, stride, &subbands[k], false);
    }
    if variances[..SIZE_CLASS_2].iter().sum::<f64>() < SMALL_IMAGE_VARIANCE_SUM {
        for k in 0..CODED_SUBBANDS {
            variances[k] = variance(plane, stride, &subbands[k], true);
        }
    }

    let mut relative = [0.0f64; NUM_SUBBANDS];
    let mut sigma = [0.0f64; NUM_SUBBANDS];
    let mut kept: Vec<usize> = Vec::with_capacity(CODED_SUBBANDS);
    for k in 0..CODED_SUBBANDS {
        if variances[k] >= VARIANCE_THRESHOLD {
            sigma[k] = variances[k].sqrt();
            relative[k] = if k < SIZE_CLASS_2 {
                1.0
            } else {
                10.0 / (weight(k) * variances[k].ln())
            };
            kept.push(k);
        }
    }

    // Solve the rate model for q over the subbands in the model, drop from the model those
    // whose bins would be too wide, repeat. As in the reference encoder, the dropped
    // subbands only leave the rate model: the final q still gives them a (wide) bin, so
    // their few large coefficients survive.
    let coded = kept.clone();
    let mut q = 1.0;
    while !kept.is_empty() {
        let s: f64 = kept.iter().map(|&k| share(k)).sum();
        let log_p: f64 = kept
            .iter()
            .map(|&k| share(k) * (sigma[k] / relative[k]).ln())
            .sum();
        q = (2f64.powf(bitrate / s - 1.0) / RATE_GAMMA) / (log_p / s).exp();
        let before = kept.len();
        kept.retain(|&k| relative[k] / q < DROP_SIGMAS * sigma[k]);
        if kept.len() == before {
            break;
        }
    }

    let mut table = QuantTable {
        bin_center: BIN_CENTER,
        q: [0.0; NUM_SUBBANDS],
        z: [0.0; NUM_SUBBANDS],
    };
    for &k in &coded {
        let width = relative[k] / q;
        table.q[k] = round_scaled_u16(width);
        table.z[k] = round_scaled_u16(ZERO_BIN_RATIO * width);
        if table.q[k] <= 0.0 || table.z[k] <= 0.0 {
            // Too small or too large to store: leave the subband out rather than write a
            // table that does not match what was quantized.
            table.q[k] = 0.0;
            table.z[k] = 0.0;
        }
    }
    log::debug!(
        "wsq: q = {q:.5}, {} subbands coded, {} in the rate model",
        coded.len(),
        kept.len()
    );
    table
}

/// Largest bin index the entropy coder can carry (16-bit escape).
pub const MAX_INDEX: i32 = u16::MAX as i32;

/// Bin index of coefficient `a` for bin width `q` and zero-bin width `z`.
pub fn quantize(a: f32, q: f32, z: f32) -> i32 {
    let half_zero = z / 2.0;
    let index = if a > half_zero {
        ((a - half_zero) / q).floor() as i32 + 1
    } else if a < -half_zero {
        ((a + half_zero) / q).ceil() as i32 - 1
    } else {
        0
    };
    index.clamp(-MAX_INDEX, MAX_INDEX)
}

/// Reconstructed coefficient for bin index `p` (`c` is the bin centre, about 0.44).
pub fn dequantize(p: i32, q: f32, z: f32, c: f32) -> f32 {
    let half_zero = z / 2.0;
    match p {
        0 => 0.0,
        p if p > 0 => (p as f32 - c) * q + half_zero,
        p => (p as f32 + c) * q - half_zero,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantizer_and_dequantizer_agree() {
        let (q, z, c) = (2.0, 2.4, 0.44);
        assert_eq!(quantize(1.1, q, z), 0);
        assert_eq!(quantize(1.3, q, z), 1);
        assert_eq!(quantize(-3.3, q, z), -2);
        for a in [-40.0f32, -7.5, -1.3, 0.0, 1.25, 3.0, 19.9] {
            let back = dequantize(quantize(a, q, z), q, z, c);
            assert!((back - a).abs() <= q.max(z / 2.0), "{a} -> {back}");
        }
    }
}
