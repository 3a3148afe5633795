//! Stage 2: ridge orientation field from the smoothed structure tensor of the gradients,
//! one value per block, with its coherence (0 = no dominant direction, 1 = perfect stripes).
//!
//! Angles here are in image coordinates (x right, y down), ridge direction in [0, π).

use super::params::{BLOCK, ORIENTATION_RADIUS, ORIENTATION_SMOOTH_SIGMA};
use super::raster::{window, Grid};
use std::f32::consts::PI;

/// Ridge orientation per block, kept as the doubled-angle unit vector so it can be averaged.
#[derive(Debug, Clone)]
pub struct OrientationField {
    pub blocks_wide: usize,
    pub blocks_high: usize,
    /// cos 2θ and sin 2θ of the ridge direction θ.
    pub cos2: Vec<f32>,
    pub sin2: Vec<f32>,
    /// Coherence 0..1.
    pub coherence: Vec<f32>,
}

impl OrientationField {
    /// Ridge direction of block (bx, by) in [0, π).
    pub fn angle(&self, bx: usize, by: usize) -> f32 {
        let i = by * self.blocks_wide + bx;
        doubled_to_angle(self.cos2[i], self.sin2[i])
    }

    pub fn coherence_at_pixel(&self, x: usize, y: usize) -> f32 {
        let bx = (x / BLOCK).min(self.blocks_wide - 1);
        let by = (y / BLOCK).min(self.blocks_high - 1);
        self.coherence[by * self.blocks_wide + bx]
    }

    /// Doubled-angle vector at a pixel, bilinear between block centres.
    pub fn doubled_at_pixel(&self, x: f32, y: f32) -> (f32, f32) {
        let fx = ((x - BLOCK as f32 / 2.0) / BLOCK as f32).clamp(0.0, (self.blocks_wide - 1) as f32);
        let fy = ((y - BLOCK as f32 / 2.0) / BLOCK as f32).clamp(0.0, (self.blocks_high - 1) as f32);
        let (x0, y0) = (fx as usize, fy as usize);
        let (x1, y1) = ((x0 + 1).min(self.blocks_wide - 1), (y0 + 1).min(self.blocks_high - 1));
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        let w = self.blocks_wide;
        let lerp = |v: &[f32]| {
            let top = v[y0 * w + x0] * (1.0 - tx) + v[y0 * w + x1] * tx;
            let bottom = v[y1 * w + x0] * (1.0 - tx) + v[y1 * w + x1] * tx;
            top * (1.0 - ty) + bottom * ty
        };
        (lerp(&self.cos2), lerp(&self.sin2))
    }

    /// Ridge direction at a pixel in [0, π), interpolated.
    pub fn angle_at_pixel(&self, x: f32, y: f32) -> f32 {
        let (c, s) = self.doubled_at_pixel(x, y);
        doubled_to_angle(c, s)
    }
}

/// Angle θ in [0, π) from (cos 2θ, sin 2θ).
pub fn doubled_to_angle(c: f32, s: f32) -> f32 {
    let a = 0.5 * s.atan2(c);
    if a < 0.0 { a + PI } else { a }
}

/// Estimate the orientation field of a normalised image.
pub fn orientation_field(image: &Grid<f32>) -> OrientationField {
    let (w, h) = (image.width, image.height);
    // Sobel gradients, products accumulated into integral images for O(1) block windows.
    let w1 = w + 1;
    let mut ixx = vec![0.0f64; w1 * (h + 1)];
    let mut iyy = vec![0.0f64; w1 * (h + 1)];
    let mut ixy = vec![0.0f64; w1 * (h + 1)];
    let px = |x: usize, y: usize| image.data[y * w + x];
    for y in 0..h {
        let (mut rxx, mut ryy, mut rxy) = (0.0f64, 0.0f64, 0.0f64);
        let (ym, yp) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            let (xm, xp) = (x.saturating_sub(1), (x + 1).min(w - 1));
            let gx = (px(xp, ym) + 2.0 * px(xp, y) + px(xp, yp)) - (px(xm, ym) + 2.0 * px(xm, y) + px(xm, yp));
            let gy = (px(xm, yp) + 2.0 * px(x, yp) + px(xp, yp)) - (px(xm, ym) + 2.0 * px(x, ym) + px(xp, ym));
            rxx += (gx * gx) as f64;
            ryy += (gy * gy) as f64;
            rxy += (gx * gy) as f64;
            let i = (y + 1) * w1 + x + 1;
            ixx[i] = ixx[i - w1] + rxx;
            iyy[i] = iyy[i - w1] + ryy;
            ixy[i] = ixy[i - w1] + rxy;
        }
    }
    let box_sum = |t: &[f64], x0: usize, y0: usize, x1: usize, y1: usize| {
        (t[y1 * w1 + x1] - t[y0 * w1 + x1] - t[y1 * w1 + x0] + t[y0 * w1 + x0]) as f32
    };

    let bw = w.div_ceil(BLOCK);
    let bh = h.div_ceil(BLOCK);
    let mut a = Grid::filled(bw, bh, 0.0f32);
    let mut b = Grid::filled(bw, bh, 0.0f32);
    let mut e = Grid::filled(bw, bh, 0.0f32);
    for by in 0..bh {
        let (y0, y1) = window((by * BLOCK + BLOCK / 2).min(h - 1), ORIENTATION_RADIUS, h);
        for bx in 0..bw {
            let (x0, x1) = window((bx * BLOCK + BLOCK / 2).min(w - 1), ORIENTATION_RADIUS, w);
            let gxx = box_sum(&ixx, x0, y0, x1, y1);
            let gyy = box_sum(&iyy, x0, y0, x1, y1);
            let gxy = box_sum(&ixy, x0, y0, x1, y1);
            a.set(bx, by, gxx - gyy);
            b.set(bx, by, 2.0 * gxy);
            e.set(bx, by, gxx + gyy);
        }
    }
    let a = gaussian_blur(&a, ORIENTATION_SMOOTH_SIGMA);
    let b = gaussian_blur(&b, ORIENTATION_SMOOTH_SIGMA);
    let e = gaussian_blur(&e, ORIENTATION_SMOOTH_SIGMA);

    let n = bw * bh;
    let (mut cos2, mut sin2, mut coherence) = (vec![1.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
    for i in 0..n {
        let norm = (a.data[i] * a.data[i] + b.data[i] * b.data[i]).sqrt();
        if norm > 1e-6 {
            // The gradient's doubled angle is (a, b); the ridge is perpendicular to it,
            // which in doubled angles is the opposite vector.
            cos2[i] = -a.data[i] / norm;
            sin2[i] = -b.data[i] / norm;
        }
        coherence[i] = if e.data[i] > 1e-6 { (norm / e.data[i]).min(1.0) } else { 0.0 };
    }
    OrientationField { blocks_wide: bw, blocks_high: bh, cos2, sin2, coherence }
}

/// Separable Gaussian blur of a block grid, renormalised at the edges.
pub fn gaussian_blur(grid: &Grid<f32>, sigma: f32) -> Grid<f32> {
    let r = (sigma * 2.5).ceil() as usize;
    let kernel: Vec<f32> = (0..=2 * r)
        .map(|i| {
            let k = i as f32 - r as f32;
            (-(k * k) / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    // One line of `n` samples, `stride` apart from `start`: interior samples take the whole
    // kernel; near the ends only the taps inside count, renormalised.
    let line = |src: &[f32], dst: &mut [f32], start: usize, stride: usize, n: usize| {
        for i in 0..n {
            let (lo, hi) = (i.saturating_sub(r), (i + r).min(n - 1));
            let (mut s, mut ws) = (0.0f32, 0.0f32);
            for j in lo..=hi {
                let kw = kernel[j + r - i];
                s += kw * src[start + j * stride];
                ws += kw;
            }
            dst[start + i * stride] = s / ws;
        }
    };
    let (w, h) = (grid.width, grid.height);
    let mut rows = Grid::filled(w, h, 0.0f32);
    for y in 0..h {
        line(&grid.data, &mut rows.data, y * w, 1, w);
    }
    let mut out = Grid::filled(w, h, 0.0f32);
    for x in 0..w {
        line(&rows.data, &mut out.data, x, w, h);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Stripes with ridge direction `theta` (image coordinates) and period `period`.
    pub fn stripes(w: usize, h: usize, theta: f32, period: f32) -> Grid<f32> {
        let (nx, ny) = (-theta.sin(), theta.cos());
        let mut g = Grid::filled(w, h, 0.0f32);
        for y in 0..h {
            for x in 0..w {
                let t = x as f32 * nx + y as f32 * ny;
                g.set(x, y, (2.0 * PI * t / period).cos());
            }
        }
        g
    }

    fn angle_diff(a: f32, b: f32) -> f32 {
        let d = (a - b).rem_euclid(PI);
        d.min(PI - d)
    }

    #[test]
    fn gaussian_blur_keeps_flat_areas_flat_and_spreads_an_impulse_symmetrically() {
        let flat = Grid::filled(13, 9, 7.0f32);
        let b = gaussian_blur(&flat, 1.5);
        assert!(b.data.iter().all(|v| (v - 7.0).abs() < 1e-5), "edges renormalised: {:?}", b.data);

        let mut impulse = Grid::filled(21, 21, 0.0f32);
        impulse.set(10, 10, 1.0);
        let b = gaussian_blur(&impulse, 0.8);
        let total: f32 = b.data.iter().sum();
        assert!((total - 1.0).abs() < 1e-5, "mass {total}");
        assert!(b.get(10, 10) > b.get(11, 10) && b.get(11, 10) > b.get(12, 10) && b.get(12, 10) > 0.0);
        assert_eq!(b.get(9, 10), b.get(11, 10));
        assert_eq!(b.get(10, 9), b.get(10, 11));
        assert_eq!(b.get(13, 10), 0.0, "reach is 2.5 sigma, rounded up");
    }

    #[test]
    fn measures_back_the_orientation_of_stripes() {
        for deg in [0.0f32, 20.0, 45.0, 90.0, 135.0, 170.0] {
            let theta = deg.to_radians();
            let field = orientation_field(&stripes(96, 96, theta, 9.0));
            let measured = field.angle(6, 6);
            assert!(angle_diff(measured, theta) < 3f32.to_radians(), "{deg}°: measured {}", measured.to_degrees());
            assert!(field.coherence[6 * field.blocks_wide + 6] > 0.9);
            assert!(angle_diff(field.angle_at_pixel(50.0, 47.0), theta) < 3f32.to_radians());
        }
    }

    #[test]
    fn noise_has_low_coherence() {
        let mut g = Grid::filled(96, 96, 0.0f32);
        let mut s = 12345u32;
        for v in g.data.iter_mut() {
            s = s.wrapping_mul(1664525).wrapping_add(1013904223);
            *v = (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
        }
        let field = orientation_field(&g);
        assert!(field.coherence[6 * field.blocks_wide + 6] < 0.3);
    }
}
