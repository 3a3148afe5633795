//! SplitMix64 (Steele, Lea and Flood 2014): a tiny, seeded generator that gives the same
//! numbers on every platform, and smooth value noise built on it.

/// A SplitMix64 stream.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

/// The SplitMix64 output function (also a good 64-bit hash).
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Combine a seed with a purpose tag, so that streams derived from one seed are unrelated.
pub(crate) fn derive(seed: u64, tag: u64) -> u64 {
    mix(seed ^ mix(tag.wrapping_add(0x9E37_79B9_7F4A_7C15)))
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(mix(seed))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32) * (1.0 / (1u64 << 24) as f32)
    }

    /// Uniform in [lo, hi).
    pub(crate) fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform in [-a, a).
    pub(crate) fn symmetric(&mut self, a: f32) -> f32 {
        self.range(-a, a)
    }

    /// Uniform integer in 0..n (n > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n.max(1) as u64) as usize
    }

    /// True with probability p.
    pub(crate) fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box-Muller).
    pub(crate) fn normal(&mut self) -> f32 {
        let u1 = self.unit().max(1e-7);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }

    /// A new stream for a sub-task, independent of this one's later draws.
    pub(crate) fn fork(&mut self) -> Rng {
        Rng(mix(self.next_u64() ^ 0xD1B5_4A32_D192_ED03))
    }
}

/// Smooth random field: values in [-1, 1] on a lattice of `spacing` pixels, interpolated with
/// smoothstep weights. Cheap, deterministic, and band-limited to about one cycle per two
/// lattice cells.
#[derive(Debug, Clone)]
pub(crate) struct ValueNoise {
    spacing: f32,
    cols: usize,
    rows: usize,
    values: Vec<f32>,
}

impl ValueNoise {
    /// A field covering `width` x `height` pixels (and a margin around them).
    pub(crate) fn new(rng: &mut Rng, width: usize, height: usize, spacing: f32) -> Self {
        let margin = 2;
        let cols = (width as f32 / spacing).ceil() as usize + 2 * margin + 1;
        let rows = (height as f32 / spacing).ceil() as usize + 2 * margin + 1;
        let values = (0..cols * rows).map(|_| rng.symmetric(1.0)).collect();
        ValueNoise {
            spacing,
            cols,
            rows,
            values,
        }
    }

    pub(crate) fn at(&self, x: f32, y: f32) -> f32 {
        let fx = (x / self.spacing + 2.0).clamp(0.0, (self.cols - 2) as f32);
        let fy = (y / self.spacing + 2.0).clamp(0.0, (self.rows - 2) as f32);
        let (x0, y0) = (fx as usize, fy as usize);
        let (tx, ty) = (smooth(fx - x0 as f32), smooth(fy - y0 as f32));
        let v = |cx: usize, cy: usize| self.values[cy * self.cols + cx];
        let top = v(x0, y0) + (v(x0 + 1, y0) - v(x0, y0)) * tx;
        let bottom = v(x0, y0 + 1) + (v(x0 + 1, y0 + 1) - v(x0, y0 + 1)) * tx;
        top + (bottom - top) * ty
    }
}

/// 3t² − 2t³ on [0, 1].
pub(crate) fn smooth(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// 0 below `lo`, 1 above `hi`, smooth between.
pub(crate) fn smoothstep(lo: f32, hi: f32, v: f32) -> f32 {
    smooth((v - lo) / (hi - lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_spread() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        let mut r = Rng::new(1);
        let mean = (0..10_000).map(|_| r.unit()).sum::<f32>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        let var = (0..10_000).map(|_| r.normal().powi(2)).sum::<f32>() / 10_000.0;
        assert!((var - 1.0).abs() < 0.1, "{var}");
    }
}
