//! The discrete wavelet transform of WSQ: a 9/7 biorthogonal filter bank with whole-sample
//! symmetric extension, applied as the specification's fixed tree of 2-D splits that
//! yields 64 subbands.
//!
//! One 1-D split of a signal of length `n` gives `ceil(n/2)` low-pass outputs (filter centred
//! on the even samples) and `floor(n/2)` high-pass outputs (centred on the odd samples). The
//! signal is mirrored about its first and last samples, so the interleaved outputs are
//! mirrored the same way and synthesis can use the same extension.
//!
//! Where the two halves go: a region that came out of a high-pass filtering in one
//! direction holds a mirrored spectrum, so when it is split again in that direction the
//! specification stores the high-pass half first. That makes the rule purely positional: a
//! region lying on the right (bottom) side of its parent's split stores its own horizontal
//! (vertical) split high half first.
//!
//! The tree (subband numbers are the specification's 0..63):
//! - the image splits into four quadrants; the bottom-right one is dropped (60..63), the
//!   top-right and bottom-left split once more into 52..55 and 56..59;
//! - the top-left quadrant splits into four: its bottom-right is subband 51, its top-right
//!   and bottom-left split twice (16 subbands each: 19..34 and 35..50);
//! - its top-left splits twice into 16 (3..18), the first of which splits once more into
//!   0..3 (so numbering starts over there: 0..3, then 4..18).
//!
//! Within a 16-way split, subbands are numbered quadrant by quadrant (top-left, top-right,
//! bottom-left, bottom-right), and within each quadrant in the same order.

/// The analysis low-pass filter of the specification (9 taps), centre tap first.
pub const LOWPASS_HALF: [f64; 5] = [
    0.852_698_679_009_4,
    0.377_402_855_612_654,
    -0.110_624_404_418_423,
    -0.023_849_465_019_380,
    0.037_828_455_506_995,
];
/// The analysis high-pass filter of the specification (7 taps), centre tap first.
pub const HIGHPASS_HALF: [f64; 4] = [
    0.788_485_616_405_665,
    -0.418_092_273_222_212,
    -0.040_689_417_609_558,
    0.064_538_882_628_938,
];

/// Expand a half filter (centre first) into the full symmetric one.
pub fn full_filter(half: &[f64]) -> Vec<f64> {
    half.iter()
        .rev()
        .chain(half.iter().skip(1))
        .copied()
        .collect()
}

/// A rectangle of the coefficient plane, and which way its own split is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Region {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
    /// The horizontal split of this region stores the high-pass half on the left.
    pub high_first_x: bool,
    /// The vertical split of this region stores the high-pass half on top.
    pub high_first_y: bool,
}

impl Region {
    pub fn len(&self) -> usize {
        self.width * self.height
    }

    /// The four quadrants of this region's split: top-left, top-right, bottom-left,
    /// bottom-right.
    fn split(&self) -> [Region; 4] {
        let (left, right) = halves(self.width, self.high_first_x);
        let (top, bottom) = halves(self.height, self.high_first_y);
        let quadrant =
            |dx: usize, w: usize, dy: usize, h: usize, right: bool, bottom: bool| Region {
                x: self.x + dx,
                y: self.y + dy,
                width: w,
                height: h,
                high_first_x: right,
                high_first_y: bottom,
            };
        [
            quadrant(0, left, 0, top, false, false),
            quadrant(left, right, 0, top, true, false),
            quadrant(0, left, top, bottom, false, true),
            quadrant(left, right, top, bottom, true, true),
        ]
    }
}

/// Sizes of the first and second half of a split of `n` samples.
fn halves(n: usize, high_first: bool) -> (usize, usize) {
    let (low, high) = (n.div_ceil(2), n / 2);
    if high_first {
        (high, low)
    } else {
        (low, high)
    }
}

/// Where every subband lies, and the regions to split, parents before children.
#[derive(Debug, Clone)]
pub struct Layout {
    pub splits: Vec<Region>,
    pub subbands: [Region; 64],
}

impl Layout {
    pub fn new(width: usize, height: usize) -> Layout {
        let mut splits = Vec::with_capacity(20);
        let mut subbands = [Region::default(); 64];
        let image = Region {
            x: 0,
            y: 0,
            width,
            height,
            high_first_x: false,
            high_first_y: false,
        };

        splits.push(image);
        let [q0, q1, q2, _dropped] = image.split();
        // The dropped quadrant (60..63) keeps empty regions: nothing is ever coded there.
        splits.push(q0);
        let [a, b, c, d] = q0.split();
        for (quadrant, first) in [(q1, 52), (q2, 56)] {
            splits.push(quadrant);
            subbands[first..first + 4].copy_from_slice(&quadrant.split());
        }
        subbands[51] = d;
        for (region, first) in [(b, 19), (c, 35)] {
            split16(region, first, &mut splits, &mut subbands);
        }
        // The top-left corner: 16-way split numbered from 3, whose first subband (number 3)
        // is split once more into 0..3.
        let mut corner = [Region::default(); 64];
        split16(a, 3, &mut splits, &mut corner);
        subbands[4..19].copy_from_slice(&corner[4..19]);
        let deepest = corner[3];
        splits.push(deepest);
        subbands[0..4].copy_from_slice(&deepest.split());
        Layout { splits, subbands }
    }
}

/// Split `region` into 4 and each quadrant into 4 again, numbering from `first`.
fn split16(region: Region, first: usize, splits: &mut Vec<Region>, subbands: &mut [Region; 64]) {
    splits.push(region);
    for (i, quadrant) in region.split().into_iter().enumerate() {
        splits.push(quadrant);
        let at = first + 4 * i;
        subbands[at..at + 4].copy_from_slice(&quadrant.split());
    }
}

/// A filter bank ready to run: analysis filters and the synthesis kernels derived from them.
#[derive(Debug, Clone)]
pub struct FilterBank {
    low: Vec<f32>,
    high: Vec<f32>,
    /// Synthesis kernels for even and odd output samples over the interleaved subbands,
    /// index `k` multiplies sample `n - (k - pad)`.
    synth_even: Vec<f32>,
    synth_odd: Vec<f32>,
    /// Mirror padding each side: the largest filter half-length.
    pad: usize,
}

impl FilterBank {
    /// `low` and `high` are full symmetric analysis filters of odd length.
    pub fn new(low: &[f32], high: &[f32]) -> FilterBank {
        let pad = low.len().max(high.len()) / 2;
        // Synthesis filters of a biorthogonal pair: g0[k] = (-1)^k h1[k] (low-pass, from
        // the analysis high-pass) and g1[k] = (-1)^k h0[k], both centred.
        let tap = |filter: &[f32], k: isize| -> f32 {
            let half = (filter.len() / 2) as isize;
            if k.abs() > half {
                return 0.0;
            }
            let sign = if k.rem_euclid(2) == 0 { 1.0 } else { -1.0 };
            sign * filter[(k + half) as usize]
        };
        let width = 2 * pad + 1;
        let mut synth_even = vec![0.0; width];
        let mut synth_odd = vec![0.0; width];
        for i in 0..width {
            let k = i as isize - pad as isize;
            // Output n receives z[n - k] * g(k), where g is g0 if n - k is even (a low-pass
            // sample), else g1.
            let (g_even_source, g_odd_source) = (tap(high, k), tap(low, k));
            if k.rem_euclid(2) == 0 {
                synth_even[i] = g_even_source;
                synth_odd[i] = g_odd_source;
            } else {
                synth_even[i] = g_odd_source;
                synth_odd[i] = g_even_source;
            }
        }
        FilterBank {
            low: low.to_vec(),
            high: high.to_vec(),
            synth_even,
            synth_odd,
            pad,
        }
    }

    /// The filter bank of the specification.
    pub fn standard() -> FilterBank {
        let low: Vec<f32> = full_filter(&LOWPASS_HALF)
            .iter()
            .map(|&v| v as f32)
            .collect();
        let high: Vec<f32> = full_filter(&HIGHPASS_HALF)
            .iter()
            .map(|&v| v as f32)
            .collect();
        FilterBank::new(&low, &high)
    }

    /// Copy `signal` into `ext` with `pad` mirrored samples each side.
    fn extend(&self, signal: &[f32], ext: &mut Vec<f32>) {
        let n = signal.len() as isize;
        let pad = self.pad as isize;
        ext.clear();
        ext.extend((-pad..n + pad).map(|i| signal[mirror(i, n)]));
    }

    /// 1-D analysis of `signal` into `low` (ceil(n/2)) and `high` (floor(n/2)).
    fn analyze(&self, signal: &[f32], ext: &mut Vec<f32>, low: &mut [f32], high: &mut [f32]) {
        let n = signal.len();
        if n == 1 {
            // Nothing to split: the single sample is its own low-pass band.
            low[0] = signal[0];
            return;
        }
        self.extend(signal, ext);
        let pad = self.pad;
        let lh = self.low.len() / 2;
        for (i, out) in low.iter_mut().enumerate() {
            let start = 2 * i + pad - lh;
            *out = dot(&self.low, &ext[start..start + self.low.len()]);
        }
        let hh = self.high.len() / 2;
        for (i, out) in high.iter_mut().enumerate() {
            let start = 2 * i + 1 + pad - hh;
            *out = dot(&self.high, &ext[start..start + self.high.len()]);
        }
    }

    /// 1-D synthesis: `interleaved` holds low-pass samples at even and high-pass samples
    /// at odd positions; `out` receives the signal.
    fn synthesize(&self, interleaved: &[f32], ext: &mut Vec<f32>, out: &mut [f32]) {
        let n = interleaved.len();
        if n == 1 {
            out[0] = interleaved[0];
            return;
        }
        self.extend(interleaved, ext);
        let width = 2 * self.pad + 1;
        for (i, value) in out.iter_mut().enumerate() {
            // Output i reads ext[i + pad - k] for k in -pad..=pad, i.e. ext[i..i + width]
            // against the kernel reversed.
            let kernel = if i % 2 == 0 {
                &self.synth_even
            } else {
                &self.synth_odd
            };
            let window = &ext[i..i + width];
            *value = window
                .iter()
                .zip(kernel.iter().rev())
                .map(|(a, b)| a * b)
                .sum();
        }
    }

    /// Forward transform of the whole plane (row-major, `stride` wide) along `layout`.
    pub fn forward(&self, plane: &mut [f32], stride: usize, layout: &Layout) {
        let mut scratch = Scratch::default();
        for region in &layout.splits {
            self.split_rows(plane, stride, region, &mut scratch);
            self.split_columns(plane, stride, region, &mut scratch);
        }
    }

    /// Inverse transform of the whole plane along `layout`.
    pub fn inverse(&self, plane: &mut [f32], stride: usize, layout: &Layout) {
        let mut scratch = Scratch::default();
        for region in layout.splits.iter().rev() {
            self.join_columns(plane, stride, region, &mut scratch);
            self.join_rows(plane, stride, region, &mut scratch);
        }
    }

    fn split_rows(&self, plane: &mut [f32], stride: usize, r: &Region, s: &mut Scratch) {
        if r.width < 1 || r.height < 1 {
            return;
        }
        let (nl, nh) = (r.width.div_ceil(2), r.width / 2);
        s.low.resize(nl, 0.0);
        s.high.resize(nh, 0.0);
        for y in r.y..r.y + r.height {
            let row = &mut plane[y * stride + r.x..y * stride + r.x + r.width];
            s.line.clear();
            s.line.extend_from_slice(row);
            self.analyze(&s.line, &mut s.ext, &mut s.low, &mut s.high);
            place(row, &s.low, &s.high, r.high_first_x);
        }
    }

    /// Vertical split, a whole row at a time (cache-friendly): each output row is a
    /// weighted sum of mirrored input rows.
    fn split_columns(&self, plane: &mut [f32], stride: usize, r: &Region, s: &mut Scratch) {
        let (n, w) = (r.height, r.width);
        if w < 1 || n < 2 {
            return;
        }
        copy_block(plane, stride, r, &mut s.block);
        let (nl, nh) = (n.div_ceil(2), n / 2);
        let low_at = |i: usize| if r.high_first_y { nh + i } else { i };
        let high_at = |i: usize| if r.high_first_y { i } else { nl + i };
        for (filter, count, phase, at) in [
            (&self.low, nl, 0usize, &low_at as &dyn Fn(usize) -> usize),
            (&self.high, nh, 1, &high_at),
        ] {
            let half = (filter.len() / 2) as isize;
            for i in 0..count {
                let out = &mut plane[(r.y + at(i)) * stride + r.x..][..w];
                out.fill(0.0);
                for (j, &tap) in filter.iter().enumerate() {
                    let m = mirror((2 * i + phase) as isize + j as isize - half, n as isize);
                    axpy(out, tap, &s.block[m * w..(m + 1) * w]);
                }
            }
        }
    }

    fn join_rows(&self, plane: &mut [f32], stride: usize, r: &Region, s: &mut Scratch) {
        if r.width < 1 || r.height < 1 {
            return;
        }
        s.column.resize(r.width, 0.0);
        for y in r.y..r.y + r.height {
            let row = &mut plane[y * stride + r.x..y * stride + r.x + r.width];
            interleave(row, &mut s.line, r.high_first_x);
            self.synthesize(&s.line, &mut s.ext, &mut s.column);
            row.copy_from_slice(&s.column);
        }
    }

    /// Vertical synthesis, a whole row at a time.
    fn join_columns(&self, plane: &mut [f32], stride: usize, r: &Region, s: &mut Scratch) {
        let (n, w) = (r.height, r.width);
        if w < 1 || n < 2 {
            return;
        }
        copy_block(plane, stride, r, &mut s.block);
        let (nl, nh) = (n.div_ceil(2), n / 2);
        // Stored row of interleaved sample m (low-pass at even m, high-pass at odd m).
        let stored = |m: usize| match (m % 2 == 0, r.high_first_y) {
            (true, false) => m / 2,
            (true, true) => nh + m / 2,
            (false, false) => nl + m / 2,
            (false, true) => m / 2,
        };
        let pad = self.pad as isize;
        for row in 0..n {
            let kernel = if row % 2 == 0 {
                &self.synth_even
            } else {
                &self.synth_odd
            };
            let out = &mut plane[(r.y + row) * stride + r.x..][..w];
            out.fill(0.0);
            for (i, &tap) in kernel.iter().enumerate() {
                if tap == 0.0 {
                    continue;
                }
                // Kernel index i multiplies interleaved sample row - (i - pad).
                let m = mirror(row as isize - (i as isize - pad), n as isize);
                let src = stored(m);
                axpy(out, tap, &s.block[src * w..(src + 1) * w]);
            }
        }
    }
}

/// Copy region `r` of the plane into `block` (rows of `r.width`).
fn copy_block(plane: &[f32], stride: usize, r: &Region, block: &mut Vec<f32>) {
    block.clear();
    for y in r.y..r.y + r.height {
        block.extend_from_slice(&plane[y * stride + r.x..y * stride + r.x + r.width]);
    }
}

/// out += a * x, element by element (vectorizes).
fn axpy(out: &mut [f32], a: f32, x: &[f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o += a * v;
    }
}

/// Reusable buffers for one transform pass.
#[derive(Default)]
struct Scratch {
    line: Vec<f32>,
    ext: Vec<f32>,
    low: Vec<f32>,
    high: Vec<f32>,
    column: Vec<f32>,
    block: Vec<f32>,
}

/// Write the two halves of a split into `out` in stored order.
fn place(out: &mut [f32], low: &[f32], high: &[f32], high_first: bool) {
    let (first, second) = if high_first { (high, low) } else { (low, high) };
    out[..first.len()].copy_from_slice(first);
    out[first.len()..].copy_from_slice(second);
}

/// Undo [`place`]: low-pass samples to even, high-pass samples to odd positions.
fn interleave(stored: &[f32], out: &mut Vec<f32>, high_first: bool) {
    let n = stored.len();
    let (nl, nh) = (n.div_ceil(2), n / 2);
    let (low, high) = if high_first {
        (&stored[nh..], &stored[..nh])
    } else {
        (&stored[..nl], &stored[nl..])
    };
    out.clear();
    out.resize(n, 0.0);
    for (i, &v) in low.iter().enumerate() {
        out[2 * i] = v;
    }
    for (i, &v) in high.iter().enumerate() {
        out[2 * i + 1] = v;
    }
}

/// Whole-sample symmetric index: mirror `i` about 0 and `n - 1` until it falls inside.
fn mirror(i: isize, n: isize) -> usize {
    if n <= 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - m }) as usize
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_tiles_the_kept_quadrants() {
        for (w, h) in [(500, 500), (333, 417), (64, 48), (101, 77)] {
            let layout = Layout::new(w, h);
            let mut covered = vec![0u8; w * h];
            for band in &layout.subbands[..60] {
                for y in band.y..band.y + band.height {
                    for x in band.x..band.x + band.width {
                        covered[y * w + x] += 1;
                    }
                }
            }
            let (qw, qh) = (w.div_ceil(2), h.div_ceil(2));
            for y in 0..h {
                for x in 0..w {
                    let dropped = x >= qw && y >= qh;
                    assert_eq!(covered[y * w + x], u8::from(!dropped), "{w}x{h} at {x},{y}");
                }
            }
            assert_eq!(layout.splits.len(), 20);
        }
    }

    #[test]
    fn filters_reconstruct_perfectly() {
        let bank = FilterBank::standard();
        for n in [1usize, 2, 3, 4, 5, 7, 10, 33, 64] {
            let signal: Vec<f32> = (0..n).map(|i| ((i * 37 % 11) as f32) - 5.0).collect();
            let mut ext = Vec::new();
            let mut low = vec![0.0; n.div_ceil(2)];
            let mut high = vec![0.0; n / 2];
            bank.analyze(&signal, &mut ext, &mut low, &mut high);
            let mut stored = vec![0.0; n];
            place(&mut stored, &low, &high, false);
            let mut inter = Vec::new();
            interleave(&stored, &mut inter, false);
            let mut out = vec![0.0; n];
            bank.synthesize(&inter, &mut ext, &mut out);
            for (a, b) in signal.iter().zip(&out) {
                assert!((a - b).abs() < 1e-3, "n={n}: {signal:?} vs {out:?}");
            }
        }
    }

    #[test]
    fn plane_reconstructs() {
        let (w, h) = (71, 53);
        let plane: Vec<f32> = (0..w * h)
            .map(|i| ((i * 7919 % 256) as f32) - 128.0)
            .collect();
        let layout = Layout::new(w, h);
        let bank = FilterBank::standard();
        let mut work = plane.clone();
        bank.forward(&mut work, w, &layout);
        bank.inverse(&mut work, w, &layout);
        let worst = plane
            .iter()
            .zip(&work)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-2, "worst {worst}");
    }
}
