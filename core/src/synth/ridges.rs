//! Ridge growing by iterative oriented filtering (SFinGe, Cappelli, Maio and Maltoni 2000):
//! start from weak random noise, then repeatedly filter the image with a Gabor filter tuned
//! to the local ridge orientation and period, normalise it and clip it to [-1, 1]. Within two
//! or three passes patches of ridges appear everywhere; later passes join them into long
//! ridges. Where neighbouring patches locked onto different phases, and where diverging flow
//! or a changing period needs a ridge more or less, the pattern settles on an ending or a
//! bifurcation: minutiae appear at random places, as on a real finger.
//!
//! SFinGe grows the pattern from a few seed points. Seeds were tried first here: the fronts
//! growing from them meet along lines, and the minutiae they leave line up in chains, which
//! real fingers do not have. Starting from noise spreads the minutiae out.
//!
//! Speed: the 2-D Gabor filter is applied as two oriented line filters (a Gaussian along the
//! ridge, then a Gabor profile across it), each a sparse set of pixel taps taken from a bank
//! of pre-computed kernels (48 orientations x 21 periods): about 60 multiply-adds per pixel
//! and pass instead of about 500 for a full 2-D kernel.

use std::f32::consts::{PI, TAU};

use super::rng::Rng;

/// Quantised orientations of the kernel bank (3.75° apart).
const ORIENTATIONS: usize = 48;
/// Quantised periods of the kernel bank: 7.0, 7.25, … 12.0 px.
const PERIOD_MIN: f32 = 7.0;
const PERIOD_STEP: f32 = 0.25;
const PERIODS: usize = 21;
/// Gaussian sigma along the ridge (px): long enough to join ridges into continuous lines,
/// short enough to follow their curvature near a core.
const ALONG_SIGMA: f32 = 3.5;
/// Gaussian sigma across the ridge as a fraction of the period: narrow-band enough to lock
/// the spacing, wide enough to let the pattern reorganise around minutiae.
const ACROSS_SIGMA_PER_PERIOD: f32 = 0.5;
/// Padding around the canvas so that kernel taps never leave the buffer.
const MARGIN: usize = 16;
/// Amplification before clipping: keeps the pattern saturated (ridge = 1, valley = -1).
const GAIN: f32 = 2.0;

/// Sparse kernel: (offset in the padded buffer, weight).
type Taps = Vec<(isize, f32)>;

/// Sample a 1-D profile along direction (dx, dy) with bilinear weights.
fn line_kernel(dx: f32, dy: f32, profile: &[(f32, f32)], stride: usize) -> Taps {
    let r = MARGIN as i32 - 1;
    let side = (2 * r + 1) as usize;
    let mut dense = vec![0.0f32; side * side];
    for &(t, w) in profile {
        let (px, py) = (t * dx, t * dy);
        let (x0, y0) = (px.floor(), py.floor());
        let (fx, fy) = (px - x0, py - y0);
        for (ox, oy, b) in [
            (0, 0, (1.0 - fx) * (1.0 - fy)),
            (1, 0, fx * (1.0 - fy)),
            (0, 1, (1.0 - fx) * fy),
            (1, 1, fx * fy),
        ] {
            let x = x0 as i32 + ox;
            let y = y0 as i32 + oy;
            if x.abs() <= r && y.abs() <= r {
                dense[((y + r) as usize) * side + (x + r) as usize] += w * b;
            }
        }
    }
    let mut taps = Taps::new();
    for (i, &w) in dense.iter().enumerate() {
        if w.abs() > 1e-5 {
            let (x, y) = (
                (i % side) as isize - r as isize,
                (i / side) as isize - r as isize,
            );
            taps.push((y * stride as isize + x, w));
        }
    }
    taps
}

/// The bank: along-ridge Gaussians per orientation, across-ridge Gabor profiles per
/// orientation and period.
struct Bank {
    along: Vec<Taps>,
    across: Vec<Taps>,
}

impl Bank {
    fn new(stride: usize) -> Bank {
        let half = (2.5 * ALONG_SIGMA).ceil() as i32;
        let mut along_profile: Vec<(f32, f32)> = (-half..=half)
            .map(|t| {
                (
                    t as f32,
                    (-(t * t) as f32 / (2.0 * ALONG_SIGMA * ALONG_SIGMA)).exp(),
                )
            })
            .collect();
        let sum: f32 = along_profile.iter().map(|p| p.1).sum();
        along_profile.iter_mut().for_each(|p| p.1 /= sum);

        let mut along = Vec::with_capacity(ORIENTATIONS);
        let mut across = Vec::with_capacity(ORIENTATIONS * PERIODS);
        for o in 0..ORIENTATIONS {
            let theta = PI * o as f32 / ORIENTATIONS as f32;
            let (c, s) = (theta.cos(), theta.sin());
            along.push(line_kernel(c, s, &along_profile, stride));
            for p in 0..PERIODS {
                let period = PERIOD_MIN + PERIOD_STEP * p as f32;
                across.push(line_kernel(-s, c, &gabor_profile(period), stride));
            }
        }
        Bank { along, across }
    }
}

/// Even Gabor profile across the ridges: zero mean, unit response to a sinusoid of its own
/// period.
fn gabor_profile(period: f32) -> Vec<(f32, f32)> {
    let sigma = ACROSS_SIGMA_PER_PERIOD * period;
    let half = ((2.5 * sigma).ceil() as i32).min(MARGIN as i32 - 2);
    let envelope = |t: f32| (-t * t / (2.0 * sigma * sigma)).exp();
    let raw: Vec<(f32, f32, f32)> = (-half..=half)
        .map(|t| {
            let t = t as f32;
            (t, envelope(t) * (TAU * t / period).cos(), envelope(t))
        })
        .collect();
    let dc = raw.iter().map(|r| r.1).sum::<f32>() / raw.iter().map(|r| r.2).sum::<f32>();
    let mut profile: Vec<(f32, f32)> = raw.iter().map(|&(t, g, e)| (t, g - dc * e)).collect();
    let response: f32 = profile
        .iter()
        .map(|&(t, w)| w * (TAU * t / period).cos())
        .sum();
    profile.iter_mut().for_each(|p| p.1 /= response);
    profile
}

/// Grow ridges over a `width` x `height` canvas. `orientation` and `period` give the ridge
/// direction (radians, [0, π)) and period (px) per pixel; `active` says where to grow;
/// `passes` how many filtering passes to make. Returns the ridge pattern in [-1, 1]
/// (1 = ridge centre).
pub(crate) fn grow(
    width: usize,
    height: usize,
    orientation: &[f32],
    period: &[f32],
    active: &[bool],
    passes: usize,
    rng: &mut Rng,
) -> Vec<f32> {
    let stride = width + 2 * MARGIN;
    let padded = stride * (height + 2 * MARGIN);
    let bank = Bank::new(stride);
    let pad = |x: usize, y: usize| (y + MARGIN) * stride + x + MARGIN;

    // Active pixels with their kernels.
    let mut cells: Vec<(usize, u16, u16)> = Vec::new();
    for y in 0..height {
        for x in 0..width {
            let i = y * width + x;
            if !active[i] {
                continue;
            }
            let o = ((orientation[i] / PI * ORIENTATIONS as f32).round() as usize) % ORIENTATIONS;
            let p = (((period[i] - PERIOD_MIN) / PERIOD_STEP).round().max(0.0) as usize)
                .min(PERIODS - 1);
            cells.push((pad(x, y), o as u16, (o * PERIODS + p) as u16));
        }
    }

    // Start from weak white noise: every pixel a seed. The filter amplifies the components
    // that fit the local orientation and period; where neighbouring patches lock onto
    // different phases, the defects left between them are the minutiae.
    let mut image = vec![0.0f32; padded];
    for &(i, _, _) in &cells {
        image[i] = rng.symmetric(0.1);
    }
    let mut along = vec![0.0f32; padded];
    let mut filtered = vec![0.0f32; cells.len()];
    for _ in 0..passes {
        along_pass(&cells, &bank, &image, &mut along);
        let mut peak = 0.0f32;
        for (f, &(i, _, k)) in filtered.iter_mut().zip(&cells) {
            *f = apply(&bank.across[k as usize], &along, i);
            peak = peak.max(f.abs());
        }
        // Normalise by the strongest response so that a young pattern grows instead of
        // fading, then saturate.
        let scale = GAIN / peak.max(1e-12);
        for (&f, &(i, _, _)) in filtered.iter().zip(&cells) {
            image[i] = (scale * f).clamp(-1.0, 1.0);
        }
    }
    let mut out = vec![0.0f32; width * height];
    for &(i, _, _) in &cells {
        let (x, y) = (i % stride - MARGIN, i / stride - MARGIN);
        out[y * width + x] = image[i];
    }
    // The saturated pattern is a square wave; a slight blur rounds it into a ridge profile
    // (nearly a sinusoid), so that a threshold on it sets the ridge width, as skin pressure
    // does.
    let mut out = gaussian_blur(&out, width, height, PROFILE_SIGMA);
    out.iter_mut()
        .for_each(|v| *v = (*v * PROFILE_GAIN).clamp(-1.0, 1.0));
    out
}

/// Blur (px) that rounds the grown square wave into a ridge profile, and the gain that brings
/// its amplitude back to about 1.
const PROFILE_SIGMA: f32 = 1.4;
const PROFILE_GAIN: f32 = 1.15;

/// Separable Gaussian blur with edge clamping.
pub(crate) fn gaussian_blur(image: &[f32], width: usize, height: usize, sigma: f32) -> Vec<f32> {
    let half = (3.0 * sigma).ceil() as isize;
    let mut kernel: Vec<f32> = (-half..=half)
        .map(|t| (-((t * t) as f32) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = kernel.iter().sum();
    kernel.iter_mut().for_each(|k| *k /= sum);
    let clamp = |v: isize, n: usize| v.clamp(0, n as isize - 1) as usize;
    let mut rows = vec![0.0f32; width * height];
    for y in 0..height {
        let row = &image[y * width..(y + 1) * width];
        for x in 0..width {
            rows[y * width + x] = kernel
                .iter()
                .enumerate()
                .map(|(k, w)| w * row[clamp(x as isize + k as isize - half, width)])
                .sum();
        }
    }
    let mut out = vec![0.0f32; width * height];
    for y in 0..height {
        for x in 0..width {
            out[y * width + x] = kernel
                .iter()
                .enumerate()
                .map(|(k, w)| w * rows[clamp(y as isize + k as isize - half, height) * width + x])
                .sum();
        }
    }
    out
}

fn along_pass(cells: &[(usize, u16, u16)], bank: &Bank, input: &[f32], output: &mut [f32]) {
    for &(i, o, _) in cells {
        output[i] = apply(&bank.along[o as usize], input, i);
    }
}

#[inline]
fn apply(taps: &Taps, input: &[f32], i: usize) -> f32 {
    let mut sum = 0.0;
    for &(off, w) in taps {
        sum += w * input[(i as isize + off) as usize];
    }
    sum
}
