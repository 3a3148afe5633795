//! Stage 4: ridge period per block from the x-signature (Hong, Wan and Jain 1998): grey
//! levels are averaged along the ridges and read across them; the distance between peaks is
//! the period. Blocks that give no plausible period take their neighbours' value.

use super::orientation::{gaussian_blur, OrientationField};
use super::params::*;
use super::raster::Grid;
use super::segmentation::ForegroundMask;

/// Ridge period in pixels per block.
#[derive(Debug, Clone)]
pub struct RidgePeriod {
    pub blocks_wide: usize,
    pub period: Vec<f32>,
}

impl RidgePeriod {
    pub fn at_pixel(&self, x: usize, y: usize) -> f32 {
        let bx = (x / BLOCK).min(self.blocks_wide - 1);
        let by = (y / BLOCK).min(self.period.len() / self.blocks_wide - 1);
        self.period[by * self.blocks_wide + bx]
    }
}

/// Measure the period of one block from its x-signature, if plausible.
fn block_period(image: &Grid<f32>, cx: f32, cy: f32, theta: f32) -> Option<f32> {
    let (dx, dy) = (theta.cos(), theta.sin());
    let (nx, ny) = (-dy, dx);
    const N: usize = (2 * FREQUENCY_HALF_LENGTH + 1) as usize;
    let mut signature = [0.0f32; N];
    for (slot, k) in (-FREQUENCY_HALF_LENGTH..=FREQUENCY_HALF_LENGTH).enumerate() {
        let (mut sum, mut count) = (0.0f32, 0u32);
        for j in -FREQUENCY_HALF_WIDTH..=FREQUENCY_HALF_WIDTH {
            let x = (cx + k as f32 * nx + j as f32 * dx).round() as i64;
            let y = (cy + k as f32 * ny + j as f32 * dy).round() as i64;
            if let Some(v) = image.get_checked(x, y) {
                sum += v;
                count += 1;
            }
        }
        if count == 0 {
            return None;
        }
        signature[slot] = sum / count as f32;
    }
    let mut smooth = [0.0f32; N];
    for i in 0..N {
        let a = signature[i.saturating_sub(1)];
        let c = signature[(i + 1).min(N - 1)];
        smooth[i] = 0.25 * a + 0.5 * signature[i] + 0.25 * c;
    }
    let peaks: Vec<usize> = (1..N - 1).filter(|&i| smooth[i] > smooth[i - 1] && smooth[i] >= smooth[i + 1]).collect();
    if peaks.len() < 2 {
        return None;
    }
    // Sub-pixel peak positions (parabola through the three samples) sharpen the estimate.
    let refine = |i: usize| {
        let (a, b, c) = (smooth[i - 1], smooth[i], smooth[i + 1]);
        let den = a - 2.0 * b + c;
        if den.abs() > 1e-6 { i as f32 + 0.5 * (a - c) / den } else { i as f32 }
    };
    let first = refine(peaks[0]);
    let last = refine(peaks[peaks.len() - 1]);
    let period = (last - first) / (peaks.len() - 1) as f32;
    (MIN_PERIOD..=MAX_PERIOD).contains(&period).then_some(period)
}

/// Ridge period map of a normalised image.
pub fn ridge_period(image: &Grid<f32>, field: &OrientationField, mask: &ForegroundMask) -> RidgePeriod {
    let (bw, bh) = (field.blocks_wide, field.blocks_high);
    let mut measured: Vec<Option<f32>> = vec![None; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            let i = by * bw + bx;
            if mask.foreground[i] {
                let c = (bx * BLOCK) as f32 + BLOCK as f32 / 2.0;
                let r = (by * BLOCK) as f32 + BLOCK as f32 / 2.0;
                measured[i] = block_period(image, c, r, field.angle(bx, by));
            }
        }
    }
    let mut valid: Vec<f32> = measured.iter().flatten().copied().collect();
    valid.sort_by(f32::total_cmp);
    let median = if valid.is_empty() { DEFAULT_PERIOD } else { valid[valid.len() / 2] };

    // Fill unmeasured blocks from measured neighbours, growing outward a few rounds.
    for _ in 0..4 {
        let snapshot = measured.clone();
        for by in 0..bh {
            for bx in 0..bw {
                if snapshot[by * bw + bx].is_some() {
                    continue;
                }
                let (mut sum, mut n) = (0.0f32, 0);
                for yy in by.saturating_sub(1)..(by + 2).min(bh) {
                    for xx in bx.saturating_sub(1)..(bx + 2).min(bw) {
                        if let Some(p) = snapshot[yy * bw + xx] {
                            sum += p;
                            n += 1;
                        }
                    }
                }
                if n > 0 {
                    measured[by * bw + bx] = Some(sum / n as f32);
                }
            }
        }
    }
    let filled = Grid { width: bw, height: bh, data: measured.iter().map(|p| p.unwrap_or(median)).collect() };
    let smooth = gaussian_blur(&filled, 1.5);
    RidgePeriod { blocks_wide: bw, period: smooth.data }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biometrics::orientation::{orientation_field, tests::stripes};

    #[test]
    fn measures_back_the_period_of_stripes() {
        for (deg, period) in [(0.0f32, 8.0f32), (30.0, 10.0), (100.0, 12.0), (60.0, 7.0)] {
            let image = stripes(96, 96, deg.to_radians(), period);
            let field = orientation_field(&image);
            let (bw, bh) = (field.blocks_wide, field.blocks_high);
            let mask = ForegroundMask {
                blocks_wide: bw,
                blocks_high: bh,
                foreground: vec![true; bw * bh],
                border_distance: vec![50.0; bw * bh],
            };
            let map = ridge_period(&image, &field, &mask);
            let p = map.at_pixel(48, 48);
            assert!((p - period).abs() < 0.4, "{deg}° period {period}: measured {p}");
        }
    }
}
